#if canImport(Glibc)
import Glibc
#endif
import Foundation
import ICPRender

/// The network the tests' browser sees: pages served from a dictionary, every request logged.
/// The browser is real; only the sites are made up.
final class FakeSites: @unchecked Sendable {
    struct Page {
        var status = 200
        var contentType = "text/html; charset=utf-8"
        var body: String
        var headers: [(name: String, value: String)] = []
        /// Milliseconds before the answer.
        var delay = 0
    }

    private let lock = NSLock()
    private var pages: [String: Page]
    private var log: [RenderRequest] = []
    private var current = 0
    private(set) var mostAtOnce = 0

    init(_ pages: [String: Page]) { self.pages = pages }

    var requests: [RenderRequest] { lock.withLock { log } }
    var urls: [String] { requests.map(\.url) }
    var peakConcurrent: Int { lock.withLock { mostAtOnce } }

    /// Answers like a web server would, without following redirects; addresses that are not
    /// public are refused, as icpaudit's fetch refuses them without --allow-private.
    func answer(_ request: RenderRequest) async -> RenderResponse {
        let page: Page? = lock.withLock {
            log.append(request)
            current += 1
            mostAtOnce = max(mostAtOnce, current)
            return pages[request.url]
        }
        defer { lock.withLock { current -= 1 } }
        if let host = URL(string: request.url)?.host, host.hasPrefix("127.") || host.hasPrefix("169.254.") || host == "localhost" {
            return .blocked("IP_PRIVATE \(host)")
        }
        guard let page else { return .response(status: 404, headers: [("Content-Type", "text/plain")], body: Array("not found".utf8)) }
        if page.delay > 0 { try? await Task.sleep(for: .milliseconds(page.delay)) }
        return .response(status: page.status, headers: [("Content-Type", page.contentType)] + page.headers, body: Array(page.body.utf8))
    }

    var network: RenderNetwork { { [self] in await answer($0) } }
}

/// A TCP listener on loopback that counts the connections it is offered (never accepted).
final class LoopbackListener {
    let fd: Int32
    let port: Int

    init() {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        listen(fd, 16)
        var bound = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &bound) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(fd, $0, &length) } }
        port = Int(UInt16(bigEndian: bound.sin_port))
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    deinit { close(fd) }

    /// Connections waiting to be accepted (each accepted and closed as it is counted).
    func connections() -> Int {
        var n = 0
        while case let c = accept(fd, nil, nil), c >= 0 {
            close(c)
            n += 1
        }
        return n
    }
}
