#if canImport(Glibc)
import Glibc
#endif
import CCurl
import ICPLoop
import ICPModel

/// Where requests of one kind of visitor go and how they present themselves.
public struct FetchProfile: Sendable, Equatable {
    public var userAgent: String
    public var headers: [String]

    public init(userAgent: String, headers: [String]) {
        self.userAgent = userAgent
        self.headers = headers
    }

    /// A desktop browser's request headers, under icpaudit's own User-Agent.
    public static let desktop = FetchProfile(userAgent: "Mozilla/5.0 (compatible; icpaudit/0.1; ICP filing audit)", headers: browserHeaders)

    /// A current phone browser (Safari on iOS 18): what a site's mobile detection looks for.
    public static let mobile = FetchProfile(
        userAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
        headers: browserHeaders)

    /// Baidu's crawler, as it names itself: what a hacked site's cloaking serves its spam to
    /// (`--cloak-check`).
    public static let baiduspider = FetchProfile(
        userAgent: "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)", headers: browserHeaders)

    private static let browserHeaders = ["Accept: text/html,application/xhtml+xml;q=0.9,*/*;q=0.8", "Accept-Language: zh-CN,zh;q=0.9"]
}

/// The ports `http://` and `https://` URLs without a port connect to (a farm maps them).
public struct PortMap: Sendable, Equatable {
    public var http: Int
    public var https: Int

    public init(http: Int = 80, https: Int = 443) {
        self.http = http
        self.https = https
    }
}

/// One HTTP(S) GET, pinned to addresses the caller resolved: curl connects to them and never
/// resolves a name itself.
public struct FetchSpec: Sendable, Equatable {
    public var url: ParsedURL
    public var addresses: [IPAddress]
    public var ports: PortMap
    public var profile: FetchProfile
    public var verifyTLS: Bool
    public var caBundle: String?
    public var timeoutMilliseconds: Int
    public var maxBodyBytes: Int
    /// Stop once the status and headers are in (a probe): the body is never read.
    public var headersOnly = false

    public init(url: ParsedURL, addresses: [IPAddress], ports: PortMap = PortMap(), profile: FetchProfile = .desktop,
                verifyTLS: Bool = true, caBundle: String? = nil, timeoutMilliseconds: Int, maxBodyBytes: Int, headersOnly: Bool = false) {
        self.headersOnly = headersOnly
        self.url = url
        self.addresses = addresses
        self.ports = ports
        self.profile = profile
        self.verifyTLS = verifyTLS
        self.caBundle = caBundle
        self.timeoutMilliseconds = timeoutMilliseconds
        self.maxBodyBytes = maxBodyBytes
    }

    /// CURLOPT_RESOLVE, `host:port:addr[,addr…]`: the pinned addresses.
    var resolveEntry: String {
        "\(url.host):\(url.port ?? mappedPort):\(addresses.map(\.bracketed).joined(separator: ","))"
    }

    /// CURLOPT_CONNECT_TO, `host:port:host:port`: the default port mapped to a farm's.
    var connectToEntries: [String] {
        let defaultPort = url.scheme == "https" ? 443 : 80
        guard url.port == nil && mappedPort != defaultPort else { return [] }
        return ["\(url.host):\(defaultPort):\(url.host):\(mappedPort)"]
    }

    private var mappedPort: Int { url.scheme == "https" ? ports.https : ports.http }
}

/// An absolute http(s) URL split into what pinning and port mapping need.
public struct ParsedURL: Sendable, Equatable {
    public var scheme: String
    public var host: String
    public var port: Int?
    public var rest: String

    public init(scheme: String, host: String, port: Int? = nil, rest: String = "/") {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.rest = rest
    }

    /// nil for anything but an absolute http or https URL (curl gives redirects absolute).
    public init?(_ text: String) {
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
        self.init(scheme: scheme, host: authority.lowercased(), port: port, rest: Self.percentEncoded(rest))
    }

    /// The path and query as a browser sends them (WHATWG URL): spaces, controls, non-ASCII
    /// (as UTF-8) and `"<>`{}` percent-encoded; what is already encoded stays. Pages and servers
    /// write `Location: /home page/` and curl takes no such URL.
    static func percentEncoded(_ pathAndQuery: String) -> String {
        let bytes = pathAndQuery.utf8.filter { $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }  // a browser drops tabs and newlines
        guard bytes.count < pathAndQuery.utf8.count || bytes.contains(where: { $0 <= 0x20 || $0 >= 0x7F || Self.encodedASCII.contains($0) }) else {
            return pathAndQuery
        }
        var out = ""
        for b in bytes {
            if b <= 0x20 || b >= 0x7F || Self.encodedASCII.contains(b) {
                out += "%" + String(Self.hexDigits[Int(b >> 4)]) + String(Self.hexDigits[Int(b & 15)])
            } else {
                out.unicodeScalars.append(Unicode.Scalar(b))
            }
        }
        return out
    }

    private static let encodedASCII: Set<UInt8> = Set("\"<>`{}".utf8)
    private static let hexDigits = Array("0123456789ABCDEF")

    public var text: String { "\(scheme)://\(host)\(port.map { ":\($0)" } ?? "")\(rest)" }

    /// A URL as a page writes it (`/cn/`, `../a.html`, `//host/x`, `?q`, absolute) resolved
    /// against this page's URL (RFC 3986, section 5.2); nil for other schemes.
    public func resolving(_ reference: String) -> ParsedURL? {
        let ref = reference.trimmingWhitespace()
        if let colon = ref.firstIndex(of: ":"), ref[..<colon].allSatisfy({ $0.isLetter || $0 == "+" || $0 == "-" || $0 == "." }) {
            return ParsedURL(ref)  // an absolute URL: http(s) only
        }
        if ref.hasPrefix("//") { return ParsedURL(scheme + ":" + ref) }
        let origin = "\(scheme)://\(host)\(port.map { ":\($0)" } ?? "")"
        let noFragment = String(ref.prefix { $0 != "#" })
        if noFragment.isEmpty { return self }
        if noFragment.hasPrefix("/") { return ParsedURL(origin + Self.removingDotSegments(noFragment)) }
        let basePath = String(rest.prefix { $0 != "?" })
        if noFragment.hasPrefix("?") { return ParsedURL(origin + basePath + noFragment) }
        let directory = basePath[...(basePath.lastIndex(of: "/") ?? basePath.startIndex)]
        return ParsedURL(origin + Self.removingDotSegments(directory + noFragment))
    }

    /// `/a/b/../c/./d` → `/a/c/d`; the query is left alone.
    private static func removingDotSegments(_ pathAndQuery: String) -> String {
        let query = pathAndQuery.firstIndex(of: "?").map { String(pathAndQuery[$0...]) } ?? ""
        let path = pathAndQuery.prefix { $0 != "?" }
        var out: [Substring] = []
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        for (i, segment) in segments.enumerated() {
            let last = i == segments.count - 1
            switch segment {
            case ".": if last { out.append("") }
            case "..": if !out.isEmpty { out.removeLast() }; if last { out.append("") }
            default: out.append(segment)
            }
        }
        return "/" + out.joined(separator: "/") + query
    }
}

/// Receives the body of a response whose status is 2xx, chunk by chunk, on the loop thread.
public protocol BodySink: AnyObject {
    func body(_ chunk: UnsafeRawBufferPointer)
}

public enum FetchFailure: Sendable, Equatable {
    case connect(String)
    /// The certificate did not verify (the page can still be read without verification).
    case certificate(String)
    /// The TLS handshake itself failed.
    case tls(String)
    case timeout(String)
    /// The server broke HTTP: empty reply, reset, bad encoding.
    case protocolError(String)
    /// icpaudit's own side failed (curl could not take the transfer, the fetcher shut down):
    /// never the site's fault.
    case local(String)
    /// Every address is IPv6 and this machine has no route to it: the site was not reached, and
    /// that says nothing about the site.
    case noIPv6Route(String)
}

public struct FetchResult: Sendable {
    public init(status: Int = 0, failure: FetchFailure? = nil, redirectURL: String? = nil, bodyBytes: Int = 0, truncated: Bool = false) {
        self.status = status
        self.failure = failure
        self.redirectURL = redirectURL
        self.bodyBytes = bodyBytes
        self.truncated = truncated
    }

    public var status: Int = 0
    public var failure: FetchFailure?
    public var redirectURL: String?
    /// The `Vary` header: `User-Agent` in it means the page differs by device.
    public var vary: String?
    public var contentType: String?
    public var primaryIP: String?
    public var bodyBytes = 0
    public var truncated = false
    public var milliseconds = 0
    /// How long the loop was busy with work (this transfer's body, other transfers) while this
    /// transfer ran: near all of `milliseconds`, the loop was saturated and may have read late.
    public var loopBusyMilliseconds = 0
    /// When the loop had the answer (monotonic ms; 0: not known).
    public var completedAt = 0
}

/// A curl multi handle driven by an `EventLoop`: curl's sockets join the loop's epoll set and
/// its timer is one of the loop's timers. Every method must be called on the loop's thread.
public final class Fetcher: LoopTimerSource {
    public typealias Completion = (FetchResult) -> Void
    /// Called once the status and headers are in, to give the body to a sink (or drop it).
    public typealias SinkFactory = (_ status: Int, _ contentType: String?) -> BodySink?

    private let loop: EventLoop
    // Loop-confined from here on; nil once shut down.
    private var multi: UnsafeMutableRawPointer?
    private var timerDeadline: Int?
    /// Transfers in flight, by easy handle: they live as long as curl has them.
    private var inFlight: [UnsafeMutableRawPointer: Transfer] = [:]
    private var idleHandles: [UnsafeMutableRawPointer] = []

    public init(loop: EventLoop) {
        self.loop = loop
        _ = Fetcher.globalInit
        let multi = curl_multi_init()
        self.multi = multi
        let me = Unmanaged.passUnretained(self).toOpaque()
        _ = icp_multi_setopt_socket_cb(multi) { _, fd, what, userp, _ in
            Unmanaged<Fetcher>.fromOpaque(userp!).takeUnretainedValue().socketChanged(fd, what)
            return 0
        }
        _ = icp_multi_setopt_ptr(multi, CURLMOPT_SOCKETDATA, me)
        _ = icp_multi_setopt_timer_cb(multi) { _, ms, userp in
            Unmanaged<Fetcher>.fromOpaque(userp!).takeUnretainedValue().timerChanged(ms)
            return 0
        }
        _ = icp_multi_setopt_ptr(multi, CURLMOPT_TIMERDATA, me)
        loop.addTimerSource(self)
    }

    static let idleHandleLimit = 64

    private static let globalInit: Void = { _ = curl_global_init(Int(CURL_GLOBAL_ALL)) }()

    /// Starts a transfer; `completion` is called exactly once, on the loop, also when the
    /// transfer could not even start.
    public func start(_ request: FetchSpec, sink: @escaping SinkFactory, completion: @escaping Completion) {
        loop.assertInEventLoop()
        guard let multi, let easy = idleHandles.popLast() ?? curl_easy_init() else {
            completion(FetchResult(failure: .local(self.multi == nil ? "fetcher shut down" : "curl_easy_init failed")))
            return
        }
        let transfer = Transfer(easy: easy, request: request, sinkFactory: sink, completion: completion)
        transfer.busyAtStart = loop.busyNanoseconds
        var refused = transfer.configure()
        if refused == nil, case let rc = curl_multi_add_handle(multi, easy), rc != CURLM_OK {
            refused = "curl_multi_add_handle: \(String(cString: curl_multi_strerror(rc)))"
        }
        if let refused {
            transfer.release()
            curl_easy_cleanup(easy)
            completion(FetchResult(failure: .local(refused)))
            return
        }
        inFlight[easy] = transfer
    }

    /// Ends every transfer in flight (each completes with `.local`) and frees curl's handles.
    /// Loop thread only; the fetcher completes any later `start` at once with `.local`.
    public func shutdown() {
        loop.assertInEventLoop()
        guard let multi else { return }
        let ended = inFlight
        inFlight = [:]
        for (easy, transfer) in ended {
            _ = curl_multi_remove_handle(multi, easy)
            transfer.release()
            curl_easy_cleanup(easy)
        }
        for easy in idleHandles { curl_easy_cleanup(easy) }
        idleHandles.removeAll()
        curl_multi_cleanup(multi)
        self.multi = nil
        for transfer in ended.values { transfer.completion(FetchResult(failure: .local("fetcher shut down"))) }
    }

    private func socketChanged(_ fd: curl_socket_t, _ what: Int32) {
        loop.assertInEventLoop()
        if what == CURL_POLL_REMOVE {
            loop.unwatch(fd)
            return
        }
        let readable = what == CURL_POLL_IN || what == CURL_POLL_INOUT
        let writable = what == CURL_POLL_OUT || what == CURL_POLL_INOUT
        loop.watch(fd, readable: readable, writable: writable) { [unowned self] r, w in
            guard let multi else { return }
            var stillRunning: Int32 = 0
            let mask = (r ? CURL_CSELECT_IN : 0) | (w ? CURL_CSELECT_OUT : 0)
            _ = curl_multi_socket_action(multi, fd, Int32(mask), &stillRunning)
            drainCompletions()
        }
    }

    private func timerChanged(_ ms: Int) {
        timerDeadline = ms < 0 ? nil : MonotonicClock.milliseconds() + ms
    }

    public func millisecondsUntilTimer() -> Int? {
        guard let deadline = timerDeadline else { return nil }
        return max(0, deadline - MonotonicClock.milliseconds())
    }

    public func timerFired() {
        timerDeadline = nil
        guard let multi else { return }
        var stillRunning: Int32 = 0
        _ = curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &stillRunning)
        drainCompletions()
    }

    private func drainCompletions() {
        guard let multi else { return }
        var left: Int32 = 0
        while let msg = curl_multi_info_read(multi, &left) {
            guard msg.pointee.msg == CURLMSG_DONE, let easy = msg.pointee.easy_handle else { continue }
            let code = icp_msg_result(msg)
            guard let transfer = inFlight[easy] else { continue }
            end(easy, transfer, code: code)
        }
    }

    private func end(_ easy: UnsafeMutableRawPointer, _ transfer: Transfer, code: CURLcode) {
        guard let multi else { return }
        inFlight[easy] = nil
        _ = curl_multi_remove_handle(multi, easy)
        var result = transfer.finish(code)
        result.loopBusyMilliseconds = (loop.busyNanoseconds - transfer.busyAtStart) / 1_000_000
        result.completedAt = MonotonicClock.milliseconds()
        // Reuse a few handles; past that, free them so a burst does not pin their buffers.
        if idleHandles.count < Fetcher.idleHandleLimit {
            curl_easy_reset(easy)
            idleHandles.append(easy)
        } else {
            curl_easy_cleanup(easy)
        }
        transfer.completion(result)
    }
}

/// The state of one transfer, owned by its fetcher while curl runs it.
private final class Transfer {
    let easy: UnsafeMutableRawPointer
    let request: FetchSpec
    let sinkFactory: Fetcher.SinkFactory
    let completion: Fetcher.Completion
    private var lists: [UnsafeMutablePointer<curl_slist>] = []
    /// The transfer's own DNS cache, holding only its pinned entry. In the multi handle's shared
    /// cache a CURLOPT_RESOLVE entry never expires, and curl walks that whole cache whenever a
    /// connection closes (each fetch's): a run would slow down and grow with every host fetched.
    private var dnsCache: UnsafeMutableRawPointer?
    private var sink: BodySink?
    private var sawHeaders = false
    private var status = 0
    private var contentType: String?
    private var bodyBytes = 0
    private var truncated = false
    /// Ended on purpose when the body began (`headersOnly`).
    private var stoppedAtBody = false
    /// The loop's busy time when it started (ns).
    var busyAtStart = 0

    init(easy: UnsafeMutableRawPointer, request: FetchSpec, sinkFactory: @escaping Fetcher.SinkFactory, completion: @escaping Fetcher.Completion) {
        self.easy = easy
        self.request = request
        self.sinkFactory = sinkFactory
        self.completion = completion
    }

    /// Sets the transfer's options; the first one curl refuses, as a message, or nil. A refused
    /// option is never ignored: the 8 KB receive buffer once failed on a reused handle (issue 19)
    /// and the transfer then overran the buffer curl had kept.
    func configure() -> String? {
        set(CURLOPT_URL, request.url.text)
        set(CURLOPT_PROTOCOLS_STR, "http,https")
        set(CURLOPT_FOLLOWLOCATION, 0)
        set(CURLOPT_NOSIGNAL, 1)
        // Audited hosts are distinct names, so a kept connection is rarely reused; closing it
        // with its fetch also makes fetches in flight the connections a server sees (--per-ip).
        set(CURLOPT_FORBID_REUSE, 1)
        set(CURLOPT_ACCEPT_ENCODING, "")
        // Wall time, checked by curl whenever it runs the transfer: an answer read after it (a
        // slow site, or a loop too busy to read in time) is a timeout (SPEC: `--timeout` does not stretch).
        set(CURLOPT_TIMEOUT_MS, max(1, request.timeoutMilliseconds))
        set(CURLOPT_USERAGENT, request.profile.userAgent)
        set(CURLOPT_SSL_VERIFYPEER, request.verifyTLS ? 1 : 0)
        set(CURLOPT_SSL_VERIFYHOST, request.verifyTLS ? 2 : 0)
        if let ca = request.caBundle { set(CURLOPT_CAINFO, ca) }
        if let cache = curl_share_init() {
            dnsCache = cache
            if case let rc = icp_share_setopt_long(cache, CURLSHOPT_SHARE, Int(CURL_LOCK_DATA_DNS.rawValue)), rc != CURLSHE_OK, refused == nil {
                refused = "curl_share_setopt: \(String(cString: curl_share_strerror(rc)))"
            }
            note(icp_easy_setopt_ptr(easy, CURLOPT_SHARE, cache), CURLOPT_SHARE)
        }
        setList(CURLOPT_RESOLVE, [request.resolveEntry])
        setList(CURLOPT_CONNECT_TO, request.connectToEntries)
        setList(CURLOPT_HTTPHEADER, request.profile.headers)
        note(icp_easy_setopt_ptr(easy, CURLOPT_WRITEDATA, Unmanaged.passUnretained(self).toOpaque()), CURLOPT_WRITEDATA)
        note(icp_easy_setopt_write_cb(easy, CURLOPT_WRITEFUNCTION) { data, size, count, user in
            Unmanaged<Transfer>.fromOpaque(user!).takeUnretainedValue().write(UnsafeRawBufferPointer(start: data, count: size * count))
        }, CURLOPT_WRITEFUNCTION)
        return refused
    }

    /// The first option curl refused.
    private var refused: String?

    private func note(_ rc: CURLcode, _ option: CURLoption) {
        if rc != CURLE_OK, refused == nil { refused = "curl refused option \(option.rawValue): \(String(cString: curl_easy_strerror(rc)))" }
    }
    private func set(_ option: CURLoption, _ value: Int) { note(icp_easy_setopt_long(easy, option, value), option) }
    private func set(_ option: CURLoption, _ value: String) { note(icp_easy_setopt_str(easy, option, value), option) }

    private func setList(_ option: CURLoption, _ items: [String]) {
        guard !items.isEmpty else { return }
        var list: UnsafeMutablePointer<curl_slist>?
        for item in items { list = curl_slist_append(list, item) }
        guard let list else { return }
        lists.append(list)
        note(icp_easy_setopt_slist(easy, option, list), option)
    }

    /// curl's write callback: hands the decoded body to the sink; returning less than the chunk
    /// aborts the transfer, which is how the body cap bounds a gzip bomb or an endless body.
    func write(_ chunk: UnsafeRawBufferPointer) -> Int {
        if !sawHeaders {
            sawHeaders = true
            var code = 0
            _ = icp_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &code)
            status = code
            var ct: UnsafeMutablePointer<CChar>?
            _ = icp_easy_getinfo_str(easy, CURLINFO_CONTENT_TYPE, &ct)
            contentType = ct.map { String(cString: $0) }
            if request.headersOnly {
                stoppedAtBody = true
                return 0
            }
            sink = sinkFactory(status, contentType)
        }
        let room = request.maxBodyBytes - bodyBytes
        let take = min(room, chunk.count)
        if take > 0 {
            sink?.body(UnsafeRawBufferPointer(rebasing: chunk[0..<take]))
            bodyBytes += take
        }
        if take < chunk.count {
            truncated = true
            return 0
        }
        return chunk.count
    }

    /// Frees what the transfer gave curl; the handle must be out of the multi handle.
    func release() {
        for list in lists { curl_slist_free_all(list) }
        lists = []
        if let dnsCache {
            _ = icp_easy_setopt_ptr(easy, CURLOPT_SHARE, nil)
            curl_share_cleanup(dnsCache)
            self.dnsCache = nil
        }
    }

    func finish(_ code: CURLcode) -> FetchResult {
        defer { release() }
        var result = FetchResult()
        var value = 0
        _ = icp_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &value)
        result.status = value
        var str: UnsafeMutablePointer<CChar>?
        if icp_easy_getinfo_str(easy, CURLINFO_REDIRECT_URL, &str) == CURLE_OK, let str { result.redirectURL = String(cString: str) }
        // A transfer stopped at the headers (a probe) has no redirect URL from curl: read Location.
        if result.redirectURL == nil, (300..<400).contains(value), let location = icp_easy_header_value(easy, "Location") {
            result.redirectURL = request.url.resolving(String(cString: location))?.text
        }
        str = nil
        if icp_easy_getinfo_str(easy, CURLINFO_PRIMARY_IP, &str) == CURLE_OK, let str, str.pointee != 0 { result.primaryIP = String(cString: str) }
        var total: curl_off_t = 0
        _ = icp_easy_getinfo_off(easy, CURLINFO_TOTAL_TIME_T, &total)
        result.milliseconds = Int(total / 1000)
        result.vary = icp_easy_header_value(easy, "Vary").map { String(cString: $0) }
        result.contentType = contentType
        result.bodyBytes = bodyBytes
        result.truncated = truncated
        if code != CURLE_OK && !(code == CURLE_WRITE_ERROR && (truncated || stoppedAtBody)) {
            var osErrno = 0
            _ = icp_easy_getinfo_long(easy, CURLINFO_OS_ERRNO, &osErrno)
            let message = "\(String(cString: curl_easy_strerror(code))): \(String(cString: strerror(Int32(osErrno))))"
            if Transfer.noRoute.contains(Int32(osErrno)), !request.addresses.isEmpty,
               request.addresses.allSatisfy({ $0.isV6 && !Routes.exists(to: $0) }) {
                result.failure = .noIPv6Route(message)
            } else if Transfer.ownLimits.contains(Int32(osErrno)) {
                result.failure = .local(message)
            } else {
                result.failure = Transfer.classify(code, String(cString: curl_easy_strerror(code)))
            }
        }
        return result
    }

    /// What connect() says when the machine has no route (IPv6 disabled: EADDRNOTAVAIL).
    static let noRoute: Set<Int32> = [ENETUNREACH, EADDRNOTAVAIL]

    /// Errors of this machine, not of the site: out of descriptors, buffers or local ports.
    static let ownLimits: Set<Int32> = [EMFILE, ENFILE, ENOBUFS, ENOMEM, EADDRNOTAVAIL]

    static func classify(_ code: CURLcode, _ message: String) -> FetchFailure {
        switch code {
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST: return .connect(message)
        case CURLE_OPERATION_TIMEDOUT: return .timeout(message)
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_ISSUER_ERROR: return .certificate(message)
        case CURLE_SSL_CACERT_BADFILE: return .local(message)  // --ca-bundle is icpaudit's set-up, not the site's
        case CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_USE_SSL_FAILED: return .tls(message)
        default: return .protocolError(message)
        }
    }
}
