import ICPModel
import ICPNumbers

/// What a page is judged against: the inventory row it belongs to.
public struct FiledSite: Sendable {
    public var icp: RecordNumber
    public var psbCode: String
    public var serviceName: String

    public init(icp: RecordNumber, psbCode: String, serviceName: String) {
        self.icp = icp
        self.psbCode = psbCode
        self.serviceName = serviceName
    }
}

/// The page rules of SPEC: ICP_*, PSB_*, TITLE_* and PAGE_SCRIPT_RENDERED.
public enum PageRules {
    /// Title words that need approval (SPEC), unless the filed service name carries them.
    public static let restrictedTitleWords = ["中国", "中华", "全国", "国家", "国际", "中央", "新闻", "论坛", "政府"]
    /// The province whose sites may show the subject-level number.
    public static let subjectLevelProvince = "粤"
    /// Text at the end of the page that counts as its bottom even outside a footer element.
    static let bottomBytes = 4096
    /// A page showing less text than this while carrying scripts is a script-rendered shell.
    static let shellCharacters = 200

    public static func evaluate(_ page: PageFacts, against filed: FiledSite, host: String) -> [Finding] {
        var findings: [Finding] = []
        findings += icpFindings(page, filed, host)
        findings += psbFindings(page, filed, host)
        findings += titleFindings(page, filed, host)
        return findings
    }

    public static func isScriptShell(_ page: PageFacts) -> Bool {
        page.scriptCount > 0 && page.shownCharacters < shellCharacters
    }

    /// Where a number sits: `footer` (a footer element), `bottom` (the last part of the page's
    /// text) or `body` (anywhere else; it still counts as shown).
    public static func placement(of n: ShownNumber, in page: PageFacts) -> String {
        if n.inFooter { return "footer" }
        return page.textLength - n.offset <= bottomBytes ? "bottom" : "body"
    }

    private static func icpFindings(_ page: PageFacts, _ filed: FiledSite, _ host: String) -> [Finding] {
        var out: [Finding] = []
        let records = page.numbers.filter { $0.kind == .record }
        let licences = page.numbers.filter { $0.kind == .licence }
        let sameSubject = records.filter { $0.province == filed.icp.province && $0.digits == filed.icp.digits }
        let exact = sameSubject.filter { filed.icp.suffix == nil || $0.suffix == filed.icp.suffix }
        let subjectOnly = sameSubject.filter { $0.suffix == nil }
        let judged: [ShownNumber]
        if !exact.isEmpty {
            judged = exact
        } else if !subjectOnly.isEmpty {
            if filed.icp.province != subjectLevelProvince {
                out.append(Finding(.icpSubjectLevel, host: host,
                                   detail: "shows subject-level \(filed.icp.subjectLevel), filed site number is \(filed.icp)"))
            }
            judged = subjectOnly
        } else if !records.isEmpty || !licences.isEmpty {
            let shown = unique((records + licences).map(\.canonical)).joined(separator: ", ")
            out.append(Finding(.icpWrong, host: host, detail: "shows \(shown), filed number is \(filed.icp)"))
            judged = records.isEmpty ? licences : records
        } else {
            let inScript = page.scriptNumbers.contains { $0.kind != .psb }
            out.append(Finding(.icpMissing, host: host, detail: inScript
                ? "\(filed.icp) not shown: an ICP number exists only inside <script>"
                : "no ICP number shown on the page (filed \(filed.icp))"))
            if isScriptShell(page) {
                out.append(Finding(.pageScriptRendered, host: host,
                                   detail: "page is a script-rendered shell (\(page.shownCharacters) characters of text, \(page.scriptCount) scripts)"))
            }
            return out
        }
        if judged.contains(where: { $0.href.map(LinkRules.isMIITHome) ?? false }) { return out }
        let first = judged[0]
        if let wrong = judged.first(where: \.isLinked) {
            out.append(Finding(.icpLinkWrong, host: host,
                               detail: "\(wrong.canonical) links to \(wrong.href!.trimmingWhitespace()), not https://beian.miit.gov.cn/"))
        } else {
            out.append(Finding(.icpNotLinked, host: host,
                               detail: "\(first.canonical) shown in \(placement(of: first, in: page)) without a link"))
        }
        return out
    }

    private static func psbFindings(_ page: PageFacts, _ filed: FiledSite, _ host: String) -> [Finding] {
        let shown = page.numbers.filter { $0.kind == .psb }
        guard let first = shown.first else {
            let inScript = page.scriptNumbers.contains { $0.kind == .psb }
            return [Finding(.psbMissing, host: host, detail: inScript
                ? "公安备案号 exists only inside <script>" : "no 公安备案号 shown on the page")]
        }
        var out: [Finding] = []
        var wrong: [String] = []
        if !filed.psbCode.isEmpty && !shown.contains(where: { $0.digits == filed.psbCode }) {
            wrong.append("shows \(unique(shown.map(\.text)).joined(separator: ", ")), filed code is \(filed.psbCode)")
        }
        for n in shown {
            if let href = n.href, let code = LinkRules.psbCode(inLink: href), code != n.digits {
                wrong.append("\(n.text) links to record code \(code)")
            }
        }
        if !wrong.isEmpty { out.append(Finding(.psbWrong, host: host, detail: unique(wrong).joined(separator: "; "))) }
        if !shown.contains(where: { $0.href.map(LinkRules.isPSBPlatform) ?? false }) {
            let linked = shown.first(where: \.isLinked)
            out.append(Finding(.psbNotLinked, host: host, detail: linked.map {
                "\($0.text) links to \($0.href!.trimmingWhitespace()), not the public-security platform"
            } ?? "\(first.text) shown without a link"))
        }
        return out
    }

    private static func titleFindings(_ page: PageFacts, _ filed: FiledSite, _ host: String) -> [Finding] {
        var out: [Finding] = []
        let title = Normalizer.normalize(page.title)
        let name = Normalizer.normalize(filed.serviceName)
        if !name.isEmpty && !contains(title, name) {
            out.append(Finding(.titleMismatch, host: host, detail: page.title.isEmpty
                ? "page has no title; filed service name is \(filed.serviceName)"
                : "title \(page.title) does not contain the filed service name \(filed.serviceName)"))
        }
        let restricted = restrictedTitleWords.filter { word in
            let w = Normalizer.normalize(word)
            return contains(title, w) && !contains(name, w)
        }
        if !restricted.isEmpty {
            out.append(Finding(.titleRestricted, host: host,
                               detail: "title uses restricted words \(restricted.joined(separator: "、")) not in the filed service name"))
        }
        return out
    }

    private static func contains(_ hay: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty else { return true }
        guard hay.count >= needle.count else { return false }
        for i in 0...(hay.count - needle.count) where hay[i] == needle[0] {
            if hay[i..<i + needle.count].elementsEqual(needle) { return true }
        }
        return false
    }

    public static func unique(_ items: [String]) -> [String] {
        var seen = Set<String>()
        return items.filter { seen.insert($0).inserted }
    }
}
