/// Why a render produced no page.
public enum RenderError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The crawler's own browser failed: it could not start, crashed or stopped answering, and
    /// did so again on the one retry (or the pool was shut down). A crawler failure: never a
    /// finding about the site (SPEC: "a crashed browser … never reported as the site's …").
    case browser(String)
    /// The page could not be loaded or read: its main document was refused or failed (the
    /// network closure's answer, e.g. `net::ERR_BLOCKED_BY_CLIENT`), or its scripts kept the
    /// renderer busy past the deadline, or crashed its renderer. About the site (or the closure's policy), not the crawler.
    case page(String)

    /// In a `.page` reason when the page ran out of its time: with the browser sharing the
    /// machine's CPU, that may be the crawler's load rather than the page.
    public static let outOfTime = "the page did not answer in time"

    /// In a `.page` reason when the page's renderer crashed, most often its scripts past
    /// `BrowserPool.pageHeapMegabytes` of heap: the page's doing, but a machine short of memory
    /// can cause it too.
    public static let rendererCrashed = "the page's renderer crashed"

    public var description: String {
        switch self {
        case .browser(let why): return "browser failure: \(why)"
        case .page(let why): return "page not rendered: \(why)"
        }
    }
}

/// The device a page is rendered as: viewport, pixel ratio, touch and User-Agent.
public struct RenderDevice: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var deviceScaleFactor: Double
    /// Mobile emulation: the meta viewport is honoured and the page sees a phone.
    public var mobile: Bool
    public var touch: Bool
    public var userAgent: String
    /// `navigator.platform` as the page sees it.
    public var platform: String

    public init(width: Int, height: Int, deviceScaleFactor: Double, mobile: Bool, touch: Bool, userAgent: String, platform: String) {
        self.width = width
        self.height = height
        self.deviceScaleFactor = deviceScaleFactor
        self.mobile = mobile
        self.touch = touch
        self.userAgent = userAgent
        self.platform = platform
    }

    /// SPEC's desktop view: 1920×1080.
    public static func desktop(userAgent: String) -> RenderDevice {
        RenderDevice(width: 1920, height: 1080, deviceScaleFactor: 1, mobile: false, touch: false, userAgent: userAgent, platform: "Linux x86_64")
    }

    /// SPEC's mobile view: a current phone's viewport (390×844 CSS px at 3×), touch, and the
    /// given mobile User-Agent.
    public static func phone(userAgent: String) -> RenderDevice {
        RenderDevice(width: 390, height: 844, deviceScaleFactor: 3, mobile: true, touch: true, userAgent: userAgent, platform: "iPhone")
    }
}

/// A request the page (its document, frames, scripts, styles, XHR/fetch) makes. The browser
/// sends nothing itself: every request is handed to the caller's `RenderNetwork`.
public struct RenderRequest: Sendable, Equatable {
    public var url: String
    public var method: String
    /// As the browser would send them (User-Agent of the device, Referer, Accept, …).
    public var headers: [String: String]
    public var body: [UInt8]?
    /// DevTools' resource type: `Document`, `Script`, `Stylesheet`, `XHR`, `Fetch`, `Image`, …
    public var resourceType: String
    /// The main frame's document (the page itself, or where it navigated to).
    public var isMainDocument: Bool

    public init(url: String, method: String, headers: [String: String], body: [UInt8]?, resourceType: String, isMainDocument: Bool) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
        self.resourceType = resourceType
        self.isMainDocument = isMainDocument
    }
}

/// The caller's answer to a `RenderRequest`.
public enum RenderResponse: Sendable, Equatable {
    /// One HTTP answer, redirects not followed: a 3xx with `Location` is followed by the browser,
    /// which asks the closure again for the new URL. `body` is what the browser gets (the
    /// closure bounds it; bodies over `BrowserPool.maxBodyBytes` are refused).
    case response(status: Int, headers: [(name: String, value: String)], body: [UInt8])
    /// Not fetched (private address, policy, failure): the page sees a network error.
    case blocked(String)

    public static func == (a: RenderResponse, b: RenderResponse) -> Bool {
        switch (a, b) {
        case let (.response(s1, h1, b1), .response(s2, h2, b2)):
            return s1 == s2 && b1 == b2 && h1.map { [$0.name, $0.value] } == h2.map { [$0.name, $0.value] }
        case let (.blocked(r1), .blocked(r2)): return r1 == r2
        default: return false
        }
    }
}

/// Fetches for the browser. Called concurrently, from any thread, once per request the page
/// makes (redirect hops included); must return (a render waits for it until its deadline).
public typealias RenderNetwork = @Sendable (RenderRequest) async -> RenderResponse

/// Memory of a browser's process tree, in bytes.
public struct BrowserMemory: Sendable, Equatable {
    /// Sum of proportional set sizes: shared pages divided among the processes sharing them.
    public var proportional: Int
    /// Sum of resident set sizes: shared pages counted once per process (an overestimate).
    public var resident: Int

    public init(proportional: Int, resident: Int) {
        self.proportional = proportional
        self.resident = resident
    }
}
