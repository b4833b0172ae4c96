/// Scripts that cannot draw a footer (issue 20): web analytics (百度统计, CNZZ, 51.la, Google) and
/// libraries loaded by themselves (jQuery, Bootstrap), and data blocks (`application/ld+json`).
/// A page whose only scripts are these shows what static reading sees; drawing it changes no
/// finding. Any other script, or one of these that also writes the page, may draw.
enum InertScripts {
    /// `<script src>` of a known analytics tag or library file.
    static func isInert(source: String) -> Bool {
        let s = source.lowercased()
        if analyticsHosts.contains(where: s.contains) { return true }
        let file = s.split(separator: "?")[0].split(separator: "/").last.map(String.init) ?? ""
        return libraryFile(file)
    }

    /// An inline script read whole: an analytics snippet that only loads its tag (and pushes
    /// page views), writing nothing into the page.
    static func isInert(inline text: [UInt8], type: String?) -> Bool {
        if let type = type?.lowercased(), type.contains("json") || type.contains("template") { return true }
        let s = String(decoding: text, as: UTF8.self)
        guard analyticsHosts.contains(where: s.contains) || analyticsCalls.contains(where: s.contains) else { return false }
        return !pageWriters.contains(where: s.contains)
    }

    private static let analyticsHosts = ["hm.baidu.com/hm.js", "zz.bdstatic.com/linksubmit/push.js", "cnzz.com", "js.users.51.la", "51.la/",
                                         "google-analytics.com", "googletagmanager.com"]
    private static let analyticsCalls = ["_hmt.push", "_czc.push", "gtag(", "LA.init("]
    /// What a script that changes the page as a person sees it needs.
    private static let pageWriters = ["innerHTML", "outerHTML", "document.write", "insertAdjacent", "textContent", "innerText",
                                      "createTextNode", ".html(", ".load(", ".append(", ".text(", "XMLHttpRequest", "fetch(", "$.get", "$.ajax"]

    /// The libraries' own files: `jquery.min.js`, `jquery-3.6.0.min.js`, `bootstrap.bundle.min.js`.
    /// A plugin or a site's own file named after them (`jquery.footer.js`, `jquery-ui.js`) may draw.
    private static func libraryFile(_ file: String) -> Bool {
        guard file.hasSuffix(".js") else { return false }
        var stem = Substring(file.dropLast(3))
        for suffix in [".min", ".slim", ".bundle"] where stem.hasSuffix(suffix) { stem = stem.dropLast(suffix.count) }
        return ["jquery", "bootstrap"].contains { name in
            stem == name || stem.hasPrefix(name + "-") && stem.dropFirst(name.count + 1).allSatisfy { $0.isNumber || $0 == "." }
        }
    }
}
