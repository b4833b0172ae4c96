#if canImport(Glibc)
import Glibc
#endif
import CCurl
import ICPLoop
import ICPModel

/// The state of one transfer, owned by its fetcher while curl runs it.
final class Transfer {
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

    func finish(_ code: CURLcode) -> Result<FetchResult, OwnFailure> {
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
                return .failure(OwnFailure(message))
            } else if code == CURLE_SSL_CACERT_BADFILE {
                return .failure(OwnFailure(message))  // --ca-bundle is icpaudit's set-up, not the site's
            } else {
                result.failure = Transfer.classify(code, String(cString: curl_easy_strerror(code)))
            }
        }
        return .success(result)
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
        case CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_USE_SSL_FAILED: return .tls(message)
        default: return .protocolError(message)
        }
    }
}
