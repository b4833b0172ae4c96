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
