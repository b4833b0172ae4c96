#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Foundation
import XCTest
@testable import ICPAudit
import ICPFetch
import ICPLoop
import ICPModel
import ICPResolve

/// Event loops come and go: a `LoopGroup` that is shut down gives back its threads (icp-loop-N),
/// its epoll and event descriptors, its c-ares channel and its curl multi handle, and whatever
/// was in flight on its loops ends with icpaudit's own failure (`OwnFailure`) instead of waiting forever.
final class LoopLifecycleTests: XCTestCase {
    static let farmDNS = "127.0.0.1:15353"

    private func entries(_ directory: String) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: directory).count) ?? -1
    }

    /// Threads of this process.
    private func threadCount() -> Int { entries("/proc/self/task") }

    /// Open descriptors of this process (the listing's own directory descriptor included, the
    /// same one each time).
    private func descriptorCount() -> Int { entries("/proc/self/fd") }

    /// Names of this process's event loop threads.
    private func loopThreads() -> [String] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return tasks.compactMap { try? String(contentsOfFile: "/proc/self/task/\($0)/comm", encoding: .utf8) }
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { $0.hasPrefix("icp-loop-") }
            .sorted()
    }

    /// Loop threads still listed after a shutdown. `pthread_join` returns when the kernel clears
    /// the thread's id, a moment before it removes the task from /proc/self/task (longer under
    /// ThreadSanitizer), so a joined thread is given up to a second to leave the listing; a
    /// thread that was never joined stays for good.
    private func loopThreadsAfterExit() -> [String] {
        for _ in 0..<100 {
            let left = loopThreads()
            if left.isEmpty { return left }
            usleep(10_000)
        }
        return loopThreads()
    }

    private func requireFarmDNS() throws {
        guard FileManager.default.fileExists(atPath: EngineTests.farm.appendingPathComponent("dnsmasq.pid").path) else {
            XCTFail("the site farm is not running: start it with scripts/sitefarm start (scripts/test does)")
            throw XCTSkip("no farm")
        }
    }

    /// Starts a group of two loops, looks ok.test up on each, and shuts the group down.
    private func cycle(check: (Int, Int) -> Void = { _, _ in }) async throws {
        let group = try LoopGroup(count: 2, dnsServers: [Self.farmDNS], dnsTimeoutMilliseconds: 2000)
        for _ in 0..<2 {
            let answer = await group.next().resolve("ok.test", deadline: MonotonicClock.milliseconds() + 5000)
            XCTAssertEqual(try answer.get().get().addresses, [IPAddress("127.0.0.1")!])
        }
        check(threadCount(), descriptorCount())
        group.shutdown()
    }

    func testStartingAndShuttingDownLoopsLeavesNoThreadsOrDescriptors() async throws {
        try requireFarmDNS()
        // One cycle first: one-time set-up (curl_global_init, ares_library_init, the Swift
        // concurrency pool's threads) is not a leak.
        try await cycle()
        XCTAssertEqual(loopThreadsAfterExit(), [])
        let threads = threadCount(), descriptors = descriptorCount()
        let cycles = 50
        for i in 0..<cycles {
            try await cycle { running, open in
                if i == 0 {
                    // While a group runs, its threads and descriptors are there to be seen.
                    XCTAssertEqual(self.loopThreads(), ["icp-loop-0", "icp-loop-1"])
                    XCTAssertGreaterThanOrEqual(running, threads + 2)
                    XCTAssertGreaterThanOrEqual(open, descriptors + 4, "an epoll fd and an eventfd per loop, at least")
                }
            }
            XCTAssertEqual(loopThreadsAfterExit(), [], "cycle \(i): a loop thread outlived shutdown()")
        }
        // Slack: the threads the test itself runs on are not ours to count. Swift's cooperative
        // pool starts up to one thread per core on demand and libdispatch keeps idle workers for
        // a while, so the process may hold up to a core's count more (or fewer) threads than at
        // the start. Descriptors have no such pool: 2 covers a library that opens one for good on
        // a later first use (none is expected). A leak shows as at least 2 threads and 4
        // descriptors per cycle, 100 and 200 over 50 cycles.
        let threadSlack = ProcessInfo.processInfo.activeProcessorCount
        XCTAssertLessThanOrEqual(threadCount(), threads + threadSlack, "threads: \(threads) before \(cycles) cycles")
        XCTAssertLessThanOrEqual(descriptorCount(), descriptors + 2, "descriptors: \(descriptors) before \(cycles) cycles")
        print("LoopLifecycleTests: threads \(threads) -> \(threadCount()), descriptors \(descriptors) -> \(descriptorCount())")
    }

    func testShutdownEndsLookupsAndFetchesInFlightWithALocalFailure() async throws {
        // A DNS server that never answers and an HTTP server that never replies, so the lookups
        // and fetches are still in flight when the group shuts down.
        let dns = try LocalSocket(type: SOCK_DGRAM)
        let http = try LocalSocket(type: SOCK_STREAM)
        defer { dns.close(); http.close() }
        let group = try LoopGroup(count: 2, dnsServers: ["127.0.0.1:\(dns.port)"], dnsTimeoutMilliseconds: 60_000)
        let loops = [group.next(), group.next()]
        let results = Results()
        var done: [XCTestExpectation] = []
        let far = MonotonicClock.milliseconds() + 120_000
        for (i, loop) in loops.enumerated() {
            let resolved = expectation(description: "lookup on loop \(i) ended")
            let fetched = expectation(description: "fetch on loop \(i) ended")
            done += [resolved, fetched]
            Task {
                results.resolved(i, await loop.resolve("silent\(i).test", deadline: far))
                resolved.fulfill()
            }
            let spec = FetchSpec(url: ParsedURL(scheme: "http", host: "silent\(i).test", port: http.port),
                                 addresses: [IPAddress("127.0.0.1")!], timeoutMilliseconds: 120_000, maxBodyBytes: 1 << 20)
            Task {
                results.fetched(i, await loop.fetch(spec, keeping: []).map(\.0))
                fetched.fulfill()
            }
        }
        // Both lookups reached the DNS server and both requests the HTTP server: they are in flight.
        var asked: Set<String> = []
        while asked.count < 2, let packet = dns.receive(timeoutMilliseconds: 5000) {
            for i in 0..<2 where packet.range(of: Data("silent\(i)".utf8)) != nil { asked.insert("silent\(i)") }
        }
        XCTAssertEqual(asked, ["silent0", "silent1"], "the lookups were sent")
        var requests: [Int32] = []
        defer { for fd in requests { Glibc.close(fd) } }
        while requests.count < 2, let fd = http.accept(timeoutMilliseconds: 5000) {
            requests.append(fd)
            XCTAssertTrue(LocalSocket.readRequest(fd, timeoutMilliseconds: 5000).hasPrefix("GET / HTTP/1.1"), "a request was sent")
        }
        XCTAssertEqual(requests.count, 2, "both fetches connected")

        // shutdown() joins the loop threads: bounded, so a loop that never stops fails the test.
        let stopped = DispatchSemaphore(value: 0)
        let shutdownThread = Thread {
            group.shutdown()
            stopped.signal()
        }
        shutdownThread.start()
        XCTAssertEqual(stopped.wait(timeout: .now() + 10), .success, "shutdown() did not return")
        await fulfillment(of: done, timeout: 5)

        for i in 0..<2 {
            switch results.resolution(i) {
            case .failure?: break
            case let other: XCTFail("lookup on loop \(i): \(String(describing: other)), not icpaudit's own failure")
            }
            switch results.fetch(i) {
            case .failure?: break
            case let other: XCTFail("fetch on loop \(i): \(String(describing: other)), not icpaudit's own failure")
            }
        }
    }
}

/// What the in-flight operations came back with, from whichever task resumed.
private final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var resolutions: [Int: Lookup] = [:]
    private var fetches: [Int: Result<FetchResult, OwnFailure>] = [:]

    func resolved(_ i: Int, _ r: Lookup) { lock.withLock { resolutions[i] = r } }
    func fetched(_ i: Int, _ r: Result<FetchResult, OwnFailure>) { lock.withLock { fetches[i] = r } }
    func resolution(_ i: Int) -> Lookup? { lock.withLock { resolutions[i] } }
    func fetch(_ i: Int) -> Result<FetchResult, OwnFailure>? { lock.withLock { fetches[i] } }
}

/// A socket on 127.0.0.1 at a port of the kernel's choosing that takes what it is sent and never
/// answers: UDP (a silent DNS server) or a listening TCP socket (a silent HTTP server).
private final class LocalSocket: @unchecked Sendable {
    let fd: Int32
    let port: Int

    init(type: __socket_type) throws {
        let s = socket(AF_INET, Int32(type.rawValue), 0)
        guard s >= 0 else { throw POSIXError(.EIO) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                bind(s, sa, len) == 0 && getsockname(s, sa, &len) == 0
            }
        }
        guard bound, type.rawValue != SOCK_STREAM.rawValue || listen(s, 16) == 0 else {
            Glibc.close(s)
            throw POSIXError(.EADDRNOTAVAIL)
        }
        fd = s
        port = Int(UInt16(bigEndian: addr.sin_port))
    }

    func close() { Glibc.close(fd) }

    private static func wait(_ fd: Int32, _ timeoutMilliseconds: Int) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, Int32(timeoutMilliseconds)) == 1
    }

    /// One datagram, or nil after the timeout.
    func receive(timeoutMilliseconds: Int) -> Data? {
        guard Self.wait(fd, timeoutMilliseconds) else { return nil }
        var buffer = [UInt8](repeating: 0, count: 2048)
        let n = recv(fd, &buffer, buffer.count, 0)
        return n > 0 ? Data(buffer[0..<n]) : nil
    }

    /// One connection, or nil after the timeout.
    func accept(timeoutMilliseconds: Int) -> Int32? {
        guard Self.wait(fd, timeoutMilliseconds) else { return nil }
        let client = Glibc.accept(fd, nil, nil)
        return client >= 0 ? client : nil
    }

    /// What the client sent up to the end of its request headers.
    static func readRequest(_ fd: Int32, timeoutMilliseconds: Int) -> String {
        var received = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while received.range(of: Data("\r\n\r\n".utf8)) == nil, wait(fd, timeoutMilliseconds) {
            let n = recv(fd, &buffer, buffer.count, 0)
            guard n > 0 else { break }
            received.append(contentsOf: buffer[0..<n])
        }
        return String(decoding: received, as: UTF8.self)
    }
}
