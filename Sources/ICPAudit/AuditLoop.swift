import ICPFetch
import ICPLoop
import ICPResolve
import ICPRules
import Synchronization

/// One event loop with its c-ares channel and curl multi handle. Async callers hop onto the
/// loop with one `execute` per lookup or fetch and get the result back through a continuation;
/// page bytes are scanned on the loop thread as they arrive and never cross threads.
final class AuditLoop: @unchecked Sendable {
    let loop: EventLoop
    // Touched only on `loop`'s thread.
    private let resolver: Resolver
    private let fetcher: Fetcher

    init(index: Int, dnsServers: [String], dnsTimeoutMilliseconds: Int) throws {
        loop = EventLoop(name: "icp-loop-\(index)")
        resolver = try Resolver(loop: loop, servers: dnsServers, timeoutMilliseconds: dnsTimeoutMilliseconds, tries: 2)
        fetcher = Fetcher(loop: loop)
        loop.start()
    }

    func resolve(_ host: String) async -> Result<Resolution, ResolveFailure> {
        await withCheckedContinuation { continuation in
            loop.execute { [self] in
                resolver.resolve(host) { continuation.resume(returning: $0) }
            }
        }
    }

    /// Fetches one URL; a 2xx body is scanned as it streams in.
    func fetch(_ request: FetchRequest) async -> (FetchResult, PageFacts?) {
        await withCheckedContinuation { continuation in
            loop.execute { [self] in
                var reader: PageReader?
                fetcher.start(request, sink: { status, contentType in
                    guard (200..<300).contains(status) else { return nil }
                    let r = PageReader(contentType: contentType)
                    reader = r
                    return ReaderSink(r)
                }, completion: { result in
                    continuation.resume(returning: (result, reader?.finish()))
                })
            }
        }
    }
}

private final class ReaderSink: BodySink {
    let reader: PageReader
    init(_ reader: PageReader) { self.reader = reader }
    func body(_ chunk: UnsafeRawBufferPointer) { reader.feed(chunk) }
}

/// Loops shared round-robin by the sites of a run.
final class LoopGroup: @unchecked Sendable {
    private let loops: [AuditLoop]
    private let counter = Counter()

    init(count: Int, dnsServers: [String], dnsTimeoutMilliseconds: Int) throws {
        loops = try (0..<max(1, count)).map {
            try AuditLoop(index: $0, dnsServers: dnsServers, dnsTimeoutMilliseconds: dnsTimeoutMilliseconds)
        }
    }

    func next() -> AuditLoop { loops[counter.next() % loops.count] }
}


final class Counter: Sendable {
    private let value = Atomic<Int>(0)
    func next() -> Int { value.add(1, ordering: .relaxed).oldValue }
}
