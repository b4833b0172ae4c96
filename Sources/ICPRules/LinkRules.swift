import ICPModel

/// The parts of an href the link rules look at.
struct Link {
    var host: String
    var port: Int?
    var path: String
    var query: String?
    var fragment: String?

    /// Absolute (`http:`/`https:`) and scheme-relative (`//host`) URLs; nil for anything else
    /// (relative paths, `#`, `javascript:`), which no rule accepts.
    init?(_ raw: String) {
        var s = Substring(raw.trimmingWhitespace())
        let lower = s.lowercased()
        if lower.hasPrefix("http://") { s = s.dropFirst(7) }
        else if lower.hasPrefix("https://") { s = s.dropFirst(8) }
        else if lower.hasPrefix("//") { s = s.dropFirst(2) }
        else { return nil }
        if let hash = s.firstIndex(of: "#") { fragment = String(s[s.index(after: hash)...]); s = s[..<hash] }
        if let q = s.firstIndex(of: "?") { query = String(s[s.index(after: q)...]); s = s[..<q] }
        let slash = s.firstIndex(of: "/") ?? s.endIndex
        path = String(s[slash...])
        var authority = s[..<slash]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        if let colon = authority.lastIndex(of: ":") {
            port = Int(authority[authority.index(after: colon)...])
            authority = authority[..<colon]
        }
        host = authority.lowercased()
        if host.hasSuffix(".") { host.removeLast() }
        guard !host.isEmpty else { return nil }
    }

    /// A parameter of the query, or of a query inside the fragment (`#/query?code=…` of SPA routes).
    func queryValue(_ names: Set<String>) -> String? {
        let fragmentQuery = fragment.flatMap { f in f.firstIndex(of: "?").map { String(f[f.index(after: $0)...]) } }
        for pair in [query, fragmentQuery].compactMap({ $0 }).joined(separator: "&").split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1)
            if kv.count == 2, names.contains(kv[0].lowercased()) { return String(kv[1]) }
        }
        return nil
    }
}

/// SPEC's link rules, as data.
public enum LinkRules {
    public static let miitHost = "beian.miit.gov.cn"
    public static let psbHosts: Set<String> = ["www.beian.gov.cn", "beian.gov.cn", "beian.mps.gov.cn"]
    static let psbCodeParameters: Set<String> = ["recordcode", "code"]

    /// The MIIT link: host exactly beian.miit.gov.cn, path `/` or empty, any query, a `#/…` fragment.
    public static func isMIITHome(_ href: String) -> Bool {
        guard let link = Link(href), link.host == miitHost else { return false }
        guard link.port == nil || link.port == 80 || link.port == 443 else { return false }
        guard link.path.isEmpty || link.path == "/" else { return false }
        if let f = link.fragment, !f.isEmpty, !f.hasPrefix("/") { return false }
        return true
    }

    public static func isPSBPlatform(_ href: String) -> Bool {
        guard let link = Link(href) else { return false }
        return psbHosts.contains(link.host)
    }

    /// The code a public-security link carries (`recordcode=` or `code=`), if any.
    public static func psbCode(inLink href: String) -> String? {
        guard let link = Link(href), let value = link.queryValue(psbCodeParameters) else { return nil }
        let digits = value.filter(\.isASCII).filter(\.isNumber)
        return digits.isEmpty ? nil : digits
    }
}
