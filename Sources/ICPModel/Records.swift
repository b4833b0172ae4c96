/// One inventory row, validated and normalised (domain in punycode, hosts expanded).
public struct Site: Sendable, Equatable {
    public var line: Int
    public var domain: String
    public var icp: String
    public var serviceName: String
    public var ips: [IPAddress]
    public var psb: String
    public var hosts: [String]
    /// The registrable domain the filed domain is under (public-suffix list), when known.
    public var registrableDomain: String?

    public init(line: Int, domain: String, icp: String, serviceName: String = "", ips: [IPAddress] = [],
                psb: String = "", hosts: [String], registrableDomain: String? = nil) {
        self.registrableDomain = registrableDomain
        self.line = line
        self.domain = domain
        self.icp = icp
        self.serviceName = serviceName
        self.ips = ips
        self.psb = psb
        self.hosts = hosts
    }
}

/// What was seen on one audited host; serialised as an element of `hosts` in findings.jsonl.
public struct HostRecord: Sendable, Equatable {
    public var host: String
    public var view: View = .desktop
    public var ips: [String] = []
    public var url: String = ""
    public var finalURL: String? = nil
    public var status: Int? = nil
    public var redirects: [String] = []
    public var title: String? = nil
    public var icp: [String] = []
    public var icpLinks: [String] = []
    public var psb: [String] = []
    public var foundIn: String? = nil
    public var charset: String? = nil
    public var charsetSource: String? = nil
    public var bytes: Int = 0
    public var truncated: Bool = false
    public var ms: Int = 0
    public var opened: Bool = false
    /// How many times the host was tried (retries after a failure to open).
    public var attempts: Int = 1
    /// The frames whose content the page shows.
    public var frames: [String] = []
    /// The page was judged as a browser drew it.
    public var rendered = false
    /// Where the browser drew the filing numbers (`bottom (93% down), centred`).
    public var numberPlacement: String?
    /// The catalogue's CDN the host resolves through (SPEC "CDN"), by name.
    public var cdn: String?

    public init(host: String, view: View = .desktop) {
        self.host = host
        self.view = view
    }
}

/// One output record per inventory row.
public struct SiteRecord: Sendable, Equatable {
    public var domain: String
    public var line: Int
    public var verdict: Verdict
    public var checkedAt: String
    public var findings: [Finding]
    public var hosts: [HostRecord]

    public init(domain: String, line: Int, verdict: Verdict, checkedAt: String, findings: [Finding], hosts: [HostRecord]) {
        self.domain = domain
        self.line = line
        self.verdict = verdict
        self.checkedAt = checkedAt
        self.findings = findings
        self.hosts = hosts
    }
}

/// An inventory row that could not be used: reported with where and why, then skipped.
public struct BadRow: Sendable, Equatable, Error, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var field: String
    public var message: String

    public init(file: String, line: Int, field: String, message: String) {
        self.file = file
        self.line = line
        self.field = field
        self.message = message
    }

    public var description: String { "\(file):\(line): field '\(field)': \(message)" }
}
