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

/// The page rules of SPEC: PAGE_PLACEHOLDER, PAGE_SCRIPT_RENDERED, ICP_*, PSB_* and TITLE_*.
public enum PageRules {
    /// Title words that need approval (SPEC), unless the filed service name carries them.
    public static let restrictedTitleWords = ["中国", "中华", "全国", "国家", "国际", "中央", "新闻", "论坛", "政府"]
    /// The province whose sites may show the subject-level number.
    public static let subjectLevelProvince = "粤"
    /// Text at the end of the page that counts as its bottom even outside a footer element.
    static let bottomBytes = 4096
    /// Numbers a detail names before it says "and N more".
    static let detailNumbers = 3

    public static func evaluate(_ page: PageFacts, against filed: FiledSite, host: String) -> [Finding] {
        // A placeholder stands for the page's other findings (SPEC): there is no page to judge.
        if let what = Placeholders.match(page) {
            return [Finding(.pagePlaceholder, host: host, detail: "\(what): the site shows no real content")]
        }
        let icpScripted = scripted(page, psb: false), psbScripted = scripted(page, psb: true)
        // A browser may well show what static reading cannot see: a warning, never an error a
        // browser would contradict; what is shown statically is still judged.
        var out: [Finding] = []
        if icpScripted || psbScripted {
            let inScripts = page.scriptNumbers.filter { icpScripted && $0.kind != .psb || psbScripted && $0.kind == .psb }
            let what = inScripts.isEmpty
                ? "page is a script-rendered shell (\(page.shownCharacters) characters of text, \(page.scriptCount) scripts)"
                : "\(list(inScripts.map(\.canonical))) written only by scripts"
            out.append(Finding(.pageScriptRendered, host: host, detail: "\(what); not rendered, so not judged"))
            // A shell's title may be a script's too: nothing else about it is known.
            if icpScripted && isScriptShell(page) { return out }
        }
        if !icpScripted { out += icpFindings(page, filed, host) }
        if !psbScripted { out += psbFindings(page, filed, host) }
        return out + titleFindings(page, filed, host)
    }

    /// Little text of its own, and scripts that may draw more (analytics tags and libraries on
    /// their own cannot).
    public static func isScriptShell(_ page: PageFacts) -> Bool {
        page.scriptCount > page.inertScripts && page.shownCharacters < PageFacts.shellCharacters
    }

    /// No ICP (or PSB) number is in the page's markup, and scripts may draw one: it is inside
    /// a script, or the page is a script shell. Never for a rendered page: it was run.
    static func scripted(_ page: PageFacts, psb: Bool) -> Bool {
        let kind = { (n: ShownNumber) in (n.kind == .psb) == psb }
        guard !page.rendered, !page.numbers.contains(where: kind), !page.hiddenNumbers.contains(where: kind) else { return false }
        return page.scriptNumbers.contains(where: kind) || isScriptShell(page)
    }

    /// Where a number sits: `footer` (a footer element), `bottom` (the last part of the page's
    /// text) or `body` (anywhere else; it still counts as shown).
    public static func placement(of n: ShownNumber, in page: PageFacts) -> String {
        if n.inFooter { return "footer" }
        return page.textLength - n.offset <= bottomBytes ? "bottom" : "body"
    }

    /// A few items, then how many more: details stay short whatever a page lists.
    static func list(_ items: [String], more: Int = 0) -> String {
        let distinct = unique(items)
        let shown = distinct.prefix(detailNumbers).joined(separator: ", ")
        let rest = distinct.count - min(distinct.count, detailNumbers) + more
        return rest > 0 ? "\(shown) and \(rest) more" : shown
    }

    private static func icpFindings(_ page: PageFacts, _ filed: FiledSite, _ host: String) -> [Finding] {
        var out: [Finding] = []
        let records = page.numbers.filter { $0.kind == .record && $0.service == nil }
        let services = page.numbers.filter { $0.service != nil }
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
        } else if !records.isEmpty || !licences.isEmpty || !services.isEmpty {
            // The footer's numbers first: they are what the notice is about.
            let byPlace = (records + licences + services).sorted { $0.inFooter && !$1.inFooter }
            let shown = byPlace.map { n in n.service.map { "\(n.canonical) (\($0.name) service number)" } ?? n.canonical }
            out.append(Finding(.icpWrong, host: host,
                               detail: "shows \(list(shown, more: page.numbersDropped)), filed number is \(filed.icp)"))
            judged = records.isEmpty ? (licences.isEmpty ? services : licences) : records
        } else {
            out.append(Finding(.icpMissing, host: host, detail: missingDetail(page.hiddenNumbers.filter { $0.kind != .psb }, page,
                                                                              shown: "no ICP number shown on the page (filed \(filed.icp))")))
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

    /// A missing number's detail: where a hidden copy is and how the markup hides it.
    private static func missingDetail(_ hidden: [ShownNumber], _ page: PageFacts, shown: String) -> String {
        guard let h = hidden.first else { return shown }
        return "\(h.canonical) is in the page's \(placement(of: h, in: page)) but hidden from a person: \(h.hiddenBy ?? "hidden by its markup")"
    }

    private static func psbFindings(_ page: PageFacts, _ filed: FiledSite, _ host: String) -> [Finding] {
        let shown = page.numbers.filter { $0.kind == .psb }
        guard let first = shown.first else {
            return [Finding(.psbMissing, host: host, detail: missingDetail(page.hiddenNumbers.filter { $0.kind == .psb }, page,
                                                                           shown: "no 公安备案号 shown on the page"))]
        }
        var out: [Finding] = []
        var wrong: [String] = []
        if !filed.psbCode.isEmpty && !shown.contains(where: { $0.digits == filed.psbCode }) {
            wrong.append("shows \(list(shown.map(\.text))), filed code is \(filed.psbCode)")
        }
        for n in shown {
            if let href = n.href, let code = LinkRules.psbCode(inLink: href), code != n.digits {
                wrong.append("\(n.text) links to record code \(code)")
            }
        }
        if !wrong.isEmpty { out.append(Finding(.psbWrong, host: host, detail: list(wrong))) }
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
        if !name.isEmpty && ByteSearch.find(name, in: title) == nil {
            out.append(Finding(.titleMismatch, host: host, detail: page.title.isEmpty
                ? "page has no title; filed service name is \(filed.serviceName)"
                : "title \(page.title) does not contain the filed service name \(filed.serviceName)"))
        }
        let restricted = restrictedTitleWords.filter { word in
            let w = Normalizer.normalize(word)
            return ByteSearch.find(w, in: title) != nil && ByteSearch.find(w, in: name) == nil
        }
        if !restricted.isEmpty {
            out.append(Finding(.titleRestricted, host: host,
                               detail: "title uses restricted words \(restricted.joined(separator: "、")) not in the filed service name"))
        }
        return out
    }

    public static func unique(_ items: [String]) -> [String] {
        var seen = Set<String>()
        return items.filter { seen.insert($0).inserted }
    }
}
