#if canImport(Glibc)
import Glibc
#endif

/// libxml2's push parser stops reading once its root element has ended: at the first content
/// after `</html>` (spam appended after it), and after an end tag that comes before any element
/// (a stray `</div>` at the top of a broken page). A browser ignores such end tags and shows what
/// follows (HTML's "after body" mode goes back into the body), so they are dropped before parsing:
/// `</html>` and `</body>` always, any end tag before the first start tag.
struct StrayEndTags {
    private var started = false
    /// A `<` near a chunk's end, whose tag the next chunk completes.
    private var held: [UInt8] = []
    /// A tag longer than this is not one of ours: passed on as it is.
    static let longest = 64

    mutating func feed(_ chunk: UnsafeRawBufferPointer, _ out: (UnsafeRawBufferPointer) -> Void) {
        if held.isEmpty {
            scan(chunk, final: false, out)
        } else {
            var joined = held
            held = []
            joined.append(contentsOf: chunk)
            joined.withUnsafeBytes { scan($0, final: false, out) }
        }
    }

    mutating func finish(_ out: (UnsafeRawBufferPointer) -> Void) {
        let rest = held
        held = []
        rest.withUnsafeBytes { scan($0, final: true, out) }
    }

    private mutating func scan(_ p: UnsafeRawBufferPointer, final: Bool, _ out: (UnsafeRawBufferPointer) -> Void) {
        guard let base = p.baseAddress, p.count > 0 else { return }
        var emitted = 0, i = 0
        while i < p.count, let lt = memchr(base + i, 0x3C, p.count - i) {
            let at = base.distance(to: UnsafeRawPointer(lt))
            i = at + 1
            guard at + 1 < p.count else {
                if !final { hold(p, from: at, emitted: emitted, out); return }
                break
            }
            let next = p[at + 1]
            if next | 0x20 >= 0x61 && next | 0x20 <= 0x7A { started = true; continue }
            guard next == 0x2F else { continue }
            // An end tag: its name, then up to its `>`.
            var end = at + 2
            while end < p.count && end - at < Self.longest && p[end] != 0x3E { end += 1 }
            guard end < p.count && p[end] == 0x3E else {
                if end == p.count && !final { hold(p, from: at, emitted: emitted, out); return }
                continue
            }
            var nameEnd = end
            while nameEnd > at + 2 && p[nameEnd - 1] <= 0x20 { nameEnd -= 1 }
            if !started || Self.isDocumentEnd(p, from: at + 2, to: nameEnd) {
                if at > emitted { out(UnsafeRawBufferPointer(rebasing: p[emitted..<at])) }
                emitted = end + 1
            }
            i = end + 1
        }
        if p.count > emitted { out(UnsafeRawBufferPointer(rebasing: p[emitted...])) }
    }

    /// `html` or `body`, in any case, without building a string per end tag.
    private static func isDocumentEnd(_ p: UnsafeRawBufferPointer, from: Int, to: Int) -> Bool {
        guard to - from == 4 else { return false }
        let w = (UInt32(p[from] | 0x20) << 24) | (UInt32(p[from + 1] | 0x20) << 16) | (UInt32(p[from + 2] | 0x20) << 8) | UInt32(p[from + 3] | 0x20)
        return w == 0x6874_6D6C || w == 0x626F_6479  // "html", "body"
    }

    private mutating func hold(_ p: UnsafeRawBufferPointer, from at: Int, emitted: Int, _ out: (UnsafeRawBufferPointer) -> Void) {
        if at > emitted { out(UnsafeRawBufferPointer(rebasing: p[emitted..<at])) }
        held = Array(p[at...])
    }
}
