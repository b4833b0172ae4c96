#if canImport(Glibc)
import Glibc
#endif
import CAres
import ICPLoop
import ICPModel

public struct Resolution: Sendable, Equatable {
    /// A and AAAA addresses, in the order the server gave them.
    public var addresses: [IPAddress]
    /// The CNAME chain, first alias first.
    public var cnames: [String]

    public init(addresses: [IPAddress], cnames: [String] = []) { self.addresses = addresses; self.cnames = cnames }
}

public enum ResolveFailure: Error, Sendable, Equatable {
    /// NXDOMAIN or NODATA: the name has no address.
    case noRecord(String)
    /// SERVFAIL, REFUSED, timeout or another resolver failure.
    case failed(String)
    /// The caller's deadline passed first.
    case deadline
}

/// A lookup's end: the site's answer (addresses or its DNS failure), or icpaudit's own failure
/// (the resolver shut down or silent, out of memory or descriptors), which is never the site's.
public typealias Lookup = Result<Result<Resolution, ResolveFailure>, OwnFailure>

/// A c-ares channel driven by an `EventLoop`: its sockets are watched by the loop's epoll set
/// and its timeouts are the loop's timers. No thread per lookup, no blocking getaddrinfo.
/// Every method must be called on the loop's thread.
public final class Resolver: LoopTimerSource {
    public typealias Completion = (Lookup) -> Void

    private let loop: EventLoop
    private var channel: ares_channel?
    /// The servers as the user named them, for messages about them.
    private let serverNames: String
    // Loop-confined: when the resolver last answered anything (monotonic ms), and who waits for
    // a liveness probe's verdict.
    private var lastAnswerAt = Int.min
    private var livenessWaiters: [(Bool) -> Void] = []
    /// A channel of its own for liveness questions, taking every reply as an answer: the lookup
    /// channel passes a SERVFAIL or REFUSED reply on to the next server and, after the last,
    /// reports it as it reports a refused connection (ARES_ECONNREFUSED).
    private var prober: Resolver?

    /// - Parameters:
    ///   - servers: `HOST[:PORT]` entries; empty means the system's resolv.conf.
    ///   - timeoutMilliseconds: per try; `tries` tries per server.
    public convenience init(loop: EventLoop, servers: [String], timeoutMilliseconds: Int, tries: Int) throws {
        try self.init(loop: loop, servers: servers, timeoutMilliseconds: timeoutMilliseconds, tries: tries, everyReply: false)
        prober = try Resolver(loop: loop, servers: servers, timeoutMilliseconds: timeoutMilliseconds, tries: 1, everyReply: true)
    }

    private init(loop: EventLoop, servers: [String], timeoutMilliseconds: Int, tries: Int, everyReply: Bool) throws {
        self.loop = loop
        serverNames = servers.isEmpty ? "the system's resolver (/etc/resolv.conf)" : "DNS server " + servers.joined(separator: ", ")
        _ = Resolver.libraryInit
        var options = ares_options()
        options.timeout = Int32(timeoutMilliseconds)
        options.tries = Int32(tries)
        options.ndots = 0
        options.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_STAYOPEN | (everyReply ? ARES_FLAG_NOCHECKRESP : 0)
        options.sock_state_cb = { data, fd, readable, writable in
            Unmanaged<Resolver>.fromOpaque(data!).takeUnretainedValue().socketState(fd, readable != 0, writable != 0)
        }
        options.sock_state_cb_data = Unmanaged.passUnretained(self).toOpaque()
        let lookups = strdup("b")  // DNS only: never /etc/hosts, so the audited answer is the server's
        defer { free(lookups) }
        options.lookups = lookups
        let mask = ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_NDOTS | ARES_OPT_FLAGS | ARES_OPT_SOCK_STATE_CB | ARES_OPT_LOOKUPS
        var ch: ares_channel?
        let rc = ares_init_options(&ch, &options, Int32(mask))
        guard rc == ARES_SUCCESS, let ch else { throw ResolveFailure.failed("c-ares init: \(Resolver.message(rc))") }
        channel = ch
        if !servers.isEmpty {
            let csv = servers.joined(separator: ",")
            let rc = ares_set_servers_ports_csv(ch, csv)
            guard rc == ARES_SUCCESS else {
                ares_destroy(ch)
                throw ResolveFailure.failed("bad --dns-server '\(csv)': \(Resolver.message(rc))")
            }
        }
        loop.addTimerSource(self)
    }

    /// Why c-ares would refuse these `HOST[:PORT]` entries, or nil when it takes them: lets a
    /// bad `--dns-server` be a usage error before anything starts.
    public static func problem(withServers servers: [String]) -> String? {
        guard !servers.isEmpty else { return nil }
        _ = libraryInit
        var ch: ares_channel?
        guard ares_init(&ch) == ARES_SUCCESS, let ch else { return "c-ares cannot start" }
        defer { ares_destroy(ch) }
        for server in servers {
            let rc = ares_set_servers_ports_csv(ch, server)
            if rc != ARES_SUCCESS { return "'\(server)' is not an IP address with an optional port (\(message(rc)))" }
        }
        return nil
    }

    private static let libraryInit: Void = { _ = ares_library_init(ARES_LIB_INIT_ALL) }()

    /// Looks up A and AAAA for `host`, following CNAMEs. `completion` is called exactly once.
    public func resolve(_ host: String, _ completion: @escaping Completion) {
        loop.assertInEventLoop()
        guard let channel else {
            completion(.failure(OwnFailure("resolver shut down")))
            return
        }
        var hints = ares_addrinfo_hints()
        hints.ai_family = AF_UNSPEC
        hints.ai_flags = ARES_AI_NOSORT
        let asked = MonotonicClock.milliseconds()
        let box = Unmanaged.passRetained(CompletionBox { [unowned self] status, result in
            if Self.isAnswer(status) { lastAnswerAt = MonotonicClock.milliseconds() }
            guard status == ARES_SUCCESS, let result else {
                failure(status, asked: asked, completion)
                return
            }
            completion(.success(Resolver.resolution(result.pointee)))
        }).toOpaque()
        ares_getaddrinfo(channel, host, nil, &hints, { arg, status, _, result in
            let done = Unmanaged<CompletionBox>.fromOpaque(arg!).takeRetainedValue().completion
            defer { if let result { ares_freeaddrinfo(result) } }
            done(status, result)
        }, box)
    }

    /// A failed lookup, as the site's failure or icpaudit's: a resolver that cannot be reached,
    /// or that answers nothing at all, is not the site's DNS (SPEC: its own resolver is never the
    /// cause of a finding).
    private func failure(_ status: Int32, asked: Int, _ completion: @escaping Completion) {
        switch status {
        case ARES_ECONNREFUSED:
            // c-ares says this for a refused connection, for every server's SERVFAIL or REFUSED
            // reply, and when it could not open a socket (out of descriptors: ours).
            if let own = Descriptors.exhausted() { return completion(.failure(OwnFailure(own))) }
            silence(since: asked, isTheSites: .failed("SERVFAIL or REFUSED from every DNS server"), completion)
        case ARES_ETIMEOUT:
            silence(since: asked, isTheSites: .failed("DNS timeout"), completion)
        default:
            completion(Resolver.failure(status))
        }
    }

    /// No usable answer for a lookup asked at `asked` (ms): the site's `failure` when the
    /// resolver answers other questions meanwhile (the name's own servers are the trouble),
    /// icpaudit's when it answers nothing or cannot be reached. On the loop.
    public func silence(since asked: Int, isTheSites failure: ResolveFailure, _ completion: @escaping Completion) {
        whenKnown(answeringSince: asked) { [serverNames] answering in
            completion(answering ? .success(.failure(failure)) : .failure(OwnFailure("\(serverNames) answers no query (unreachable, refusing connections or silent)")))
        }
    }

    /// Tells `decide` whether the resolver has answered anything since `since` (ms), asking it a
    /// question of its own (the root's NS) when nothing has come back since.
    private func whenKnown(answeringSince since: Int, _ decide: @escaping (Bool) -> Void) {
        loop.assertInEventLoop()
        guard let channel, lastAnswerAt < since else { return decide(channel != nil) }
        livenessWaiters.append(decide)
        guard livenessWaiters.count == 1 else { return }  // one probe answers them all
        let me = Unmanaged.passUnretained(self).toOpaque()
        ares_query(prober?.channel ?? channel, ".", 1 /* IN */, 2 /* NS */, { arg, status, _, _, _ in
            let resolver = Unmanaged<Resolver>.fromOpaque(arg!).takeUnretainedValue()
            let alive = Resolver.isAnswer(status)
            if alive { resolver.lastAnswerAt = MonotonicClock.milliseconds() }
            let waiters = resolver.livenessWaiters
            resolver.livenessWaiters = []
            for decide in waiters { decide(alive) }
        }, me)
    }

    /// A status that only a server's reply can give.
    private static func isAnswer(_ status: Int32) -> Bool {
        switch status {
        case ARES_SUCCESS, ARES_ENOTFOUND, ARES_ENODATA, ARES_ESERVFAIL, ARES_EREFUSED, ARES_EFORMERR, ARES_ENOTIMP, ARES_EBADRESP: return true
        default: return false
        }
    }

    private static func resolution(_ info: ares_addrinfo) -> Result<Resolution, ResolveFailure> {
        var cnames: [String] = []
        var c = info.cnames
        while let node = c {
            if let alias = node.pointee.alias, let name = node.pointee.name {
                if cnames.isEmpty { cnames.append(String(cString: alias)) }
                cnames.append(String(cString: name))
            }
            c = node.pointee.next
        }
        var addresses: [IPAddress] = []
        var n = info.nodes
        while let node = n {
            if let addr = node.pointee.ai_addr, let ip = address(addr, family: node.pointee.ai_family), !addresses.contains(ip) {
                addresses.append(ip)
            }
            n = node.pointee.ai_next
        }
        if addresses.isEmpty { return .failure(.noRecord("no A or AAAA record")) }
        return .success(Resolution(addresses: addresses, cnames: cnames))
    }

    private static func address(_ sa: UnsafeMutablePointer<sockaddr>, family: Int32) -> IPAddress? {
        if family == AF_INET {
            return sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { IPAddress(v4: UInt32(bigEndian: $0.pointee.sin_addr.s_addr)) }
        }
        if family == AF_INET6 {
            return sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { p in
                var a = p.pointee.sin6_addr
                return IPAddress(v6bytes: withUnsafeBytes(of: &a) { Array($0) })
            }
        }
        return nil
    }

    /// Ends every lookup in flight (each completes with an `OwnFailure`) and frees the channel and its
    /// sockets. Loop thread only.
    public func shutdown() {
        loop.assertInEventLoop()
        guard let ch = channel else { return }
        channel = nil
        ares_destroy(ch)
        prober?.shutdown()
    }

    private static func failure(_ status: Int32) -> Lookup {
        switch status {
        case ARES_EDESTRUCTION, ARES_ECANCELLED, ARES_ENOMEM: return .failure(OwnFailure(message(status)))
        case ARES_ENOTFOUND: return .success(.failure(.noRecord("NXDOMAIN")))
        case ARES_ENODATA: return .success(.failure(.noRecord("no A or AAAA record (NODATA)")))
        case ARES_ESERVFAIL: return .success(.failure(.failed("SERVFAIL")))
        case ARES_EREFUSED: return .success(.failure(.failed("REFUSED")))
        default: return .success(.failure(.failed(message(status))))
        }
    }

    static func message(_ status: Int32) -> String { String(cString: ares_strerror(status)) }

    private func socketState(_ fd: Int32, _ readable: Bool, _ writable: Bool) {
        loop.assertInEventLoop()
        guard readable || writable else { loop.unwatch(fd); return }
        loop.watch(fd, readable: readable, writable: writable) { [unowned self] r, w in
            guard let channel else { return }
            ares_process_fd(channel, r ? fd : ARES_SOCKET_BAD, w ? fd : ARES_SOCKET_BAD)
        }
    }

    public func millisecondsUntilTimer() -> Int? {
        guard let channel else { return nil }
        var tv = timeval()
        guard let next = ares_timeout(channel, nil, &tv) else { return nil }
        return Int(next.pointee.tv_sec) * 1000 + (Int(next.pointee.tv_usec) + 999) / 1000
    }

    public func timerFired() {
        guard let channel else { return }
        ares_process_fd(channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD)
    }
}

private final class CompletionBox {
    let completion: (Int32, UnsafeMutablePointer<ares_addrinfo>?) -> Void
    init(_ completion: @escaping (Int32, UnsafeMutablePointer<ares_addrinfo>?) -> Void) { self.completion = completion }
}
