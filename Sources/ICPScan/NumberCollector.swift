import ICPModel
import ICPNumbers

/// Finds filing numbers in page text as it streams in. Text is normalised into a window that
/// is matched and compacted as it fills, so memory stays bounded whatever the page's length;
/// numbers split across elements or chunks are still found because the window spans them.
///
/// A page may list hundreds of numbers (a directory of partner sites): every number in a footer
/// region (up to `maxKept` in all) and every number carrying one of `keepDigits` (the filed ones)
/// is kept, of the others
/// the first `maxLeading` and the last `maxTrailing` (the bottom of the page), and the rest
/// only counted.
public final class NumberCollector: TextSink {
    /// Length of the page's normalised text so far, in bytes.
    public private(set) var textLength = 0
    /// Characters that are not separators: how much text the page shows.
    public private(set) var shownCharacters = 0
    /// Numbers seen and not kept.
    public private(set) var dropped = 0
    /// The first `maxSample` bytes of the normalised text.
    public private(set) var sample: [UInt8] = []

    public static let maxLeading = 192, maxTrailing = 64, maxKept = 1024
    /// Occurrences of the filed numbers kept beyond `maxKept` (a page repeating them endlessly).
    public static let maxFiled = 64
    private var filedKept = 0
    public static let maxSample = 1024
    private let keepDigits: Set<String>
    private let describeHidden: ((Int) -> String?)?
    /// Kept for sure (footer, filed, or among the first), in page order.
    private var kept: [ShownNumber] = []
    private var leading = 0
    /// The latest others, oldest first: the page's bottom when it ends.
    private var trailing: [ShownNumber] = []
    /// Window size at which matching runs, and the tail kept back for a number that may be cut.
    static let window = 8192
    static let tail = 512

    private var buffer: [UInt8] = []
    /// Absolute offset of `buffer[0]` in the normalised text.
    private var base = 0
    /// Where each run of text with one place begins (absolute offsets, ascending), and the
    /// href of its anchor.
    private var spans: [(start: Int, place: TextPlace, href: String?)] = []
    /// The place of the last run, to notice a change without touching `spans` per call.
    private var currentPlace = TextPlace(anchor: -1, inFooter: false)
    /// The anchor opened last: text inside an anchor belongs to it, as anchors do not nest.
    private var lastAnchor: (id: Int, href: String?) = (0, nil)
    private var lastWasSeparator = true
    /// Risk words are matched on the same normalised text, as it is appended (visible text only).
    var words: RiskWordScan?

    /// - Parameters:
    ///   - keepDigits: digit codes of numbers kept however many the page lists (the filed ones).
    ///   - describeHidden: how the text at a `TextPlace.hidden` is hidden (for hidden text).
    public init(keepDigits: Set<String> = [], describeHidden: ((Int) -> String?)? = nil) {
        self.keepDigits = keepDigits
        self.describeHidden = describeHidden
    }

    /// The numbers kept, in page order.
    public var numbers: [ShownNumber] {
        trailing.isEmpty ? kept : (kept + trailing).sorted { $0.offset < $1.offset }
    }

    public func text(_ bytes: UnsafeRawBufferPointer, at place: TextPlace) {
        if currentPlace != place {
            currentPlace = place
            spans.append((base + buffer.count, place, place.anchor != 0 && place.anchor == lastAnchor.id ? lastAnchor.href : nil))
        }
        let before = buffer.count
        shownCharacters += Normalizer.append(bytes, to: &buffer, lastWasSeparator: &lastWasSeparator)
        if sample.count < Self.maxSample && base == 0 {
            sample.append(contentsOf: buffer[min(before, buffer.count)...].prefix(Self.maxSample - sample.count))
        }
        textLength = base + buffer.count
        if words != nil, buffer.count > before {
            let inLink = place.anchor != 0 && place.anchor == lastAnchor.id && lastAnchor.href != nil
            buffer.withUnsafeBufferPointer { words?.feed(UnsafeBufferPointer(rebasing: $0[before...]), place: inLink ? .link : .text) }
        }
        if buffer.count >= Self.window { match(upTo: buffer.count - Self.tail) }
    }

    public func anchorOpened(id: Int, href: String?) {
        lastAnchor = (id, href)
    }

    public func boundary() {
        words?.boundary()
        guard !lastWasSeparator else { return }
        buffer.append(Normalizer.separator)
        lastWasSeparator = true
        textLength = base + buffer.count
    }

    /// Matches what is left; call once the page has ended.
    public func finish() {
        match(upTo: buffer.count)
    }

    /// Matches numbers starting before `limit` (a buffer index), then drops the matched prefix.
    private func match(upTo rawLimit: Int) {
        var limit = rawLimit
        while limit < buffer.count && limit > 0 && buffer[limit] & 0xC0 == 0x80 { limit -= 1 }
        var found: [NumberGrammar.Match] = []
        let stop = buffer.withUnsafeBufferPointer { NumberGrammar.scan($0, upTo: limit) { found.append($0) } }
        for m in found { record(m) }
        let drop = min(stop, buffer.count)
        buffer.removeFirst(drop)
        base += drop
        if let keep = spans.lastIndex(where: { $0.start <= base }), keep > 0 { spans.removeFirst(keep) }
    }

    private func record(_ m: NumberGrammar.Match) {
        var n = m.number
        let start = base + m.start, end = base + m.end
        n.offset = start
        // Linked when any part sits in an <a href>; in the footer when any part does.
        var k = spans.lastIndex(where: { $0.start <= start }) ?? 0
        while k < spans.count && spans[k].start < end {
            if n.href == nil, let href = spans[k].href { n.href = href }
            if spans[k].place.inFooter { n.inFooter = true }
            if n.hiddenBy == nil, spans[k].place.hidden > 0 { n.hiddenBy = describeHidden?(spans[k].place.hidden) }
            k += 1
        }
        if keepDigits.contains(n.digits) && filedKept < Self.maxFiled {
            filedKept += 1  // the filed number is never lost, however many others come first
            kept.append(n)
        } else if kept.count + trailing.count >= Self.maxKept {
            dropped += 1
        } else if n.inFooter {
            kept.append(n)
        } else if leading < Self.maxLeading {
            leading += 1
            kept.append(n)
        } else {
            trailing.append(n)
            if trailing.count > Self.maxTrailing {
                trailing.removeFirst()
                dropped += 1
            }
        }
    }
}
