#if canImport(Glibc)
import Glibc
#endif
import ICPModel
import ICPNumbers

/// A page scanner wired to the number collectors: feed it bytes, then take the facts.
public final class PageReader {
    private let visible = NumberCollector()
    private let scripts = NumberCollector()
    private let scanner: PageScanner

    public init(contentType: String?) {
        scanner = PageScanner(contentType: contentType, visible: visible, script: scripts)
    }

    public func feed(_ chunk: UnsafeRawBufferPointer) { scanner.feed(chunk) }

    public func finish() -> PageFacts {
        scanner.finish()
        visible.finish()
        scripts.finish()
        return PageFacts(title: Self.displayTitle(scanner.title), numbers: visible.numbers,
                         scriptNumbers: scripts.numbers, shownCharacters: visible.shownCharacters,
                         textLength: visible.textLength, scriptCount: scanner.scriptCount,
                         charset: scanner.charset)
    }

    /// The title as a person reads it: whitespace runs collapsed, trimmed.
    public static func displayTitle(_ raw: String) -> String {
        raw.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    /// Streams a saved page from disk in the chunks curl would hand over; nil if unreadable.
    public static func read(file path: String, contentType: String? = nil) -> PageFacts? {
        guard let f = fopen(path, "rb") else { return nil }
        defer { fclose(f) }
        let reader = PageReader(contentType: contentType)
        var chunk = [UInt8](repeating: 0, count: 16384)
        while case let n = chunk.withUnsafeMutableBytes({ fread($0.baseAddress, 1, $0.count, f) }), n > 0 {
            chunk.withUnsafeBytes { reader.feed(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
        return reader.finish()
    }

    /// Reads a whole page held in memory (tests, benchmarks).
    public static func read(_ bytes: [UInt8], contentType: String? = nil, chunkSize: Int = 16384) -> PageFacts {
        let reader = PageReader(contentType: contentType)
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
