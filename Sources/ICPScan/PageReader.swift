#if canImport(Glibc)
import Glibc
#endif
import ICPModel
import ICPNumbers

/// A page scanner wired to the number collectors: feed it bytes, then take the facts.
public final class PageReader {
    private let visible: NumberCollector
    private let scripts: NumberCollector
    private let hidden: NumberCollector
    private let scanner: PageScanner
    private let riskWords: RiskWords
    /// A page with less text than this keeps its beginning (`PageFacts.sample`).
    static let sampledTextLength = 8192

    /// - Parameters:
    ///   - keepDigits: digit codes of the numbers to keep however many the page lists.
    ///   - riskWords: the list visible text, link texts, title and meta are matched against.
    public init(contentType: String?, keepDigits: Set<String> = [], riskWords: RiskWords = .standard) {
        self.riskWords = riskWords
        visible = NumberCollector(keepDigits: keepDigits)
        visible.words = RiskWordScan(riskWords)
        scripts = NumberCollector(keepDigits: keepDigits)
        let concealments = Concealments()
        hidden = NumberCollector(keepDigits: keepDigits) { concealments.scanner?.concealments[$0 - 1] }
        scanner = PageScanner(contentType: contentType, visible: visible, script: scripts, hidden: hidden)
        concealments.scanner = scanner
    }

    public func feed(_ chunk: UnsafeRawBufferPointer) { scanner.feed(chunk) }

    public func finish() -> PageFacts {
        scanner.finish()
        visible.finish()
        scripts.finish()
        hidden.finish()
        var page = PageFacts(title: Self.displayTitle(scanner.title), numbers: visible.numbers,
                             scriptNumbers: scripts.numbers, shownCharacters: visible.shownCharacters,
                             textLength: visible.textLength, scriptCount: scanner.scriptCount,
                             charset: scanner.charset)
        page.hiddenNumbers = hidden.numbers
        page.numbersDropped = visible.dropped
        page.images = scanner.images
        page.inertScripts = scanner.inertScripts
        page.scriptsDigest = scanner.scriptsDigest
        page.mobileSignals = scanner.mobileSignals
        if var words = visible.words {
            words.feed(scanner.title, place: .title)
            for meta in scanner.metaTexts { words.feed(meta, place: .meta) }
            (page.riskWords, page.riskWordsDropped) = words.finish()
        }
        page.hiddenLinks = scanner.hiddenLinks.map { link in
            let text = String(decoding: link.text, as: UTF8.self).split(whereSeparator: \.isWhitespace).joined(separator: " ")
            return HiddenLink(href: link.href, how: link.how, text: text,
                              riskWord: riskWords.firstWord(in: text) ?? riskWords.firstWord(in: link.href))
        }
        page.hiddenLinksDropped = scanner.hiddenLinksDropped
        page.linkHosts = scanner.linkHosts
        // Hidden link blocks inline scripts write as literal markup (read without their scripts).
        let written = Array(scanner.scriptSamples.flatMap(ScriptWrites.html(in:)).prefix(ScriptWrites.maxBytes))
        if !written.isEmpty {
            let inner = PageReader.read(written, contentType: "text/html; charset=utf-8", riskWords: riskWords)
            for var link in inner.hiddenLinks {
                guard page.hiddenLinks.count < PageScanner.maxHiddenLinks else { page.hiddenLinksDropped += 1; continue }
                link.how += ", written by document.write"
                page.hiddenLinks.append(link)
            }
            page.hiddenLinksDropped += inner.hiddenLinksDropped
        }
        if visible.textLength <= Self.sampledTextLength { page.sample = String(decoding: visible.sample, as: UTF8.self) }
        let shell = page.shownCharacters < PageFacts.shellCharacters
        // A frameset shows its frames; otherwise one iframe that fills the page, or the only
        // iframe of a page with no text of its own.
        if !scanner.frames.isEmpty {
            page.frames = scanner.frames
        } else if let full = scanner.iframes.first(where: \.fullPage) ?? (shell && scanner.iframes.count == 1 ? scanner.iframes.first : nil) {
            page.frames = [full.src]
        }
        page.redirect = scanner.refresh
        for sample in scanner.scriptSamples {
            let found = ScriptRedirects.find(in: sample)
            if page.redirect == nil, shell, page.frames.isEmpty, let url = found.url {
                page.redirect = PageRedirect(kind: .script, url: url)
            }
            if page.conditionalRedirect == nil, let condition = found.condition {
                page.conditionalRedirect = condition
                page.mobileSignals.append("redirect script testing \(condition)")
            }
        }
        return page
    }

    /// Lets the hidden-text collector ask the scanner, made after it, how a region is hidden.
    private final class Concealments {
        unowned(unsafe) var scanner: PageScanner?
    }

    /// The title as a person reads it: whitespace runs collapsed, trimmed.
    public static func displayTitle(_ raw: String) -> String {
        raw.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    /// Streams a saved page from disk in the chunks curl would hand over; nil if unreadable.
    public static func read(file path: String, contentType: String? = nil, riskWords: RiskWords = .standard) -> PageFacts? {
        guard let f = fopen(path, "rb") else { return nil }
        defer { fclose(f) }
        let reader = PageReader(contentType: contentType, riskWords: riskWords)
        var chunk = [UInt8](repeating: 0, count: 16384)
        while case let n = chunk.withUnsafeMutableBytes({ fread($0.baseAddress, 1, $0.count, f) }), n > 0 {
            chunk.withUnsafeBytes { reader.feed(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
        return reader.finish()
    }

    /// Reads a whole page held in memory (tests, benchmarks).
    public static func read(_ bytes: [UInt8], contentType: String? = nil, chunkSize: Int = 16384, riskWords: RiskWords = .standard) -> PageFacts {
        let reader = PageReader(contentType: contentType, riskWords: riskWords)
        bytes.withUnsafeBytes { all in
            var i = 0
            while i < all.count {
                let n = min(chunkSize, all.count - i)
                reader.feed(UnsafeRawBufferPointer(rebasing: all[i..<i + n]))
                i += n
            }
        }
        return reader.finish()
    }
}
