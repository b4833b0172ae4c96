#if canImport(Glibc)
import Glibc
#endif
import Foundation
import ICPFetch
import ICPLoop
import ICPModel
import ICPRender

/// `--render`: `auto` draws in a browser only the pages static reading cannot judge, `always`
/// every page, `never` none (SPEC "Command line").
public enum RenderMode: String, Sendable, CaseIterable {
    case auto, never, always
}

/// The run's headless browser, and which pages it draws.
final class PageRenderer: Sendable {
    let pool: BrowserPool
    let mode: RenderMode
    /// Each page's own budget (`--render-timeout`), counted from when it gets a browser slot.
    let timeout: Duration

    private init(pool: BrowserPool, mode: RenderMode, timeout: Duration) {
        self.pool = pool
        self.mode = mode
        self.timeout = timeout
    }

    /// The renderer of a run; nil when rendering is off. `always` starts the browser now, so a
    /// browser that cannot start stops the run before it begins; `auto` only checks that there
    /// is one and starts it at the first page that needs it (most runs need none, and an idle
    /// browser costs a second of CPU and a few hundred MB). No browser throws: `auto` then warns
    /// and goes on without.
    static func start(_ options: AuditOptions) async throws(RenderError) -> PageRenderer? {
        guard options.render != .never else { return nil }
        guard access(options.browser, X_OK) == 0 else { throw .browser("\(options.browser) is not an executable") }
        let pool = BrowserPool(options: BrowserPool.Options(executable: options.browser, concurrency: options.renderConcurrency))
        if options.render == .always {
            do {
                try await pool.start()
            } catch {
                await pool.shutdown()
                throw error
            }
        }
        return PageRenderer(pool: pool, mode: options.render, timeout: .milliseconds(Int(options.renderTimeoutSeconds * 1000)))
    }

    func shutdown() async { await pool.shutdown() }

    /// SPEC `--render auto`: a script shell, numbers only scripts write, a redirect that depends
    /// on the device, and any page that shows no ICP number while it runs scripts (a footer
    /// injected from a script file or loaded by XHR), unless its only scripts cannot draw
    /// (issue 20: analytics and libraries on their own): drawing that page changes no finding.
    func wants(_ page: PageFacts) -> Bool {
        switch mode {
        case .never: return false
        case .always: return true
        case .auto:
            return page.isScriptShell || !page.scriptNumbers.isEmpty && !Self.icpShown(page)
                || page.conditionalRedirect != nil || !Self.icpShown(page) && page.scriptCount > page.inertScripts
        }
    }

    /// Why `auto` does not draw a page that shows no ICP number while it runs scripts; nil when
    /// it draws it or the page runs none.
    func skipped(_ page: PageFacts) -> String? {
        guard mode == .auto, !wants(page), !Self.icpShown(page), page.scriptCount > 0 else { return nil }
        return "no ICP number, and its \(page.scriptCount) script\(page.scriptCount == 1 ? "" : "s") cannot draw one (analytics, libraries): not drawn"
    }

    private static func icpShown(_ page: PageFacts) -> Bool { (page.numbers + page.hiddenNumbers).contains { $0.kind != .psb } }
}

/// Where on the drawn page its filing numbers are, for the host record: `bottom (93%), centred`.
func placementSummary(_ page: RenderedPage) -> String? {
    guard let lowest = page.placements.max(by: { $0.verticalPosition < $1.verticalPosition }) else { return nil }
    let part = lowest.verticalPosition >= 0.75 ? "bottom" : lowest.verticalPosition >= 0.25 ? "middle" : "top"
    return "\(part) (\(Int((lowest.verticalPosition * 100).rounded()))% down), \(lowest.centred ? "centred" : "not centred")"
}

/// The browser's network: every request a page makes is made by icpaudit itself, resolved by
/// its resolver, refused for a non-public address (unless `--allow-private` or `--allow-private-range` allows it), pinned, through
/// the per-IP gate, with the farm's ports and CA bundle. The browser reaches nothing else.
final class BrowserNetwork: Sendable {
    private let observer: HostObserver
    private let ticket: SiteTicket
    /// The view's device, as the requests present it.
    private let profile: FetchProfile
    private let state: Locked<State>
    private struct State {
        /// Names the page's requests went to, and their addresses (the site's own given at the start).
        var addresses: [String: [IPAddress]]
        var ownFailure: CrawlerFailure?
        var lateRequest: String?
    }

    init(observer: HostObserver, ticket: SiteTicket, profile: FetchProfile, known: [String: [IPAddress]]) {
        self.observer = observer
        self.ticket = ticket
        self.profile = profile
        state = Locked(State(addresses: known))
    }

    /// The first failure of icpaudit's own (out of descriptors for a whole `--timeout`, say)
    /// while fetching for the browser. The page was drawn without what that request would have
    /// brought, so it cannot be judged: the run stops rather than blame the site.
    var ownFailure: CrawlerFailure? { state.withLock { $0.ownFailure } }

    /// The first request of the page's that ran out of time: its requests share the crawler's
    /// connections and loop, so under load that may be icpaudit's doing, and the page was drawn
    /// (or failed to load) without its answer.
    var lateRequest: String? { state.withLock { $0.lateRequest } }

    func fetch(_ request: RenderRequest) async -> RenderResponse {
        do {
            return try await fetchOrFail(request)
        } catch {
            state.withLock { if $0.ownFailure == nil { $0.ownFailure = error } }
            return .blocked("not fetched: \(error.description)")
        }
    }

    private func fetchOrFail(_ request: RenderRequest) async throws(CrawlerFailure) -> RenderResponse {
        guard request.method == "GET" else { return .blocked("only GET requests are made for the browser") }
        guard let url = ParsedURL(request.url) else { return .blocked("only http and https are fetched") }
        let known = state.withLock { $0.addresses[url.host] }
        let ips: [IPAddress]
        if let known {
            ips = known
        } else {
            guard case .success(let answer) = try await observer.lookUp(url.host) else { return .blocked("\(url.host) does not resolve") }
            ips = answer.addresses
            state.withLock { $0.addresses[url.host] = ips }
        }
        guard !ips.isEmpty else { return .blocked("\(url.host) has no address") }
        if observer.options.refuses(ips) { return .blocked("non-public address: not fetched") }
        let (result, body) = try await observer.fetchForBrowser(url, ips, profile: profile, ticket: ticket)
        if case .timeout(let why)? = result.failure { state.withLock { if $0.lateRequest == nil { $0.lateRequest = "\(url.text): \(why)" } } }
        if let failure = result.failure { return .blocked("\(failure)") }
        var headers: [(name: String, value: String)] = []
        if let type = result.contentType { headers.append(("Content-Type", type)) }
        if let location = result.redirectURL { headers.append(("Location", location)) }
        return .response(status: result.status, headers: headers, body: body)
    }
}

/// One site's drawings by page: a host that ends on the page another host of the site ended on
/// (the same URL, or the same path whose scripts are the same, `scriptsDigest`), with the same
/// static reading, in the same view, is given that drawing rather than a second.
final class Drawings: Sendable {
    typealias Outcome = (Result<RenderedPage, RenderError>, ownFailure: CrawlerFailure?, lateRequest: String?)
    private struct Entry {
        var staticPage: PageFacts
        var host: String
        var drawing: Task<Outcome, Never>
    }
    private let entries = Locked<[String: Entry]>([:])

    /// The drawing of `url` for `view`: one already made or under way for another host of the
    /// site (with that host's name), or the one `draw` starts now (nil).
    func drawing(of url: String, view: View, staticPage: PageFacts, host: String,
                 _ draw: @escaping @Sendable () async -> Outcome) -> (Task<Outcome, Never>, drawnFor: String?) {
        entries.withLock { entries in
            let key = view.rawValue + " " + (staticPage.scriptsDigest.flatMap { digest in
                ParsedURL(url).map { "\($0.scheme) \($0.rest) \(digest)" } } ?? url)
            if let earlier = entries[key], earlier.staticPage == staticPage, earlier.host != host { return (earlier.drawing, earlier.host) }
            let drawing = Task(operation: draw)
            entries[key] = Entry(staticPage: staticPage, host: host, drawing: drawing)
            return (drawing, nil)
        }
    }
}
