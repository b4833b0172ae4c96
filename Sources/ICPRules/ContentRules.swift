import ICPDomains
import ICPModel
import ICPNumbers

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
        // Hits come title and meta first: so do the words, their categories and places.
        return [Finding(.contentRiskWords, host: host, .riskWords, [
            PageRules.list("words", page.riskWords.map(\.word), limit: detailItems),
            .terms("categories", PageRules.unique(page.riskWords.map(\.category))),
            .terms("places", PageRules.unique(page.riskWords.map(\.place.rawValue))),
            .text("score", String(score)), .text("threshold", String(riskThreshold)),
        ])]
    }

    private static func hiddenLinks(_ page: PageFacts, _ pageHost: String, _ host: String) -> [Finding] {
        let own = site(of: pageHost)
        let offsite = page.hiddenLinks.filter { link in Link(link.href).map { site(of: $0.host) != own } ?? false }
        let risky = offsite.filter { $0.riskWord != nil }
        guard offsite.count >= hiddenLinkThreshold || !risky.isEmpty else { return [] }
        let how = offsite.map(\.how)
        let facts: [Fact] = [.text("count", String(offsite.count)),
                             PageRules.list("how", how),
                             PageRules.list("urls", (risky + offsite).map(\.href))]
        guard !risky.isEmpty else { return [Finding(.contentHiddenLinks, host: host, .hiddenLinks, facts)] }
        return [Finding(.contentHiddenLinks, host: host, .hiddenLinksRisky,
                        facts + [PageRules.list("words", risky.compactMap(\.riskWord), limit: detailItems)])]
    }

    /// `CONTENT_CLOAKED` (`--cloak-check`): Baiduspider was served another title or links to
    /// other sites than the person, and its page carries risk words or hidden links the person's
    /// does not. nil spider page: not checked, or the spider's request read no page.
    public static func cloaking(person: PageFacts, spider: PageFacts?, pageHost: String, host: String) -> [Finding] {
        guard let spider, person.contentRead, spider.contentRead else { return [] }
        let own = site(of: pageHost)
        let offsite = { (page: PageFacts) in Set(page.linkHosts.map(site(of:)).filter { $0 != own }) }
        let newSites = offsite(spider).subtracting(offsite(person))
        let titleDiffers = Normalizer.normalize(spider.title) != Normalizer.normalize(person.title)
        guard titleDiffers || !newSites.isEmpty else { return [] }
        let newWords = PageRules.unique(spider.riskWords.map(\.word)).filter { w in !person.riskWords.contains { $0.word == w } }
        let newHidden = spider.hiddenLinks.filter { l in !person.hiddenLinks.contains { $0.href == l.href } }
        guard !newWords.isEmpty || !newHidden.isEmpty else { return [] }
        let sites = newSites.sorted()
        return [Finding(.contentCloaked, host: host, .cloaked, [
            .text("spider_title", spider.title), .text("title", person.title),
            PageRules.list("words", newWords, limit: detailItems), PageRules.list("sites", sites, limit: detailItems),
            .text("hidden", String(newHidden.count)),
        ])]
    }

    /// The registrable domain of a host; the host itself when it has none (an address).
    private static func site(of host: String) -> String {
        Domains.registrableDomain(host) ?? host
    }
}
