/// What was seen of a site, before any rule was applied (observations.jsonl): the judge turns it
/// into findings, at scan time and again later with `icpaudit judge`.
public struct SiteObservation: Sendable, Equatable {
    public var domain: String
    public var line: Int
    public var checkedAt: String
    public var hosts: [HostObservation]

    public init(domain: String, line: Int, checkedAt: String, hosts: [HostObservation]) {
        self.domain = domain
        self.line = line
        self.checkedAt = checkedAt
        self.hosts = hosts
    }
}

/// Which page a person gets (SPEC "What a person sees").
public enum View: String, Sendable, CaseIterable {
    case desktop, mobile
}

/// One host in one view: its DNS answer, every step taken towards its home page, and the page.
public struct HostObservation: CopyOnWrite {
    public struct Fields: Sendable, Equatable {
        public var host: String
        public var view: View
        public var dns: DNSAnswer
        /// In order: the way to the page (`http`, `meta-refresh`, `script` hops), the last of which
        /// ends it (a page, or why there is none); then the page's frames (from a `frame` hop on).
        public var hops: [Hop]
        /// The page as a person sees it, its frames' content included (drawn by a browser when
        /// `page.rendered`).
        public var page: PageFacts?
        /// The page as read statically, when a browser drew `page`.
        public var staticPage: PageFacts?
        /// Why the browser could not draw a page that needed it (the static reading stands).
        public var renderFailure: String?
        /// Why this host's page was not drawn for it: another host of the site ended on the same
        /// page in the same view, and its drawing is this one's (`page` is that drawing).
        public var renderShared: String?
        /// Why a page `--render auto` would once have drawn was not: its only scripts cannot
        /// draw it, so drawing it changes no finding.
        public var renderSkipped: String?
        /// The desktop view's probe of the home page with a mobile browser's User-Agent (status and
        /// headers only); nil when there was none.
        public var mobileProbe: Hop?
        /// `--cloak-check`: the desktop view's home page requested again as Baiduspider (the hop)
        /// and what it served (`spiderPage`, read as the person's page is, never drawn).
        public var spiderProbe: Hop?
        public var spiderPage: PageFacts?
        /// How many times the host was tried (retries after a failure to open).
        public var attempts: Int
        public var ms: Int
        /// Set by the observer when this look's failure may have been icpaudit's own; the run
        /// looks at the host again at its end and keeps that look (never written).
        public var suspect: SuspectLook?
        /// The earlier look that was a suspect, when this observation is the look taken again.
        public var firstLook: SuspectLook?

        /// The way to the page, without its frames.
        public var chain: ArraySlice<Hop> { hops.prefix { $0.kind != .frame } }

        /// The hop whose answer was read to its end: the page's, or a final non-2xx answer.
        public var answered: Hop? {
            guard let last = chain.last, last.status != nil, last.failure == nil || last.failure?.kind == .tooLarge else { return nil }
            return last
        }
    }

    public var storage: CopyOnWriteStorage<Fields>

    public init(host: String, view: View = .desktop, dns: DNSAnswer, hops: [Hop] = [], page: PageFacts? = nil,
                attempts: Int = 1, ms: Int = 0) {
        storage = CopyOnWriteStorage(Fields(host: host, view: view, dns: dns, hops: hops, page: page, staticPage: nil,
                                            renderFailure: nil, renderShared: nil, renderSkipped: nil, mobileProbe: nil, spiderProbe: nil, spiderPage: nil, attempts: attempts, ms: ms,
                                            suspect: nil, firstLook: nil))
    }
}

/// A look at a host whose failure may have been icpaudit's own (SPEC: a failure seen while the
/// crawler was saturated is a suspect, checked again at the end of the run with the crawler idle).
public struct SuspectLook: Sendable, Equatable {
    /// How icpaudit held the host up (a queue's wait, a saturated loop, a drawing cut short).
    public var reason: String
    /// What the look ended in.
    public var outcome: String
    public var ms: Int

    public init(reason: String, outcome: String, ms: Int) {
        self.reason = reason
        self.outcome = outcome
        self.ms = ms
    }
}

public struct DNSAnswer: Sendable, Equatable {
    /// A and AAAA addresses, in the order the server gave them.
    public var addresses: [IPAddress]
    public var cnames: [String]
    public var failure: AccessFailure?

    public init(addresses: [IPAddress] = [], cnames: [String] = [], failure: AccessFailure? = nil) {
        self.addresses = addresses
        self.cnames = cnames
        self.failure = failure
    }
}

public enum HopKind: String, Sendable, CaseIterable {
    case http
    case metaRefresh = "meta-refresh"
    case script
    case frame
}

/// One step towards a home page: a request made, or one that was not made and why.
public struct Hop: Sendable, Equatable {
    public var url: String
    public var kind: HopKind
    /// The addresses the request was pinned to (or that kept it from being made).
    public var addresses: [IPAddress]
    /// False for the retry that reads a page whose certificate did not verify.
    public var verified: Bool
    public var status: Int?
    /// Where the answer sent the browser, as written: a 3xx `Location`, a meta refresh's or a
    /// script's URL.
    public var location: String?
    /// The answer's `Vary` header, when it names `User-Agent` (the page differs by device).
    public var vary: String?
    public var failure: AccessFailure?
    public var bytes: Int
    public var ms: Int

    public init(url: String, kind: HopKind = .http, addresses: [IPAddress] = [], verified: Bool = true,
                status: Int? = nil, location: String? = nil, failure: AccessFailure? = nil, bytes: Int = 0, ms: Int = 0) {
        self.url = url
        self.kind = kind
        self.addresses = addresses
        self.verified = verified
        self.status = status
        self.location = location
        self.failure = failure
        self.bytes = bytes
        self.ms = ms
    }

    /// An answer whose target was taken as the next hop (an HTTP redirect, a meta refresh, a
    /// script redirect).
    public var redirected: Bool { failure == nil && location != nil }
}

/// Why a step did not get a usable answer, with what was said about it (a resolver's or
/// curl's message, the URL not followed).
public struct AccessFailure: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// NXDOMAIN or NODATA.
        case dnsNoRecord = "dns_no_record"
        /// SERVFAIL, REFUSED, the server's timeout.
        case dnsFailed = "dns_failed"
        /// Resolves to a loopback, private or other non-public address: not requested.
        case privateAddress = "private_address"
        case connect
        /// The certificate did not verify.
        case certificate
        /// The TLS handshake failed.
        case tls
        /// The answer did not complete within the host's time.
        case timeout
        /// The host's time ran out before this step could start.
        case deadline
        /// The server broke HTTP: empty reply, reset, bad encoding.
        case protocolError = "protocol"
        /// A redirect to something other than http(s); `detail` is the target.
        case badRedirect = "bad_redirect"
        /// One redirect past the limit; `detail` is the target not followed.
        case redirectLimit = "redirect_limit"
        /// The body passed the cap (an endless body, a decompression bomb): its end was never read.
        case tooLarge = "too_large"
        /// Every address is IPv6 and the auditing machine has no IPv6 route: not reached, which
        /// says nothing about the site.
        case noIPv6Route = "no_ipv6_route"
    }

    public var kind: Kind
    public var detail: String

    public init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }
}
