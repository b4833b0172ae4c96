import ICPFetch
import ICPLoop
import ICPModel
import ICPResolve
import ICPScan
import Synchronization

/// How an observer reaches the network: resolve a name, fetch a pinned URL. The event loops
/// implement it; tests give the access policy a scripted one instead. Each ends in the site's
/// answer (its failures included) or in icpaudit's own failure, a type apart.
protocol Transport: Sendable {
    /// A and AAAA for `host`; `.deadline` once the monotonic clock passes `deadline` (ms).
    func resolve(_ host: String, deadline: Int) async -> Lookup
    /// One GET; a 2xx body is scanned as it streams in and comes back as the page's facts, its
    /// numbers with `digits` among them kept however many the page lists.
    func fetch(_ spec: FetchSpec, keeping digits: Set<String>) async -> Result<(FetchResult, PageFacts?), OwnFailure>
    /// One GET whose body (up to `spec.maxBodyBytes`) comes back whole: for the browser.
    func fetchBody(_ spec: FetchSpec) async -> Result<(FetchResult, [UInt8]), OwnFailure>
}

/// One event loop with its curl multi handle. Async callers hop onto the loop with one
/// `execute` per fetch and get the result back through a continuation; page bytes are scanned on
/// the loop thread as they arrive and never cross threads. Lookups go to the group's DNS loop.
final class AuditLoop: Transport, @unchecked Sendable {
    let loop: EventLoop
    // Touched only on `loop`'s thread.
    private let fetcher: Fetcher
    private let dns: DNSLoop
    private let riskWords: RiskWords

    init(index: Int, dns: DNSLoop, riskWords: RiskWords = .standard) {
        loop = EventLoop(name: "icp-loop-\(index)")
        fetcher = Fetcher(loop: loop)
        self.dns = dns
        self.riskWords = riskWords
        loop.start()
    }

    func resolve(_ host: String, deadline: Int) async -> Lookup {
        await dns.resolve(host, deadline: deadline)
    }

    func fetch(_ spec: FetchSpec, keeping digits: Set<String>) async -> Result<(FetchResult, PageFacts?), OwnFailure> {
        await withCheckedContinuation { continuation in
            let taken = loop.execute { [self] in
                var reader: PageReader?
                fetcher.start(spec, sink: { status, contentType in
                    guard (200..<300).contains(status) else { return nil }
                    let r = PageReader(contentType: contentType, keepDigits: digits, riskWords: self.riskWords)
                    reader = r
                    return ReaderSink(r)
                }, completion: { ended in
                    continuation.resume(returning: ended.map { result in
                        // A 2xx with no body at all is an empty page (curl never called the sink).
                        if reader == nil, result.failure == nil, !spec.headersOnly, (200..<300).contains(result.status) {
                            reader = PageReader(contentType: result.contentType, riskWords: self.riskWords)
                        }
                        return (result, reader?.finish())
                    })
                })
            }
            if !taken { continuation.resume(returning: .failure(OwnFailure("event loop shut down"))) }
        }
    }

    func fetchBody(_ spec: FetchSpec) async -> Result<(FetchResult, [UInt8]), OwnFailure> {
        await withCheckedContinuation { continuation in
            let taken = loop.execute { [self] in
                let collected = BytesSink()
                fetcher.start(spec, sink: { _, _ in collected }, completion: { ended in
                    continuation.resume(returning: ended.map { ($0, collected.bytes) })
                })
            }
            if !taken { continuation.resume(returning: .failure(OwnFailure("event loop shut down"))) }
        }
    }

    /// Ends the fetches in flight (each waiter gets an `OwnFailure`), frees curl, and joins
    /// the loop's thread.
    func shutdown() {
        loop.shutdown { [self] in fetcher.shutdown() }
    }
}

/// The c-ares channel on a loop of its own: a lookup's answer is read as soon as it comes,
/// never behind a turn of the fetch loops spent scanning large bodies (a reply left unread for a
/// c-ares timeout becomes a retry, and then a false DNS_ERROR).
final class DNSLoop: @unchecked Sendable {
    let loop: EventLoop
    // Touched only on `loop`'s thread.
    private let resolver: Resolver

    init(servers: [String], timeoutMilliseconds: Int) throws {
        loop = EventLoop(name: "icp-dns")
        do {
            resolver = try Resolver(loop: loop, servers: servers, timeoutMilliseconds: timeoutMilliseconds, tries: 2)
        } catch {
            loop.shutdown()  // not started: only its descriptors to close
            throw error
        }
        loop.start()
    }

    func resolve(_ host: String, deadline: Int) async -> Lookup {
        await withCheckedContinuation { continuation in
            let once = ResumeOnce(continuation, on: loop)
            let taken = loop.execute { [self] in
                let asked = MonotonicClock.milliseconds()
                resolver.resolve(host) { once.resume($0) }
                loop.schedule(at: deadline) { [resolver] in
                    resolver.silence(since: asked, isTheSites: .deadline) { once.resume($0) }
                }
            }
            if !taken { continuation.resume(returning: .failure(OwnFailure("event loop shut down"))) }
        }
    }

    /// Ends the lookups in flight (an `OwnFailure` each), frees the channel, joins the thread.
    func shutdown() {
        loop.shutdown { [self] in resolver.shutdown() }
    }
}

/// A continuation resumed by whichever comes first (an answer or a deadline); later calls do nothing.
private final class ResumeOnce<T: Sendable>: @unchecked Sendable {
    // Both resumers run on the one loop thread, so no lock is needed.
    private var continuation: CheckedContinuation<T, Never>?
    private let loop: EventLoop

    init(_ continuation: CheckedContinuation<T, Never>, on loop: EventLoop) {
        self.continuation = continuation
        self.loop = loop
    }

    func resume(_ value: T) {
        loop.assertInEventLoop()
        continuation?.resume(returning: value)
        continuation = nil
    }
}

/// A body kept whole (the fetcher bounds it).
private final class BytesSink: BodySink {
    var bytes: [UInt8] = []
    func body(_ chunk: UnsafeRawBufferPointer) { bytes.append(contentsOf: chunk) }
}

private final class ReaderSink: BodySink {
    let reader: PageReader
    init(_ reader: PageReader) { self.reader = reader }
    func body(_ chunk: UnsafeRawBufferPointer) { reader.feed(chunk) }
}

/// Fetch loops shared round-robin by the sites of a run, and their DNS loop; `shutdown()`
/// releases them all.
final class LoopGroup: Sendable {
    private let loops: [AuditLoop]
    private let dns: DNSLoop
    private let counter = Counter()

    init(count: Int, dnsServers: [String], dnsTimeoutMilliseconds: Int, riskWords: RiskWords = .standard) throws {
        let dns = try DNSLoop(servers: dnsServers, timeoutMilliseconds: dnsTimeoutMilliseconds)
        self.dns = dns
        loops = (0..<max(1, count)).map { AuditLoop(index: $0, dns: dns, riskWords: riskWords) }
    }

    func next() -> AuditLoop { loops[counter.next() % loops.count] }

    /// The fetch loops' share of their time spent working since the last call (0...1), from any
    /// thread; the first call counts from the group's start.
    func busyFraction() -> Double {
        let now = MonotonicClock.nanoseconds()
        let busy = loops.reduce(0) { $0 + $1.loop.publishedBusyNanoseconds }
        let last = lastSample.withLock { last in
            defer { last = (now, busy) }
            return last
        }
        let wall = (now - last.at) * loops.count
        return wall > 0 ? Double(busy - last.busy) / Double(wall) : 0
    }
    private let lastSample = Locked((at: MonotonicClock.nanoseconds(), busy: 0))

    func shutdown() {
        for loop in loops { loop.shutdown() }
        dns.shutdown()
    }
}

final class Counter: Sendable {
    private let value = Atomic<Int>(0)
    func next() -> Int { value.add(1, ordering: .relaxed).oldValue }
}
