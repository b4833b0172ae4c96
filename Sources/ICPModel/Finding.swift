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
    /// The host resolves through a CDN that is not the provider's own (SPEC "CDN").
    case ipViaCDN = "IP_VIA_CDN"
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
    /// Baiduspider is served another page, with risk words or hidden links (SPEC "Content risks", `--cloak-check`).
    case contentCloaked = "CONTENT_CLOAKED"

    /// Severity when the finding is raised; `TLS_FAILED` drops to `warn` when the page was
    /// still read over the unverified fallback (see `Finding.init`).
    public var severity: Severity {
        switch self {
        case .titleRestricted, .pageScriptRendered, .redirectOffsite, .ipv6NoRoute, .ipViaCDN, .contentRiskWords, .contentCloaked: return .warn
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
    /// Which of the code's sentences the detail is; with `facts`, the detail is written in the
    /// reader's language where it is shown (ICPReport's `details.tsv`), and a script reads the
    /// facts, never the text.
    public var form: DetailForm
    public var facts: [Fact]

    public init(_ code: FindingCode, host: String, view: View = .desktop, _ form: DetailForm, _ facts: [Fact] = [], severity: Severity? = nil) {
        self.code = code
        self.host = host
        self.view = view
        self.severity = severity ?? code.severity
        self.form = form
        // In one order however they were made or read back (findings.jsonl keeps them by name).
        self.facts = facts.sorted { $0.name < $1.name }
    }

    /// The fact named `name`, if the finding has it.
    public func fact(_ name: String) -> Fact.Value? { facts.first { $0.name == name }?.value }
}

/// One named fact of a finding's detail.
public struct Fact: Sendable, Equatable {
    public var name: String
    public var value: Value

    public enum Value: Sendable, Equatable {
        /// As observed or filed (a URL, a number, a host, a server's own words): never translated.
        case text(String)
        /// A few items, then how many more there were.
        case list([String], more: Int)
        /// A word of the details' vocabulary (`footer`, `bottom`, `body`), written in the reader's language.
        case term(String)
        /// Words of the vocabulary (risk categories, places on a page), each in the reader's language.
        case terms([String])
    }

    public static func text(_ name: String, _ value: String) -> Fact { Fact(name: name, value: .text(value)) }
    public static func list(_ name: String, _ items: [String], more: Int = 0) -> Fact { Fact(name: name, value: .list(items, more: more)) }
    public static func term(_ name: String, _ word: String) -> Fact { Fact(name: name, value: .term(word)) }
    public static func terms(_ name: String, _ words: [String]) -> Fact { Fact(name: name, value: .terms(words)) }
}

/// Every sentence a finding's detail can be, named as `details.tsv` names it. `asWritten` is a
/// detail read back from a run written before details had facts: its text as it was.
public enum DetailForm: String, Sendable, CaseIterable {
    case asWritten = "as_written"
    case dnsNoRecord = "dns_no_record", dnsTimeout = "dns_timeout", dnsError = "dns_error"
    case certificateFallback = "certificate_fallback", httpStatus = "http_status"
    case connectFailed = "connect_failed", tlsFailed = "tls_failed", timeout = "timeout", deadline = "deadline"
    case badAnswer = "bad_answer", ipv6NoRoute = "ipv6_no_route", redirectUnresolved = "redirect_unresolved"
    case ipPrivate = "ip_private", redirectIPPrivate = "redirect_ip_private", badRedirect = "bad_redirect"
    case redirectLimit = "redirect_limit", ipNotProvider = "ip_not_provider", ipNotFiled = "ip_not_filed"
    case ipViaCDN = "ip_via_cdn", ipViaCDNAddress = "ip_via_cdn_address"
    case redirectOffsite = "redirect_offsite", placeholder = "placeholder"
    case scriptShell = "script_shell", scriptNumbers = "script_numbers"
    case icpSubjectLevel = "icp_subject_level", icpWrong = "icp_wrong", icpWrongService = "icp_wrong_service", icpMissing = "icp_missing", numberHidden = "number_hidden"
    case icpLinkWrong = "icp_link_wrong", icpNotLinked = "icp_not_linked"
    case psbMissing = "psb_missing", psbWrongCode = "psb_wrong_code", psbWrongLink = "psb_wrong_link", psbWrongBoth = "psb_wrong_both"
    case psbLinkWrong = "psb_link_wrong", psbNotLinked = "psb_not_linked"
    case titleMissing = "title_missing", titleMismatch = "title_mismatch", titleRestricted = "title_restricted"
    case riskWords = "risk_words", hiddenLinks = "hidden_links", hiddenLinksRisky = "hidden_links_risky", cloaked = "cloaked"
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

/// icpaudit's own side failed (out of descriptors, its resolver unreachable or silent, a loop or
/// fetcher shut down): never a site's failure. A type of its own, apart from the sites'
/// failures, so it cannot be recorded as one; the observer retries it or stops the run.
public struct OwnFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}
