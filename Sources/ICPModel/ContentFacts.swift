/// Where on a page a risk word was seen (SPEC "Content risks"): title and meta come first in
/// details, as they are what a hacked site shows search engines.
public enum RiskPlace: String, Sendable, CaseIterable, Comparable {
    case title, meta, text, link

    private var rank: Int { Self.allCases.firstIndex(of: self) ?? 0 }
    public static func < (a: RiskPlace, b: RiskPlace) -> Bool { a.rank < b.rank }
}

/// One risk word of the list, seen `count` times in one place of a page.
public struct RiskWordHit: Sendable, Equatable {
    public var word: String
    /// gambling, pornography, drugs or fraud.
    public var category: String
    /// The word's weight in the list the page was read with.
    public var weight: Int
    public var place: RiskPlace
    public var count: Int

    public init(word: String, category: String, weight: Int, place: RiskPlace, count: Int) {
        self.word = word
        self.category = category
        self.weight = weight
        self.place = place
        self.count = count
    }
}

/// An `<a href>` to an absolute URL that nothing on the page can bring into view.
public struct HiddenLink: Sendable, Equatable {
    /// As written in the page.
    public var href: String
    /// How it is hidden: `display:none on <div>`, `font-size:0 on <div>`, ….
    public var how: String
    /// The beginning of its text (normalised).
    public var text: String
    /// A risk word its text or URL carries.
    public var riskWord: String?

    public init(href: String, how: String, text: String, riskWord: String? = nil) {
        self.href = href
        self.how = how
        self.text = text
        self.riskWord = riskWord
    }
}
