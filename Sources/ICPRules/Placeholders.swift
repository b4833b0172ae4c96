import ICPModel
import ICPNumbers

/// Pages that show no real content (SPEC `PAGE_PLACEHOLDER`): an empty page, and the default
/// pages people leave up, recognised by the signatures in `placeholders.tsv` (data, each entry
/// with its source).
public enum Placeholders {
    struct Signature {
        var name: String
        var inTitle: Bool
        var phrase: [UInt8]
        /// The most text (bytes) a page may have for the signature to apply (0: any).
        var maxText: Int
    }

    /// `name⇥where⇥phrase⇥max_text⇥source`, `#` comments.
    static let signatures: [Signature] = parse(String(decoding: PackageResources.placeholders_tsv, as: UTF8.self))

    static func parse(_ tsv: String) -> [Signature] {
        tsv.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#") else { return nil }
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard f.count >= 4, f[1] == "title" || f[1] == "text", let maxText = Int(f[3].trimmingWhitespace()) else {
                preconditionFailure("placeholders.tsv: bad line: \(line)")
            }
            return Signature(name: String(f[0]), inTitle: f[1] == "title", phrase: fold(String(f[2])), maxText: maxText)
        }
    }

    /// What `match` calls a page with nothing in it: a word of the details' vocabulary.
    public static let emptyPage = "empty page"

    /// What the page is when it is a placeholder (`nginx default page`, `empty page`); nil otherwise.
    public static func match(_ page: PageFacts) -> String? {
        if page.shownCharacters == 0 && page.scriptCount == 0 && page.images == 0 && page.frames.isEmpty && page.redirect == nil {
            return emptyPage
        }
        let title = fold(page.title)
        let text = fold(page.sample)
        for s in signatures where s.maxText == 0 || page.textLength <= s.maxText {
            if s.inTitle ? ByteSearch.find(s.phrase, in: title) != nil : ByteSearch.find(s.phrase, in: text) != nil { return s.name }
        }
        return nil
    }

    /// Normalised (SPEC "Numbers": whitespace dropped, full-width folded) and ASCII lower-cased.
    static func fold(_ s: String) -> [UInt8] {
        Normalizer.normalize(s).map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }
    }
}
