import ICPModel

/// A finding's detail in the reader's language, written from its sentence (`DetailForm`) and
/// facts with `details.tsv`: Chinese for the compliance staff (the default), English with
/// `--lang en`; numbers, URLs and a server's own words as they were.
public enum Details {
    struct Sentence {
        var zh: String
        var en: String
        func text(_ language: ReportLanguage) -> String { language == .zh ? zh : en }
    }

    /// `form⇥zh⇥en`, `#` comments; vocabulary words as `@word⇥zh⇥en`.
    static let (sentences, vocabulary) = parse(String(decoding: PackageResources.details_tsv, as: UTF8.self))

    static func parse(_ tsv: String) -> (sentences: [DetailForm: Sentence], vocabulary: [String: Sentence]) {
        var sentences: [DetailForm: Sentence] = [:], vocabulary: [String: Sentence] = [:]
        for line in tsv.split(separator: "\n") where !line.hasPrefix("#") {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard f.count == 3 else { preconditionFailure("details.tsv: not form⇥zh⇥en: \(line)") }
            let sentence = Sentence(zh: f[1], en: f[2])
            if f[0].hasPrefix("@") {
                vocabulary[String(f[0].dropFirst())] = sentence
            } else if let form = DetailForm(rawValue: f[0]) {
                sentences[form] = sentence
            } else {
                preconditionFailure("details.tsv: no such form: \(f[0])")
            }
        }
        return (sentences, vocabulary)
    }

    /// The detail of `f` in `language`. A fact its sentence names but the finding lacks is left
    /// out (an empty string); a sentence missing from the table is a defect `DetailsTests` catches.
    public static func text(of f: Finding, in language: ReportLanguage) -> String {
        guard let sentence = sentences[f.form]?.text(language) else { return f.facts.map { write($0.value, language) }.joined(separator: " ") }
        var out = "", rest = Substring(sentence)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            out += rest[..<open]
            let name = String(rest[rest.index(after: open)..<close])
            if let value = f.fact(name) { out += write(value, language) }
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }

    static func write(_ value: Fact.Value, _ language: ReportLanguage) -> String {
        switch value {
        case .text(let text): return text
        case .term(let word): return vocabulary[word]?.text(language) ?? word
        case .terms(let words): return write(.list(words.map { vocabulary[$0]?.text(language) ?? $0 }, more: 0), language)
        case .list(let items, _) where items.isEmpty:
            return language == .zh ? "无" : "none"
        case .list(let items, let more):
            switch language {
            case .zh: return items.joined(separator: "、") + (more > 0 ? " 等\(items.count + more)个" : "")
            case .en: return items.joined(separator: ", ") + (more > 0 ? " and \(more) more" : "")
            }
        }
    }
}

extension Finding {
    /// The detail in `language` (`Details`).
    public func detail(in language: ReportLanguage) -> String { Details.text(of: self, in: language) }
}
