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
