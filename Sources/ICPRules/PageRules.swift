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
            return [Finding(.pagePlaceholder, host: host, .placeholder, [what == Placeholders.emptyPage ? .term("page", what) : .text("page", what)])]
        }
        let icpScripted = scripted(page, psb: false), psbScripted = scripted(page, psb: true)
        // A browser may well show what static reading cannot see: a warning, never an error a
        // browser would contradict; what is shown statically is still judged.
        var out: [Finding] = []
        if icpScripted || psbScripted {
            let inScripts = page.scriptNumbers.filter { icpScripted && $0.kind != .psb || psbScripted && $0.kind == .psb }
            out.append(inScripts.isEmpty
                ? Finding(.pageScriptRendered, host: host, .scriptShell,
                          [.text("characters", String(page.shownCharacters)), .text("scripts", String(page.scriptCount))])
                : Finding(.pageScriptRendered, host: host, .scriptNumbers, [list("numbers", inScripts.map(\.canonical))]))
            // A shell's title may be a script's too: nothing else about it is known.
            if icpScripted && page.isScriptShell { return out }
        }
        if !icpScripted { out += icpFindings(page, filed, host) }
        if !psbScripted { out += psbFindings(page, filed, host) }
        return out + titleFindings(page, filed, host)
    }

    /// No ICP (or PSB) number is in the page's markup, and scripts may draw one: it is inside
    /// a script, or the page is a script shell. Never for a rendered page: it was run.
    static func scripted(_ page: PageFacts, psb: Bool) -> Bool {
        let kind = { (n: ShownNumber) in (n.kind == .psb) == psb }
        guard !page.rendered, !page.numbers.contains(where: kind), !page.hiddenNumbers.contains(where: kind) else { return false }
        return page.scriptNumbers.contains(where: kind) || page.isScriptShell
    }

    /// Where a number sits: `footer` (a footer element), `bottom` (the last part of the page's
    /// text) or `body` (anywhere else; it still counts as shown).
    public static func placement(of n: ShownNumber, in page: PageFacts) -> String {
        if n.inFooter { return "footer" }
        return page.textLength - n.offset <= bottomBytes ? "bottom" : "body"
    }

    /// A few items, then how many more: details stay short whatever a page lists.
    static func list(_ name: String, _ items: [String], more: Int = 0, limit: Int = detailNumbers) -> Fact {
        let distinct = unique(items)
        return .list(name, Array(distinct.prefix(limit)), more: distinct.count - min(distinct.count, limit) + more)
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
                out.append(Finding(.icpSubjectLevel, host: host, .icpSubjectLevel,
                                   [.text("shown", filed.icp.subjectLevel), .text("filed", "\(filed.icp)")]))
            }
            judged = subjectOnly
        } else if !records.isEmpty || !licences.isEmpty || !services.isEmpty {
            // The footer's numbers first: they are what the notice is about.
            let byPlace = (records + licences + services).sorted { $0.inFooter && !$1.inFooter }
            let shown = list("shown", byPlace.map(\.canonical), more: page.numbersDropped), filedNumber = Fact.text("filed", "\(filed.icp)")
            let serviceNumbers = byPlace.filter { $0.service != nil }.map(\.canonical)
            out.append(serviceNumbers.isEmpty
                ? Finding(.icpWrong, host: host, .icpWrong, [shown, filedNumber])
                : Finding(.icpWrong, host: host, .icpWrongService, [shown, filedNumber, list("services", serviceNumbers)]))
            judged = records.isEmpty ? (licences.isEmpty ? services : licences) : records
        } else {
            out.append(missing(.icpMissing, page.hiddenNumbers.filter { $0.kind != .psb }, page, host: host,
                               otherwise: .icpMissing, [.text("filed", "\(filed.icp)")]))
            return out
        }
        if judged.contains(where: { $0.href.map(LinkRules.isMIITHome) ?? false }) { return out }
        let first = judged[0]
        if let wrong = judged.first(where: \.isLinked) {
            out.append(Finding(.icpLinkWrong, host: host, .icpLinkWrong,
                               [.text("number", wrong.canonical), .text("href", wrong.href?.trimmingWhitespace() ?? "")]))
        } else {
            out.append(Finding(.icpNotLinked, host: host, .icpNotLinked,
                               [.text("number", first.canonical), .term("place", placement(of: first, in: page))]))
        }
        return out
    }

    /// A missing number's finding: where a hidden copy is and how the markup hides it, else `otherwise`.
    private static func missing(_ code: FindingCode, _ hidden: [ShownNumber], _ page: PageFacts, host: String,
                                otherwise: DetailForm, _ facts: [Fact] = []) -> Finding {
        guard let h = hidden.first else { return Finding(code, host: host, otherwise, facts) }
        return Finding(code, host: host, .numberHidden, [.text("number", h.canonical), .term("place", placement(of: h, in: page)),
                                                         h.hiddenBy.map { .text("how", $0) } ?? .term("how", "markup")])
    }

    private static func psbFindings(_ page: PageFacts, _ filed: FiledSite, _ host: String) -> [Finding] {
        let shown = page.numbers.filter { $0.kind == .psb }
        guard let first = shown.first else {
            return [missing(.psbMissing, page.hiddenNumbers.filter { $0.kind == .psb }, page, host: host, otherwise: .psbMissing)]
        }
        var out: [Finding] = []
        let wrongCode = !filed.psbCode.isEmpty && !shown.contains(where: { $0.digits == filed.psbCode })
        let wrongLinks = shown.compactMap { n in
            n.href.flatMap(LinkRules.psbCode(inLink:)).flatMap { $0 == n.digits ? nil : "\(n.text) → \($0)" }
        }
        let codeFacts: [Fact] = [list("shown", shown.map(\.text)), .text("filed", filed.psbCode)], linkFacts = [list("links", wrongLinks)]
        switch (wrongCode, wrongLinks.isEmpty) {
        case (true, true): out.append(Finding(.psbWrong, host: host, .psbWrongCode, codeFacts))
        case (false, false): out.append(Finding(.psbWrong, host: host, .psbWrongLink, linkFacts))
        case (true, false): out.append(Finding(.psbWrong, host: host, .psbWrongBoth, codeFacts + linkFacts))
        case (false, true): break
        }
        if !shown.contains(where: { $0.href.map(LinkRules.isPSBPlatform) ?? false }) {
            out.append(shown.first(where: \.isLinked).map {
                Finding(.psbNotLinked, host: host, .psbLinkWrong, [.text("number", $0.text), .text("href", $0.href?.trimmingWhitespace() ?? "")])
            } ?? Finding(.psbNotLinked, host: host, .psbNotLinked, [.text("number", first.text)]))
        }
        return out
    }

    private static func titleFindings(_ page: PageFacts, _ filed: FiledSite, _ host: String) -> [Finding] {
        var out: [Finding] = []
        let title = Normalizer.normalize(page.title)
        let name = Normalizer.normalize(filed.serviceName)
        if !name.isEmpty && ByteSearch.find(name, in: title) == nil {
            let filedName = Fact.text("name", filed.serviceName)
            out.append(page.title.isEmpty ? Finding(.titleMismatch, host: host, .titleMissing, [filedName])
                                          : Finding(.titleMismatch, host: host, .titleMismatch, [.text("title", page.title), filedName]))
        }
        let restricted = restrictedTitleWords.filter { word in
            let w = Normalizer.normalize(word)
            return ByteSearch.find(w, in: title) != nil && ByteSearch.find(w, in: name) == nil
        }
        if !restricted.isEmpty {
            out.append(Finding(.titleRestricted, host: host, .titleRestricted, [.list("words", restricted)]))
        }
        return out
    }

    public static func unique(_ items: [String]) -> [String] {
        var seen = Set<String>()
        return items.filter { seen.insert($0).inserted }
    }
}
