import ICPFetch
import ICPLoop
import ICPModel
import ICPResolve
import ICPScan
import Synchronization

/// How an observer reaches the network: resolve a name, fetch a pinned URL. The event loops
/// implement it; tests give the access policy a scripted one instead.
protocol Transport: Sendable {
    /// A and AAAA for `host`; `.deadline` once the monotonic clock passes `deadline` (ms).
    func resolve(_ host: String, deadline: Int) async -> Result<Resolution, ResolveFailure>
    /// One GET; a 2xx body is scanned as it streams in and comes back as the page's facts.
    func fetch(_ spec: FetchSpec) async -> (FetchResult, PageFacts?)
}

/// One event loop with its c-ares channel and curl multi handle. Async callers hop onto the
/// loop with one `execute` per lookup or fetch and get the result back through a continuation;
/// page bytes are scanned on the loop thread as they arrive and never cross threads.
final class AuditLoop: Transport, @unchecked Sendable {
    let loop: EventLoop
    // Touched only on `loop`'s thread.
    private let resolver: Resolver
    private let fetcher: Fetcher

    init(index: Int, dnsServers: [String], dnsTimeoutMilliseconds: Int) throws {
        loop = EventLoop(name: "icp-loop-\(index)")
        do {
            resolver = try Resolver(loop: loop, servers: dnsServers, timeoutMilliseconds: dnsTimeoutMilliseconds, tries: 2)
        } catch {
            loop.shutdown()  // not started: only its descriptors to close
            throw error
        }
        fetcher = Fetcher(loop: loop)
        loop.start()
    }

    func resolve(_ host: String, deadline: Int) async -> Result<Resolution, ResolveFailure> {
        await withCheckedContinuation { continuation in
            let once = ResumeOnce(continuation)
            let taken = loop.execute { [self] in
                resolver.resolve(host) { once.resume($0) }
                loop.schedule(at: deadline) { once.resume(.failure(.deadline)) }
            }
            if !taken { continuation.resume(returning: .failure(.local("event loop shut down"))) }
        }
    }

    func fetch(_ spec: FetchSpec) async -> (FetchResult, PageFacts?) {
        await withCheckedContinuation { continuation in
            let taken = loop.execute { [self] in
                var reader: PageReader?
                fetcher.start(spec, sink: { status, contentType in
                    guard (200..<300).contains(status) else { return nil }
                    let r = PageReader(contentType: contentType)
                    reader = r
                    return ReaderSink(r)
                }, completion: { result in
                    continuation.resume(returning: (result, reader?.finish()))
                })
            }
            if !taken { continuation.resume(returning: (FetchResult(failure: .local("event loop shut down")), nil)) }
        }
    }

    /// Ends what is in flight (each waiter gets a `.local` failure), frees c-ares and curl,
    /// and joins the loop's thread.
    func shutdown() {
        loop.shutdown { [self] in
            fetcher.shutdown()
            resolver.shutdown()
        }
    }
}

/// A continuation resumed by whichever comes first (an answer or a deadline); later calls do nothing.
private final class ResumeOnce<T: Sendable>: @unchecked Sendable {
    private var continuation: CheckedContinuation<T, Never>?
    // Both resumers run on the one loop thread, so no lock is needed.
    init(_ continuation: CheckedContinuation<T, Never>) { self.continuation = continuation }

    func resume(_ value: T) {
        continuation?.resume(returning: value)
        continuation = nil
    }
}

private final class ReaderSink: BodySink {
    let reader: PageReader
    init(_ reader: PageReader) { self.reader = reader }
    func body(_ chunk: UnsafeRawBufferPointer) { reader.feed(chunk) }
}

/// Loops shared round-robin by the sites of a run; `shutdown()` releases them all.
final class LoopGroup: @unchecked Sendable {
    private let loops: [AuditLoop]
    private let counter = Counter()

    init(count: Int, dnsServers: [String], dnsTimeoutMilliseconds: Int) throws {
        var started: [AuditLoop] = []
        do {
            for i in 0..<max(1, count) {
                started.append(try AuditLoop(index: i, dnsServers: dnsServers, dnsTimeoutMilliseconds: dnsTimeoutMilliseconds))
            }
        } catch {
            for loop in started { loop.shutdown() }
            throw error
        }
        loops = started
    }

    func next() -> AuditLoop { loops[counter.next() % loops.count] }

    func shutdown() {
        for loop in loops { loop.shutdown() }
    }
}

final class Counter: Sendable {
    private let value = Atomic<Int>(0)
    func next() -> Int { value.add(1, ordering: .relaxed).oldValue }
}
