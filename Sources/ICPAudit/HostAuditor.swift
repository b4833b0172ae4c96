#if canImport(Glibc)
import Glibc
#endif
import ICPFetch
import ICPLoop
import ICPModel
import ICPResolve
import ICPRules

/// What auditing one host gave: its record, its access and IP findings, and the final page.
struct HostOutcome: Sendable {
    var record: HostRecord
    var findings: [Finding] = []
    var page: PageFacts?
    /// Host of the final URL after redirects.
    var finalHost: String?
}

/// Audits one host as a regulator's crawler would: resolve, check the addresses, open
/// `http://host/` (falling back to https when http cannot connect), follow redirects itself so
/// every hop is resolved and checked here, and scan the final page.
struct HostAuditor: Sendable {
    let options: AuditOptions
    let loop: AuditLoop
    let gate: PerIPGate

    /// Audits `host`, retrying an open that failed for a reason that may pass (DNS_ERROR,
    /// CONNECT_FAILED, TIMEOUT, a 5xx) with backoff, all within the one `--timeout` deadline.
    /// Time spent waiting for a busy server address (`--per-ip`) does not count against it.
    func audit(_ host: String, filedIPs: [IPAddress], ticket: SiteTicket) async -> HostOutcome {
        let started = MonotonicClock.milliseconds()
        var deadline = started + Int(options.timeoutSeconds * 1000)
        var attempts = 0
        var out: HostOutcome
        while true {
            attempts += 1
            out = await audit(host, filedIPs: filedIPs, ticket: ticket, deadline: &deadline)
            let backoff = options.retryBackoffMilliseconds << (attempts - 1)
            guard attempts <= options.retries, isWorthRetrying(out), MonotonicClock.milliseconds() + backoff < deadline else { break }
            try? await Task.sleep(nanoseconds: UInt64(backoff) * 1_000_000)
        }
        out.record.attempts = attempts
        out.record.ms = MonotonicClock.milliseconds() - started
        return out
    }

    private func isWorthRetrying(_ out: HostOutcome) -> Bool {
        out.findings.contains { f in
            switch f.code {
            case .dnsError, .connectFailed, .timeout: return true
            case .httpError: return (out.record.status ?? 0) >= 500
            default: return false
            }
        }
    }

    private func audit(_ host: String, filedIPs: [IPAddress], ticket: SiteTicket, deadline: inout Int) async -> HostOutcome {
        var out = HostOutcome(record: HostRecord(host: host))
        out.record.url = "http://\(host)/"

        let resolution: Resolution
        switch await loop.resolve(host) {
        case .failure(.noRecord(let why)):
            out.findings.append(Finding(.dnsNoRecord, host: host, detail: "\(host): \(why)"))
            return out
        case .failure(.failed(let why)):
            out.findings.append(Finding(.dnsError, host: host, detail: "\(host): \(why)"))
            return out
        case .success(let r):
            resolution = r
        }
        let ips = resolution.addresses
        out.record.ips = ips.map(\.description)
        out.findings += ipFindings(host, ips, filedIPs)
        if let blocked = privateFinding(host, ips) {
            out.findings.append(blocked)
            return out
        }
        await fetchChain(host, ips, ticket: ticket, deadline: &deadline, into: &out)
        return out
    }

    private func ipFindings(_ host: String, _ ips: [IPAddress], _ filed: [IPAddress]) -> [Finding] {
        var findings: [Finding] = []
        if let ranges = options.ranges, !ips.contains(where: ranges.contains) {
            findings.append(Finding(.ipNotProvider, host: host,
                                    detail: "\(ips.map(\.description).joined(separator: ", ")) outside the provider's ranges"))
        }
        let unfiled = ips.filter { !filed.contains($0) }
        if !filed.isEmpty && !unfiled.isEmpty {
            findings.append(Finding(.ipNotFiled, host: host,
                                    detail: "\(unfiled.map(\.description).joined(separator: ", ")) not among filed \(filed.map(\.description).joined(separator: ", "))"))
        }
        return findings
    }

    private func privateFinding(_ host: String, _ ips: [IPAddress]) -> Finding? {
        guard !options.allowPrivate else { return nil }
        let special = ips.filter(\.isNonPublic)
        guard !special.isEmpty else { return nil }
        return Finding(.ipPrivate, host: host,
                       detail: "\(host) resolves to non-public \(special.map(\.description).joined(separator: ", ")): not fetched")
    }

    private func fetchChain(_ startHost: String, _ startIPs: [IPAddress], ticket: SiteTicket, deadline: inout Int,
                            into out: inout HostOutcome) async {
        var url = ParsedURL(scheme: "http", host: startHost, port: nil, rest: "/")
        var ipsByHost = [startHost: startIPs]
        var verify = true
        var triedHTTPS = false
        var hops = 0
        while true {
            guard deadline > MonotonicClock.milliseconds() else {
                out.findings.append(Finding(.timeout, host: startHost, detail: "no answer within \(options.timeoutSeconds)s"))
                return
            }
            let ips: [IPAddress]
            if let known = ipsByHost[url.host] {
                ips = known
            } else {
                switch await loop.resolve(url.host) {
                case .success(let r): ips = r.addresses
                case .failure(let f):
                    let why: String
                    switch f { case .noRecord(let w), .failed(let w): why = w }
                    out.findings.append(Finding(.httpError, host: startHost, detail: "redirect to \(url.text): \(url.host) does not resolve (\(why))"))
                    return
                }
                ipsByHost[url.host] = ips
                if let blocked = privateFinding(url.host, ips) {
                    out.findings.append(Finding(.ipPrivate, host: startHost, detail: "redirect to \(url.text): \(blocked.detail)"))
                    return
                }
            }
            let server = ips[0]  // curl connects to the first address it is given
            deadline += await gate.acquire(server, for: ticket)
            let (result, page) = await loop.fetch(request(url, ips, verify: verify, timeout: deadline - MonotonicClock.milliseconds()))
            gate.release(server)
            out.record.status = result.status == 0 ? nil : result.status
            if let failure = result.failure {
                switch failure {
                case .certificate(let why) where verify:
                    out.findings.append(Finding(.tlsFailed, host: startHost, detail: "\(url.text): \(why); page read without verification", severity: .warn))
                    verify = false
                    continue
                case .connect(let why):
                    if hops == 0 && url.scheme == "http" && !triedHTTPS {
                        triedHTTPS = true
                        url = ParsedURL(scheme: "https", host: startHost, port: nil, rest: "/")
                        continue
                    }
                    out.findings.append(Finding(.connectFailed, host: startHost, detail: "\(url.text): \(why)"))
                case .certificate(let why), .tls(let why):
                    out.findings.append(Finding(.tlsFailed, host: startHost, detail: "\(url.text): \(why)"))
                case .timeout:
                    out.findings.append(Finding(.timeout, host: startHost, detail: "\(url.text): no complete answer within \(options.timeoutSeconds)s"))
                case .protocolError(let why):
                    out.findings.append(Finding(.httpError, host: startHost, detail: "\(url.text): \(why)"))
                }
                return
            }
            if (300..<400).contains(result.status), let location = result.redirectURL {
                guard let next = ParsedURL(location) else {
                    out.findings.append(Finding(.httpError, host: startHost, detail: "\(url.text) redirects to \(location): only http and https are followed"))
                    return
                }
                hops += 1
                guard hops <= options.maxRedirects else {
                    out.findings.append(Finding(.httpError, host: startHost, detail: "more than \(options.maxRedirects) redirects (last \(next.text))"))
                    return
                }
                out.record.redirects.append(next.text)
                url = next
                continue
            }
            out.record.finalURL = url.text
            out.record.bytes = result.bodyBytes
            out.record.truncated = result.truncated
            guard (200..<300).contains(result.status), let page else {
                out.findings.append(Finding(.httpError, host: startHost, detail: "\(url.text) answered HTTP \(result.status)"))
                return
            }
            // An endless body or a decompression bomb: the page's end (its footer) was never read.
            guard !result.truncated else {
                out.findings.append(Finding(.httpError, host: startHost,
                                            detail: "\(url.text): body larger than \(options.maxBodyBytes >> 20) MB (decoded); stopped reading"))
                return
            }
            out.record.opened = true
            out.page = page
            out.finalHost = url.host
            return
        }
    }

    private func request(_ url: ParsedURL, _ ips: [IPAddress], verify: Bool, timeout: Int) -> FetchRequest {
        let defaultPort = url.scheme == "https" ? 443 : 80
        let mapped = url.scheme == "https" ? options.httpsPort : options.httpPort
        let port = url.port ?? mapped
        var connectTo: [String] = []
        if url.port == nil && mapped != defaultPort { connectTo.append("\(url.host):\(defaultPort):\(url.host):\(mapped)") }
        let pinned = "\(url.host):\(port):\(ips.map(\.bracketed).joined(separator: ","))"
        return FetchRequest(url: url.text, resolve: [pinned], connectTo: connectTo, verifyTLS: verify,
                            caBundle: options.caBundle, timeoutMilliseconds: timeout,
                            maxBodyBytes: options.maxBodyBytes, userAgent: options.userAgent)
    }
}

/// An absolute http(s) URL split into what pinning and port mapping need.
struct ParsedURL: Sendable, Equatable {
    var scheme: String
    var host: String
    var port: Int?
    var rest: String

    init(scheme: String, host: String, port: Int?, rest: String) {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.rest = rest
    }

    /// nil for anything but an absolute http or https URL (curl gives redirects absolute).
    init?(_ text: String) {
        let lower = text.lowercased()
        let scheme: String
        if lower.hasPrefix("http://") { scheme = "http" } else if lower.hasPrefix("https://") { scheme = "https" } else { return nil }
        let afterScheme = text.dropFirst(scheme.count + 3)
        let end = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? afterScheme.endIndex
        var authority = afterScheme[..<end]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        var port: Int?
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            guard let p = Int(authority[authority.index(after: colon)...]), (1...65535).contains(p) else { return nil }
            port = p
            authority = authority[..<colon]
        }
        guard !authority.isEmpty else { return nil }
        var rest = String(afterScheme[end...])
        if let hash = rest.firstIndex(of: "#") { rest = String(rest[..<hash]) }
        if rest.isEmpty || rest.first == "?" { rest = "/" + rest }
        self.init(scheme: scheme, host: authority.lowercased(), port: port, rest: rest)
    }

    var text: String { "\(scheme)://\(host)\(port.map { ":\($0)" } ?? "")\(rest)" }
}
