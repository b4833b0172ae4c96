/// SPEC's normalisation, applied to UTF-8 text as it streams: whitespace, NBSP and U+3000
/// become one separator (runs collapse), full-width ASCII folds to ASCII, dash variants fold to
/// `-`. Separators are kept (not removed) so that the grammar can tell `号-1 2023` from
/// `号-12023`; the grammar skips them where SPEC allows whitespace.
public enum Normalizer {
    public static let separator: UInt8 = 0x20

    /// Appends the normalised form of `bytes` to `out`; `lastWasSeparator` carries across calls.
    /// Returns the number of characters appended that are not separators.
    public static func append(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8], lastWasSeparator: inout Bool) -> Int {
        let n = bytes.count
        var shown = 0
        var i = 0
        var run = 0  // start of the pending run of bytes copied as they are
        @inline(__always) func flush(_ end: Int) {
            if end > run {
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[run..<end]))
                lastWasSeparator = false
            }
        }
        @inline(__always) func emit(_ b: UInt8, width: Int) {
            flush(i)
            if b == separator {
                if !lastWasSeparator { out.append(separator); lastWasSeparator = true }
            } else {
                out.append(b)
                lastWasSeparator = false
                shown += 1
            }
            i += width
            run = i
        }
        let table = byteClass, attention = Self.attention, startsCharacter = Self.startsCharacter  // hoisted: a static read per byte would cost a swift_once check
        while i < n {
            let b = bytes[i]
            let cls = table[Int(b)]
            if cls & attention != 0 {
                switch b {
                case 0..<0x21:
                    if b == 0x20 || (b >= 0x09 && b <= 0x0D) || b == 0 { emit(separator, width: 1); continue }
                case 0xC2:
                    if i + 1 < n && bytes[i + 1] == 0xA0 { emit(separator, width: 2); continue }
                default:
                    if i + 2 < n, let folded = fold(b, bytes[i + 1], bytes[i + 2]) { emit(folded, width: 3); continue }
                }
            }
            shown &+= Int(cls & startsCharacter)
            i += 1
        }
        flush(n)
        return shown
    }

    private static let attention: UInt8 = 2
    private static let startsCharacter: UInt8 = 1
    /// Per byte: whether it starts a character, and whether it may start something that folds
    /// (controls and spaces, and the lead bytes C2, E2, E3, EF); everything else is copied in bulk.
    nonisolated(unsafe) private static let byteClass: UnsafeMutablePointer<UInt8> = {
        let t = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
        for b in 0..<256 {
            var cls: UInt8 = b & 0xC0 == 0x80 ? 0 : startsCharacter
            if b < 0x21 || b == 0xC2 || b == 0xE2 || b == 0xE3 || b == 0xEF { cls |= attention }
            t[b] = cls
        }
        return t
    }()

    /// The ASCII form of a three-byte character that folds: U+3000 (a separator), full-width
    /// U+FF01–U+FF5E, the dashes U+2010–U+2015 and the minus U+2212.
    @inline(__always)
    private static func fold(_ b0: UInt8, _ b1: UInt8, _ b2: UInt8) -> UInt8? {
        switch b0 {
        case 0xE3 where b1 == 0x80 && b2 == 0x80: return separator
        case 0xEF where (b1 == 0xBC && b2 >= 0x81) || (b1 == 0xBD && b2 <= 0x9E):
            let cp = UInt32(b0 & 0x0F) << 12 | UInt32(b1 & 0x3F) << 6 | UInt32(b2 & 0x3F)
            return UInt8(truncatingIfNeeded: cp - 0xFEE0)
        case 0xE2 where (b1 == 0x80 && b2 >= 0x90 && b2 <= 0x95) || (b1 == 0x88 && b2 == 0x92): return UInt8(ascii: "-")
        default: return nil
        }
    }

    /// Normalises a whole string (inventory values, titles), ASCII letters in upper case so
    /// that comparisons ignore case.
    public static func normalize(_ s: String, keepSeparators: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count)
        var last = true
        var copy = s
        copy.withUTF8 { _ = append(UnsafeRawBufferPointer($0), to: &out, lastWasSeparator: &last) }
        if !keepSeparators { out.removeAll { $0 == separator } }
        for k in out.indices where out[k] >= 0x61 && out[k] <= 0x7A { out[k] -= 0x20 }
        return out
    }
}
