import ICPDomains
import ICPFetch
import ICPLoop
import ICPModel
import ICPRender
import ICPResolve

/// Observes one host as a regulator's crawler would and records what it saw, judging nothing:
/// resolve, open `http://host/` (falling back to https when http cannot connect, and to an
/// unverified read when the certificate does not verify), follow redirects itself (HTTP ones,
/// meta refreshes and script redirects, as a browser does) so every hop is resolved, pinned and
/// checked for non-public addresses here, scan the final page and fetch the frames it shows.
///
/// A class: its async methods' frames (one per host in flight, at every level of the walk) then
/// hold one reference to it rather than a copy of its options.
final class HostObserver: Sendable {
    let options: AuditOptions
    let transport: any Transport
    let gate: PerIPGate
    /// Lookups in flight across the run (`--dns-concurrency`); nil: unbounded.
    let dnsGate: KeyedGate<Int>?
    /// Digit codes of the site's filed numbers: kept however many numbers a page lists.
    let keepDigits: Set<String>
    /// Draws the pages static reading cannot judge (`--render`); nil: none are drawn.
    let renderer: PageRenderer?
    /// The final look at a suspect's site (`HostBudget`): nothing is a suspect any more.
    let secondLook: Bool
    /// The site's pages drawn so far: root and www that end on the same page share one drawing.
    let drawings = Drawings()

    init(options: AuditOptions, transport: any Transport, gate: PerIPGate, dnsGate: KeyedGate<Int>? = nil,
         keepDigits: Set<String> = [], renderer: PageRenderer? = nil, secondLook: Bool = false) {
        self.secondLook = secondLook
        self.options = options
        self.transport = transport
        self.gate = gate
        self.dnsGate = dnsGate
        self.keepDigits = keepDigits
        self.renderer = renderer
    }

    /// Observes `host`, trying again after a failure that may pass (see `mayPassOnRetry`) with
    /// a doubling backoff, all within the one `--timeout` of wall time, DNS included
    /// (`HostBudget`). A failure to answer in time after icpaudit held the host up (its queues,
    /// a saturated loop, its own failures) is marked `suspect`, for the run to look again.
    /// Throws only when icpaudit itself could not make a request for the whole of the host's
    /// time (`CrawlerFailure`): that is never the site's finding.
    func observe(_ host: String, view: View = .desktop, ticket: SiteTicket) async throws(CrawlerFailure) -> HostObservation {
        let started = MonotonicClock.milliseconds()
        var budget = HostBudget(seconds: options.timeoutSeconds, secondLook: secondLook)
        var attempts = 0
        var seen: HostObservation
        var earlier: HostObservation? = nil
        while true {
            attempts += 1
            seen = try await attempt(host, view: view, ticket: ticket, budget: &budget)
            // A retry that only ran out of the host's time says nothing new: the earlier
            // answer (refused, 503) is what the site said.
            if let earlier, Self.ranOutOfTime(seen) {
                seen = earlier
                break
            }
            earlier = seen
            let backoff = options.retryBackoffMilliseconds << (attempts - 1)
            guard attempts <= options.retries, Self.mayPassOnRetry(seen), backoff < budget.millisecondsLeft else { break }
            try? await Task.sleep(nanoseconds: UInt64(backoff) * 1_000_000)
        }
        seen.attempts = attempts
        // The site's time; drawing the page is icpaudit's (its own --render-timeout).
        seen.ms = MonotonicClock.milliseconds() - started
        seen.suspect = budget.suspect(seen)
        if let renderer, let page = seen.page {
            if renderer.wants(page) {
                try await render(&seen, renderer, ticket: ticket)
            } else {
                seen.renderSkipped = renderer.skipped(page)
            }
        }
        return seen
    }

    /// A lookup for the browser's requests, on its own `--timeout`.
    func lookUp(_ host: String) async throws(CrawlerFailure) -> Result<Resolution, ResolveFailure> {
        var budget = HostBudget(seconds: options.timeoutSeconds)
        return try await resolve(host, budget: &budget)
    }

    /// One request of the browser's, as the view's device (a server that varies by User-Agent
    /// answers the phone's page to a phone), through the per-IP gate, on its own `--timeout`; the
    /// body comes back whole (up to what the browser takes).
    func fetchForBrowser(_ url: ParsedURL, _ ips: [IPAddress], profile: FetchProfile, ticket: SiteTicket) async throws(CrawlerFailure) -> (FetchResult, [UInt8]) {
        let server = ips[0]
        _ = await gate.acquire(server, for: ticket)
        defer { gate.release(server) }
        // Counted from the connection slot: the drawing's own --render-timeout bounds the wait.
        var budget = HostBudget(seconds: options.timeoutSeconds)
        return try await retryingOwnFailures("fetching \(url.text) for the browser", budget: &budget) { left in
            await transport.fetchBody(FetchSpec(url: url, addresses: ips, ports: options.ports, profile: profile,
                                                caBundle: options.caBundle, timeoutMilliseconds: left,
                                                maxBodyBytes: min(options.maxBodyBytes, BrowserPool.maxBodyBytes)))
        }
    }

    /// A failed lookup, a refused or timed-out connection, or a 5xx may be gone a moment later;
    /// a missing record, a certificate or a 4xx will not be.
    static func mayPassOnRetry(_ seen: HostObservation) -> Bool {
        if let failure = seen.dns.failure { return failure.kind == .dnsFailed }
        guard seen.page == nil, let last = seen.hops.last else { return false }
        switch last.failure?.kind {
        case .connect?, .timeout?, .deadline?, .dnsFailed?: return true
        case nil: return (last.status ?? 0) >= 500
        default: return false
        }
    }

    static func ranOutOfTime(_ seen: HostObservation) -> Bool {
        seen.page == nil && (seen.dns.failure ?? seen.hops.last?.failure)?.kind == .deadline
    }

    private func attempt(_ host: String, view: View, ticket: SiteTicket, budget: inout HostBudget) async throws(CrawlerFailure) -> HostObservation {
        switch try await resolve(host, budget: &budget) {
        case .success(let answer):
            var seen = HostObservation(host: host, view: view, dns: DNSAnswer(addresses: answer.addresses, cnames: answer.cnames))
            var walk = Walk(profile: options.profile(for: view), ipsByHost: [host: answer.addresses])
            let start = ParsedURL(scheme: "http", host: host)
            seen.page = try await follow(start, kind: .http, &walk, ticket: ticket, budget: &budget, into: &seen.hops)
            if let page = seen.page, !page.frames.isEmpty, let base = seen.chain.last.flatMap({ ParsedURL($0.url) }) {
                seen.page = try await withFrames(page, of: base, &walk, ticket: ticket, budget: &budget, into: &seen.hops)
            }
            return seen
        case .failure(let failure):
            return HostObservation(host: host, view: view, dns: DNSAnswer(failure: dnsFailure(failure)))
        }
    }

    /// What one host's requests share: how they present themselves, and the names resolved.
    private struct Walk {
        var profile: FetchProfile
        var ipsByHost: [String: [IPAddress]]
    }

    /// The page with the content of the frames it shows (SPEC: a frameset, or one full-page
    /// iframe): frames of the page's registrable domain, fetched like any hop under the
    /// same deadline, up to `maxFrames`.
    private func withFrames(_ page: PageFacts, of base: ParsedURL, _ walk: inout Walk, ticket: SiteTicket, budget: inout HostBudget,
                            into hops: inout [Hop]) async throws(CrawlerFailure) -> PageFacts {
        var shown = page
        let site = Domains.registrableDomain(base.host) ?? base.host
        for src in page.frames.prefix(options.maxFrames) {
            guard let url = base.resolving(src), (Domains.registrableDomain(url.host) ?? url.host) == site else { continue }
            if let frame = try await follow(url, kind: .frame, &walk, ticket: ticket, budget: &budget, into: &hops) {
                shown.include(frame: frame)
            }
        }
        return shown
    }

    private func dnsFailure(_ failure: ResolveFailure) -> AccessFailure {
        switch failure {
        case .noRecord(let why): return AccessFailure(.dnsNoRecord, why)
        case .failed(let why): return AccessFailure(.dnsFailed, why)
        case .deadline: return AccessFailure(.deadline, "no answer within \(options.timeoutSeconds)s")
        }
    }

    /// A lookup, after a slot of `--dns-concurrency` (a wait for it holds the host up).
    private func resolve(_ host: String, budget: inout HostBudget) async throws(CrawlerFailure) -> Result<Resolution, ResolveFailure> {
        budget.waited(await dnsGate?.acquire(0, for: nil) ?? 0, for: "a lookup slot (--dns-concurrency)")
        defer { dnsGate?.release(0) }
        let deadline = budget.deadline
        return try await retryingOwnFailures("resolving \(host)", budget: &budget) { _ in
            await transport.resolve(host, deadline: deadline)
        }
    }

    /// Makes `call` (given the milliseconds left) again, after a pause, while it fails on
    /// icpaudit's side (out of descriptors, say): that holds the host up. Failing for as long as
    /// a whole `--timeout` stops the run (`CrawlerFailure`) rather than blame the site.
    private func retryingOwnFailures<T>(_ what: @autoclosure () -> String, budget: inout HostBudget,
                                        _ call: (_ left: Int) async -> Result<T, OwnFailure>) async throws(CrawlerFailure) -> T {
        var lost = 0
        while true {
            let began = MonotonicClock.milliseconds()
            let why: OwnFailure
            switch await call(max(1, budget.millisecondsLeft)) {
            case .success(let answer): return answer
            case .failure(let own): why = own
            }
            budget.holdUp("icpaudit's own failure: \(why)")
            // Another host's failure is stopping the run: no more tries.
            if Task.isCancelled { throw CrawlerFailure(description: "\(what()): \(why)") }
            try? await Task.sleep(nanoseconds: UInt64(Self.localRetryMilliseconds) * 1_000_000)
            lost += MonotonicClock.milliseconds() - began
            guard lost < Int(options.timeoutSeconds * 1000) else { throw CrawlerFailure(description: "\(what()): \(why)") }
        }
    }

    static let localRetryMilliseconds = 50
    static let minimumProbeMilliseconds = 1000

    /// Requests `start` and follows where it leads, one hop per request (or per request not
    /// made): HTTP redirects, meta refreshes and script redirects, up to `maxRedirects` in all.
    /// Returns the page it ends on, if it ends on one. `kind` is the first hop's (`http` for a
    /// home page, `frame` for a frame).
    private func follow(_ start: ParsedURL, kind: HopKind, _ walk: inout Walk, ticket: SiteTicket, budget: inout HostBudget,
                        into hops: inout [Hop]) async throws(CrawlerFailure) -> PageFacts? {
        var url = start
        var hopKind = kind
        var verify = true
        var redirects = 0
        let first = hops.count
        while true {
            guard budget.millisecondsLeft >= HostBudget.minimumRequestMilliseconds else {
                hops.append(Hop(url: url.text, kind: hopKind, failure: AccessFailure(.deadline, "no answer within \(options.timeoutSeconds)s")))
                return nil
            }
            let ips: [IPAddress]
            if let known = walk.ipsByHost[url.host] {
                ips = known
            } else {
                switch try await resolve(url.host, budget: &budget) {
                case .success(let answer): ips = answer.addresses
                case .failure(let failure):
                    hops.append(Hop(url: url.text, kind: hopKind, failure: dnsFailure(failure)))
                    return nil
                }
                walk.ipsByHost[url.host] = ips
            }
            if options.refuses(ips) {
                hops.append(Hop(url: url.text, kind: hopKind, addresses: ips, failure: AccessFailure(.privateAddress, "not fetched")))
                return nil
            }
            let (result, page) = try await fetch(url, ips, profile: walk.profile, verify: verify, ticket: ticket, budget: &budget)
            var hop = Hop(url: url.text, kind: hopKind, addresses: ips, verified: verify, status: result.status == 0 ? nil : result.status,
                          bytes: result.bodyBytes, ms: result.milliseconds)
            hop.vary = result.vary
            if let failure = result.failure {
                hop.failure = accessFailure(failure)
                hops.append(hop)
                switch failure {
                case .certificate where verify:
                    verify = false  // read the page anyway; the judge warns
                    continue
                case .connect where hops.count == first + 1 && url.scheme == "http" && kind == .http:
                    url = ParsedURL(scheme: "https", host: start.host)
                    continue
                default:
                    return nil
                }
            }
            // Where the answer sends the browser: a 3xx Location, or a page that only sends it on.
            var target: (location: String, next: ParsedURL?, kind: HopKind)?
            if (300..<400).contains(result.status), let location = result.redirectURL {
                target = (location, ParsedURL(location), .http)
            } else if (200..<300).contains(result.status), !result.truncated, let redirect = page?.redirect,
                      url.resolving(redirect.url)?.text != url.text {
                // (A page that reloads itself, or goes to a `#…` of itself, is the page.)
                target = (redirect.url, url.resolving(redirect.url), redirect.kind)
            }
            if let target {
                hop.location = target.location
                guard let next = target.next else {
                    hop.failure = AccessFailure(.badRedirect, target.location)
                    hops.append(hop)
                    return nil
                }
                redirects += 1
                guard redirects <= options.maxRedirects else {
                    hop.failure = AccessFailure(.redirectLimit, next.text)
                    hops.append(hop)
                    return nil
                }
                hops.append(hop)
                url = next
                hopKind = target.kind
                continue
            }
            hops.append(hop)
            guard (200..<300).contains(result.status) else { return nil }
            if result.truncated {
                hops[hops.count - 1].failure = AccessFailure(.tooLarge, "body larger than \(options.maxBodyBytes >> 20) MB (decoded); stopped reading")
                return nil
            }
            return page
        }
    }

    /// One request through the per-IP gate, on what is left of the host's time. The gate's wait,
    /// a saturated loop and a late pick-up of the answer hold the host up.
    func fetch(_ url: ParsedURL, _ ips: [IPAddress], profile: FetchProfile, verify: Bool, headersOnly: Bool = false,
                       ticket: SiteTicket, budget: inout HostBudget) async throws(CrawlerFailure) -> (FetchResult, PageFacts?) {
        let server = ips[0]  // curl connects to the first address it is given
        budget.waited(await gate.acquire(server, for: ticket), for: "a connection to \(server) (--per-ip)")
        defer { gate.release(server) }
        guard budget.millisecondsLeft >= HostBudget.minimumRequestMilliseconds else {
            return (FetchResult(failure: .timeout("no time left after waiting for \(server)")), nil)
        }
        let keep = keepDigits
        let answer = try await retryingOwnFailures("fetching \(url.text)", budget: &budget) { left in
            await transport.fetch(FetchSpec(url: url, addresses: ips, ports: options.ports, profile: profile, verifyTLS: verify,
                                            caBundle: options.caBundle, timeoutMilliseconds: left,
                                            maxBodyBytes: options.maxBodyBytes, headersOnly: headersOnly), keeping: keep)
        }
        budget.ran(answer.0)
        return answer
    }

    func accessFailure(_ failure: FetchFailure) -> AccessFailure {
        switch failure {
        case .connect(let why): return AccessFailure(.connect, why)
        case .certificate(let why): return AccessFailure(.certificate, why)
        case .tls(let why): return AccessFailure(.tls, why)
        case .timeout: return AccessFailure(.timeout, "no complete answer within \(options.timeoutSeconds)s")
        case .protocolError(let why): return AccessFailure(.protocolError, why)
        case .noIPv6Route(let why): return AccessFailure(.noIPv6Route, why)
        }
    }
}

/// icpaudit itself could not go on (its resolver or fetcher failed for the whole of a host's
/// time): the run stops with exit code 1 rather than blame the site.
public struct CrawlerFailure: Error, CustomStringConvertible {
    public var description: String
}
