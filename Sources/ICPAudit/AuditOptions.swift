import Foundation
import ICPFetch
import ICPModel
import ICPRender
import ICPResolve
import ICPScan

/// How a scan reaches sites. The port and DNS overrides exist to run against a local farm
/// and behind split-horizon DNS (SPEC).
public struct AuditOptions: Sendable {
    public var dnsServers: [String] = []
    public var ports = PortMap()
    public var caBundle: String?
    /// Per-host deadline: DNS, every fetch and redirect together.
    public var timeoutSeconds = 15.0
    /// Non-public addresses (loopback, private, link-local, …) are not fetched, for a site nor
    /// for any request its drawn page makes, unless `--allow-private` allows them all or
    /// `--allow-private-range` the ones inside its blocks (a provider's own internal network,
    /// while 169.254.169.254 and the rest stay refused).
    public var allowPrivate = false
    public var allowedPrivateRanges = CIDRSet(blocks: [])
    /// The risk words pages are read for (`--risk-words`; the bundled list by default).
    public var riskWords = RiskWords.standard
    public var maxRedirects = 10
    /// Further attempts at a host that failed to open, each after a doubling backoff.
    public var retries = 2
    public var retryBackoffMilliseconds = 200
    /// Fetches in flight to one server address at most (`--per-ip`).
    public var perIP = 8
    /// Lookups in flight at most (`--dns-concurrency`): a burst of thousands is queued here, not
    /// dropped by a resolver's socket, and the wait is not charged to the host.
    public var dnsConcurrency = 100
    public var maxBodyBytes = 8 << 20
    /// How each view's requests present themselves.
    public var profile = FetchProfile.desktop
    public var mobileProfile = FetchProfile.mobile
    /// `--cloak-check`: each host's home page is read once more as Baiduspider (SPEC "Content risks").
    public var cloakCheck = false
    public var spiderProfile = FetchProfile.baiduspider
    /// When the mobile view is audited (`--mobile`).
    public var mobile = MobileMode.auto
    /// Frames of one page fetched at most.
    public var maxFrames = 4
    /// Which pages are drawn in headless Chromium (`--render`), with which browser, how many at
    /// once, and each page's own time (`--render-timeout`).
    public var render = RenderMode.auto
    public var browser = BrowserPool.Options.defaultExecutable
    public var renderConcurrency = defaultRenderConcurrency
    public var renderTimeoutSeconds = 15.0

    public init() {}

    /// The ports http:// and https:// URLs connect to (`--http-port`, `--https-port`: a local farm).
    public var httpPort: Int {
        get { ports.http }
        set { ports.http = newValue }
    }
    public var httpsPort: Int {
        get { ports.https }
        set { ports.https = newValue }
    }

    /// What is wrong with `--dns-server` values (HOST[:PORT]), or nil when c-ares takes them all.
    public static func problem(withDNSServers servers: [String]) -> String? {
        Resolver.problem(withServers: servers)
    }

    /// Pages drawn at once: two per core, 2 to 8. A drawing mostly waits (its page's requests, the
    /// quiet before judgement), so a core keeps two busy; on 2 cores 4 draw 10 pages/s with the
    /// browser tree at 286 MB PSS (docs/benchmarks.md, bench-render b).
    public static let defaultRenderConcurrency = min(8, max(2, 2 * ProcessInfo.processInfo.activeProcessorCount))

    func profile(for view: View) -> FetchProfile { view == .mobile ? mobileProfile : profile }

    /// True when `ips` holds a non-public address this run may not reach: then none of them is
    /// fetched (IP_PRIVATE, or a request the browser does not get).
    func refuses(_ ips: [IPAddress]) -> Bool {
        !allowPrivate && ips.contains { $0.isNonPublic && !allowedPrivateRanges.contains($0) }
    }
}

/// `--mobile`: `auto` audits the mobile view where the site signals one (SPEC "What a person
/// sees"), `always` for every host, `never` not at all.
public enum MobileMode: String, Sendable, CaseIterable {
    case auto, always, never
}
