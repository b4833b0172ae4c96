import ICPModel
import ICPNumbers

/// Finds filing numbers in page text as it streams in. Text is normalised into a window that
/// is matched and compacted as it fills, so memory stays bounded whatever the page's length;
/// numbers split across elements or chunks are still found because the window spans them.
public final class NumberCollector: TextSink {
    public private(set) var numbers: [ShownNumber] = []
    /// Length of the page's normalised text so far, in bytes.
    public private(set) var textLength = 0
    /// Characters that are not separators: how much text the page shows.
    public private(set) var shownCharacters = 0

    public static let maxNumbers = 256
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

    public init() {}

    public func text(_ bytes: UnsafeRawBufferPointer, at place: TextPlace) {
        if currentPlace != place {
            currentPlace = place
            spans.append((base + buffer.count, place, place.anchor != 0 && place.anchor == lastAnchor.id ? lastAnchor.href : nil))
        }
        shownCharacters += Normalizer.append(bytes, to: &buffer, lastWasSeparator: &lastWasSeparator)
        textLength = base + buffer.count
        if buffer.count >= Self.window { match(upTo: buffer.count - Self.tail) }
    }

    public func anchorOpened(id: Int, href: String?) {
        lastAnchor = (id, href)
    }

    public func boundary() {
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
        guard numbers.count < Self.maxNumbers else { return }  // a page of thousands: the first ones say enough
        var n = m.number
        let start = base + m.start, end = base + m.end
        n.offset = start
        // Linked when any part sits in an <a href>; in the footer when any part does.
        var k = spans.lastIndex(where: { $0.start <= start }) ?? 0
        while k < spans.count && spans[k].start < end {
            if n.href == nil, let href = spans[k].href { n.href = href }
            if spans[k].place.inFooter { n.inFooter = true }
            k += 1
        }
        numbers.append(n)
    }
}
