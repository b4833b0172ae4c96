import ICPInventory
import ICPModel

/// The content-risk rules of SPEC "Content risks": CONTENT_RISK_WORDS and CONTENT_HIDDEN_LINKS,
/// over the risk words and hidden links the scanner recorded (it observes; this judges).
public enum ContentRules {
    /// Weighted risk-word hits at which CONTENT_RISK_WORDS is raised: one spam-only word (weight
    /// 10) in the title or meta, or two in the text; a news headline naming one is not enough.
    public static let riskThreshold = 20
    /// Occurrences of one word in one place that count: a page repeating a word is still one page.
    static let countedOccurrences = 3
    /// Hidden off-site links at which CONTENT_HIDDEN_LINKS is raised (one is enough with a risk word).
    public static let hiddenLinkThreshold = 3
    static let detailItems = 5

    /// - Parameters:
    ///   - pageHost: the host whose page this is (where the walk ended): links to its registrable
    ///     domain are the site's own.
    public static func evaluate(_ page: PageFacts, pageHost: String, host: String) -> [Finding] {
        guard page.contentRead else { return [] }
        return riskWords(page, host) + hiddenLinks(page, pageHost, host)
    }

    /// Title and meta count double: they are what a hacked site shows search engines.
    public static func score(_ hits: [RiskWordHit]) -> Int {
        hits.reduce(0) { sum, h in sum + h.weight * min(h.count, countedOccurrences) * (h.place <= .meta ? 2 : 1) }
    }

    private static func riskWords(_ page: PageFacts, _ host: String) -> [Finding] {
        let score = score(page.riskWords)
        guard score >= riskThreshold else { return [] }
        // One item per word, its places in order (hits come title and meta first).
        var words: [(word: String, category: String, places: [String])] = []
        for h in page.riskWords {
            let place = h.place.rawValue + (h.count > 1 ? " ×\(h.count)" : "")
            if let i = words.firstIndex(where: { $0.word == h.word }) { words[i].places.append(place) } else { words.append((h.word, h.category, [place])) }
        }
        let shown = words.prefix(detailItems).map { "\($0.word) (\($0.category)) in \($0.places.joined(separator: ", "))" }
        let more = words.count - shown.count
        let categories = PageRules.unique(words.map(\.category)).joined(separator: ", ")
        var detail = "risk words of \(categories), weighted \(score) (threshold \(riskThreshold)): \(shown.joined(separator: "; "))"
        if more > 0 { detail += "; and \(more) more words" }
        if page.riskWordsDropped > 0 { detail += " (\(page.riskWordsDropped) more hits not itemised)" }
        return [Finding(.contentRiskWords, host: host, detail: detail)]
    }

    private static func hiddenLinks(_ page: PageFacts, _ pageHost: String, _ host: String) -> [Finding] {
        let own = site(of: pageHost)
        let offsite = page.hiddenLinks.filter { link in Link(link.href).map { site(of: $0.host) != own } ?? false }
        let risky = offsite.filter { $0.riskWord != nil }
        guard offsite.count >= hiddenLinkThreshold || !risky.isEmpty else { return [] }
        let how = PageRules.unique(offsite.map(\.how))
        var detail = "\(offsite.count) hidden link\(offsite.count == 1 ? "" : "s") to other sites"
        if page.hiddenLinksDropped > 0 { detail += " (and \(page.hiddenLinksDropped) more hidden links not examined)" }
        detail += ", hidden by \(how.prefix(3).joined(separator: "; "))\(how.count > 3 ? " and \(how.count - 3) more ways" : "")"
        if !risky.isEmpty { detail += "; risk words \(PageRules.unique(risky.compactMap(\.riskWord)).prefix(detailItems).joined(separator: "、"))" }
        detail += ": " + PageRules.list((risky + offsite).map { $0.href })
        return [Finding(.contentHiddenLinks, host: host, detail: detail)]
    }

    /// The registrable domain of a host; the host itself when it has none (an address).
    private static func site(of host: String) -> String {
        Domains.registrableDomain(host) ?? host
    }
}
