import ICPInventory
import ICPModel
import ICPNumbers
import ICPReport
import ICPRules
import ICPScan

public struct PageCheckConfiguration: Sendable {
    /// A saved HTML page.
    public var file: String
    /// The Content-Type it was served with (its charset counts as a browser's would).
    public var contentType: String?
    /// The filed record; without `icp`, only what was read and the content rules are shown.
    public var icp: String?
    public var serviceName: String?
    public var psb: String?
    /// The host the page was served from: links to other registrable domains are off-site.
    public var host = defaultHost
    public static let defaultHost = "page.invalid"
    public var riskWordsPath: String?
    public var language = ReportLanguage.zh

    public init(file: String) { self.file = file }
}

/// `icpaudit page`: what the scanner reads of one saved page and the page rules' findings on it,
/// as text, the same reading and rules a scan applies to a fetched page.
public enum PageCheck {
    public static func report(_ config: PageCheckConfiguration) throws -> String {
        let words = try RunInputs.riskWords(config.riskWordsPath)
        guard let page = PageReader.read(file: config.file, contentType: config.contentType, riskWords: words) else {
            throw InventoryError(description: "\(config.file): cannot read")
        }
        var out = "title: \(page.title)\n"
        out += "charset: \(page.charset?.name ?? "-") (\(page.charset?.source.rawValue ?? "-"))\n"
        for n in page.numbers {
            out += "\(n.kind.rawValue): \(n.canonical)  \(PageRules.placement(of: n, in: page))  \(n.href.map { "-> \($0)" } ?? "(no link)")\n"
        }
        for n in page.scriptNumbers { out += "in <script> only: \(n.canonical)\n" }
        for h in page.riskWords { out += "risk word: \(h.word) (\(h.category), weight \(h.weight)) in \(h.place.rawValue) ×\(h.count)\n" }
        for l in page.hiddenLinks { out += "hidden link: \(l.href) [\(l.how)] \(l.text)\(l.riskWord.map { " (risk word \($0))" } ?? "")\n" }
        if page.hiddenLinksDropped > 0 { out += "hidden links not kept: \(page.hiddenLinksDropped)\n" }
        let line = { (f: Finding) in "\(f.code.rawValue) [\(f.severity.rawValue)] \(f.detail(in: config.language))\n" }
        for f in ContentRules.evaluate(page, pageHost: config.host, host: config.host) { out += line(f) }
        guard let icp = config.icp else { return out }
        guard let number = RecordNumber.parse(icp) else { throw InventoryError(description: "--icp: not an ICP record number: '\(icp)'") }
        let filed = FiledSite(icp: number, psbCode: config.psb.map(RecordNumber.psbCode) ?? "", serviceName: config.serviceName ?? "")
        let findings = PageRules.evaluate(page, against: filed, host: config.file)
        if findings.isEmpty { out += "no findings\n" }
        for f in findings { out += line(f) }
        return out
    }
}
