/// Severity of a finding, as SPEC orders them.
public enum Severity: String, Sendable, Comparable {
    case info, warn, error

    private var rank: Int { self == .info ? 0 : self == .warn ? 1 : 2 }
    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
}

/// Every finding code of SPEC. The raw value is the code written to the output.
public enum FindingCode: String, Sendable, CaseIterable {
    case dnsNoRecord = "DNS_NO_RECORD"
    case dnsError = "DNS_ERROR"
    case connectFailed = "CONNECT_FAILED"
    case tlsFailed = "TLS_FAILED"
    case httpError = "HTTP_ERROR"
    case timeout = "TIMEOUT"
    case ipNotProvider = "IP_NOT_PROVIDER"
    case ipNotFiled = "IP_NOT_FILED"
    case ipPrivate = "IP_PRIVATE"
    case icpMissing = "ICP_MISSING"
    case icpWrong = "ICP_WRONG"
    case icpSubjectLevel = "ICP_SUBJECT_LEVEL"
    case icpNotLinked = "ICP_NOT_LINKED"
    case icpLinkWrong = "ICP_LINK_WRONG"
    case psbMissing = "PSB_MISSING"
    case psbWrong = "PSB_WRONG"
    case psbNotLinked = "PSB_NOT_LINKED"
    case titleMismatch = "TITLE_MISMATCH"
    case titleRestricted = "TITLE_RESTRICTED"
    case pagePlaceholder = "PAGE_PLACEHOLDER"
    case pageScriptRendered = "PAGE_SCRIPT_RENDERED"
    case redirectOffsite = "REDIRECT_OFFSITE"
    /// The host has only IPv6 addresses and the auditing machine no IPv6 route: not checked
    /// (SPEC: the crawler's own limits are never the site's CONNECT_FAILED).
    case ipv6NoRoute = "IPV6_NO_ROUTE"
    /// Links to other sites that a person cannot see (SPEC "Content risks").
    case contentHiddenLinks = "CONTENT_HIDDEN_LINKS"
    /// Gambling, pornography, drugs or fraud words past the threshold (SPEC "Content risks").
    case contentRiskWords = "CONTENT_RISK_WORDS"

    /// Severity when the finding is raised; `TLS_FAILED` drops to `warn` when the page was
    /// still read over the unverified fallback (see `Finding.init`).
    public var severity: Severity {
        switch self {
        case .titleRestricted, .pageScriptRendered, .redirectOffsite, .ipv6NoRoute, .contentRiskWords: return .warn
        default: return .error
        }
    }

    /// Codes that mean the host could not be opened: page findings are not raised for it.
    public var isAccessFailure: Bool {
        switch self {
        case .dnsNoRecord, .dnsError, .connectFailed, .tlsFailed, .httpError, .timeout, .ipPrivate: return true
        default: return false
        }
    }
}

public struct Finding: Sendable, Equatable {
    public var code: FindingCode
    public var host: String
    /// The view the finding was seen in; written as `"view":"mobile"`, omitted for the desktop.
    public var view: View
    public var severity: Severity
    public var detail: String

    public init(_ code: FindingCode, host: String, view: View = .desktop, detail: String, severity: Severity? = nil) {
        self.code = code
        self.host = host
        self.view = view
        self.severity = severity ?? code.severity
        self.detail = detail
    }
}

public enum Verdict: String, Sendable, CaseIterable {
    case pass, fail, review, unreachable

    /// SPEC: unreachable when every host failed to open, else by the worst severity.
    public static func of(findings: [Finding], hostsOpened: Int, hostCount: Int) -> Verdict {
        if hostCount > 0 && hostsOpened == 0 { return .unreachable }
        let worst = findings.map(\.severity).max() ?? .info
        switch worst {
        case .error: return .fail
        case .warn: return .review
        case .info: return .pass
        }
    }
}
