import ICPFetch
import ICPLoop
import ICPModel
import ICPResolve

/// Observes one host as a regulator's crawler would and records what it saw, judging nothing:
/// resolve, open `http://host/` (falling back to https when http cannot connect, and to an
/// unverified read when the certificate does not verify), follow redirects itself so every hop
/// is resolved, pinned and checked for non-public addresses here, and scan the final page.
struct HostObserver: Sendable {
    let options: AuditOptions
    let transport: any Transport
    let gate: PerIPGate
    /// Lookups in flight across the run (`--dns-concurrency`); nil: unbounded.
    var dnsGate: KeyedGate<Int>? = nil

    /// Observes `host`, trying again after a failure that may pass (see `mayPassOnRetry`) with
    /// a doubling backoff, all within the one `--timeout` deadline, DNS included. Time spent
    /// waiting for a busy server address (`--per-ip`), for a slot of `--dns-concurrency`, or for
    /// a loop busy with other work does not count against it.
    /// Throws only when icpaudit itself could not make a request for the whole of the host's
    /// time (`CrawlerFailure`): that is never the site's finding.
    func observe(_ host: String, view: View = .desktop, ticket: SiteTicket) async throws(CrawlerFailure) -> HostObservation {
        let started = MonotonicClock.milliseconds()
        var deadline = started + Int(options.timeoutSeconds * 1000)
        var attempts = 0
        var seen: HostObservation
        while true {
            attempts += 1
            seen = try await attempt(host, view: view, ticket: ticket, deadline: &deadline)
            let backoff = options.retryBackoffMilliseconds << (attempts - 1)
            guard attempts <= options.retries, Self.mayPassOnRetry(seen), MonotonicClock.milliseconds() + backoff < deadline else { break }
            try? await Task.sleep(nanoseconds: UInt64(backoff) * 1_000_000)
        }
        seen.attempts = attempts
        seen.ms = MonotonicClock.milliseconds() - started
        return seen
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

    private func attempt(_ host: String, view: View, ticket: SiteTicket, deadline: inout Int) async throws(CrawlerFailure) -> HostObservation {
        switch try await resolve(host, deadline: &deadline) {
        case .success(let answer):
            var seen = HostObservation(host: host, view: view, dns: DNSAnswer(addresses: answer.addresses, cnames: answer.cnames))
            try await follow(ParsedURL(scheme: "http", host: host), answer.addresses, ticket: ticket, deadline: &deadline, into: &seen)
            return seen
        case .failure(let failure):
            return HostObservation(host: host, view: view, dns: DNSAnswer(failure: dnsFailure(failure)))
        }
    }

    private func dnsFailure(_ failure: ResolveFailure) -> AccessFailure {
        switch failure {
        case .noRecord(let why): return AccessFailure(.dnsNoRecord, why)
        case .failed(let why): return AccessFailure(.dnsFailed, why)
        case .deadline: return AccessFailure(.deadline, "no answer within \(options.timeoutSeconds)s")
        case .local(let why): preconditionFailure("local failures are retried, never recorded: \(why)")
        }
    }

    /// A lookup. Time waiting for a slot of `--dns-concurrency` is icpaudit's, not the host's:
    /// the deadline moves by it.
    private func resolve(_ host: String, deadline: inout Int) async throws(CrawlerFailure) -> Result<Resolution, ResolveFailure> {
        deadline += await dnsGate?.acquire(0, for: nil) ?? 0
        defer { dnsGate?.release(0) }
        return try await retryingLocalFailures("resolving \(host)", deadline: &deadline) { by in
            await transport.resolve(host, deadline: by)
        } isLocal: {
            if case .failure(.local(let why)) = $0 { return why }
            return nil
        }
    }

    /// A fetch, its timeout what is left of the deadline.
    private func fetch(_ url: ParsedURL, _ spec: (Int) -> FetchSpec, deadline: inout Int) async throws(CrawlerFailure) -> (FetchResult, PageFacts?) {
        return try await retryingLocalFailures("fetching \(url.text)", deadline: &deadline) { by in
            await transport.fetch(spec(by))
        } isLocal: {
            if case .local(let why)? = $0.0.failure { return why }
            return nil
        }
    }

    /// Makes `call` (given the deadline as it stands) again, after a pause, while it fails on icpaudit's side (out of descriptors,
    /// say). The time that takes is icpaudit's: the deadline moves by it. Failing for as long as
    /// a whole `--timeout` stops the run (`CrawlerFailure`) rather than blame the site.
    private func retryingLocalFailures<T>(_ what: @autoclosure () -> String, deadline: inout Int, _ call: (_ deadline: Int) async -> T,
                                          isLocal: (T) -> String?) async throws(CrawlerFailure) -> T {
        var lost = 0
        while true {
            let began = MonotonicClock.milliseconds()
            let answer = await call(deadline)
            guard let why = isLocal(answer) else { return answer }
            try? await Task.sleep(nanoseconds: UInt64(Self.localRetryMilliseconds) * 1_000_000)
            let spent = MonotonicClock.milliseconds() - began
            lost += spent
            deadline += spent
            guard lost < Int(options.timeoutSeconds * 1000) else { throw CrawlerFailure(description: "\(what()): \(why)") }
        }
    }

    static let localRetryMilliseconds = 50

    /// Requests `start` and follows where it leads, one hop per request (or per request not made).
    private func follow(_ start: ParsedURL, _ startIPs: [IPAddress], ticket: SiteTicket, deadline: inout Int,
                        into seen: inout HostObservation) async throws(CrawlerFailure) {
        var url = start
        var ipsByHost = [start.host: startIPs]
        var verify = true
        var redirects = 0
        while true {
            guard deadline > MonotonicClock.milliseconds() else {
                seen.hops.append(Hop(url: url.text, failure: AccessFailure(.deadline, "no answer within \(options.timeoutSeconds)s")))
                return
            }
            let ips: [IPAddress]
            if let known = ipsByHost[url.host] {
                ips = known
            } else {
                switch try await resolve(url.host, deadline: &deadline) {
                case .success(let answer): ips = answer.addresses
                case .failure(let failure):
                    seen.hops.append(Hop(url: url.text, failure: dnsFailure(failure)))
                    return
                }
                ipsByHost[url.host] = ips
            }
            if !options.allowPrivate, ips.contains(where: \.isNonPublic) {
                seen.hops.append(Hop(url: url.text, addresses: ips, failure: AccessFailure(.privateAddress, "not fetched")))
                return
            }
            let server = ips[0]  // curl connects to the first address it is given
            deadline += await gate.acquire(server, for: ticket)
            let answer: (FetchResult, PageFacts?)
            do {
                answer = try await fetch(url, { deadline in
                    FetchSpec(url: url, addresses: ips, ports: options.ports, profile: options.profile, verifyTLS: verify,
                              caBundle: options.caBundle, timeoutMilliseconds: deadline - MonotonicClock.milliseconds(),
                              maxBodyBytes: options.maxBodyBytes)
                }, deadline: &deadline)
            } catch {
                gate.release(server)
                throw error
            }
            gate.release(server)
            let (result, page) = answer
            // icpaudit's own CPU time is not the site's: the loop busy with other work, and the
            // wait for a thread to take the answer up.
            deadline += result.loopBusyMilliseconds
            if result.completedAt > 0 { deadline += max(0, MonotonicClock.milliseconds() - result.completedAt) }
            var hop = Hop(url: url.text, addresses: ips, verified: verify, status: result.status == 0 ? nil : result.status,
                          bytes: result.bodyBytes, ms: result.milliseconds)
            if let failure = result.failure {
                hop.failure = accessFailure(failure)
                seen.hops.append(hop)
                switch failure {
                case .certificate where verify:
                    verify = false  // read the page anyway; the judge warns
                    continue
                case .connect where seen.hops.count == 1 && url.scheme == "http":
                    url = ParsedURL(scheme: "https", host: start.host)
                    continue
                default:
                    return
                }
            }
            if (300..<400).contains(result.status), let location = result.redirectURL {
                hop.location = location
                guard let next = ParsedURL(location) else {
                    hop.failure = AccessFailure(.badRedirect, location)
                    seen.hops.append(hop)
                    return
                }
                redirects += 1
                guard redirects <= options.maxRedirects else {
                    hop.failure = AccessFailure(.redirectLimit, next.text)
                    seen.hops.append(hop)
                    return
                }
                seen.hops.append(hop)
                url = next
                continue
            }
            if (200..<300).contains(result.status) {
                if result.truncated {
                    hop.failure = AccessFailure(.tooLarge, "body larger than \(options.maxBodyBytes >> 20) MB (decoded); stopped reading")
                } else {
                    seen.page = page
                }
            }
            seen.hops.append(hop)
            return
        }
    }

    private func accessFailure(_ failure: FetchFailure) -> AccessFailure {
        switch failure {
        case .connect(let why): return AccessFailure(.connect, why)
        case .certificate(let why): return AccessFailure(.certificate, why)
        case .tls(let why): return AccessFailure(.tls, why)
        case .timeout: return AccessFailure(.timeout, "no complete answer within \(options.timeoutSeconds)s")
        case .protocolError(let why): return AccessFailure(.protocolError, why)
        case .local(let why): preconditionFailure("local failures are retried, never recorded: \(why)")
        }
    }
}

/// icpaudit itself could not go on (its resolver or fetcher failed for the whole of a host's
/// time): the run stops with exit code 1 rather than blame the site.
public struct CrawlerFailure: Error, CustomStringConvertible {
    public var description: String
}
