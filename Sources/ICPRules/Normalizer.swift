/// SPEC's normalisation, applied byte by byte to UTF-8 text: whitespace, NBSP and U+3000 become
/// one separator (runs collapse), full-width ASCII folds to ASCII, dash variants fold to `-`,
/// ASCII letters fold to upper case. Separators are kept (not removed) so that the grammar can
/// tell `号-1 2023` from `号-12023`; the grammar skips them where SPEC allows whitespace.
enum Normalizer {
    static let separator: UInt8 = 0x20

    /// Appends the normalised form of `bytes` to `out`; `lastWasSeparator` carries across calls.
    /// Returns the number of non-separator bytes appended.
    @inline(__always)
    static func append(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8], lastWasSeparator: inout Bool) -> Int {
        var i = 0
        let n = bytes.count
        var appended = 0
        while i < n {
            let b = bytes[i]
            if b < 0x80 {
                if b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0x0C || b == 0x0B || b == 0 {
                    if !lastWasSeparator { out.append(separator); lastWasSeparator = true }
                } else {
                    out.append(b >= 0x61 && b <= 0x7A ? b - 0x20 : b)
                    lastWasSeparator = false
                    appended += 1
                }
                i += 1
                continue
            }
            // Two- and three-byte forms that normalise; everything else is copied as is.
            if b == 0xC2, i + 1 < n, bytes[i + 1] == 0xA0 {
                if !lastWasSeparator { out.append(separator); lastWasSeparator = true }
                i += 2
                continue
            }
            if i + 2 < n {
                let b1 = bytes[i + 1], b2 = bytes[i + 2]
                if b == 0xE3 && b1 == 0x80 && b2 == 0x80 {
                    if !lastWasSeparator { out.append(separator); lastWasSeparator = true }
                    i += 3
                    continue
                }
                // U+FF01–U+FF5E: EF BC 81–BF and EF BD 80–9E.
                if b == 0xEF && (b1 == 0xBC && b2 >= 0x81 || b1 == 0xBD && b2 <= 0x9E) {
                    let cp = UInt32(b & 0x0F) << 12 | UInt32(b1 & 0x3F) << 6 | UInt32(b2 & 0x3F)
                    var ascii = UInt8(truncatingIfNeeded: cp - 0xFEE0)
                    if ascii >= 0x61 && ascii <= 0x7A { ascii -= 0x20 }
                    out.append(ascii)
                    lastWasSeparator = false
                    appended += 1
                    i += 3
                    continue
                }
                // U+2010–U+2015 dashes and U+2212 minus.
                if (b == 0xE2 && b1 == 0x80 && b2 >= 0x90 && b2 <= 0x95) || (b == 0xE2 && b1 == 0x88 && b2 == 0x92) {
                    out.append(UInt8(ascii: "-"))
                    lastWasSeparator = false
                    appended += 1
                    i += 3
                    continue
                }
            }
            out.append(b)
            lastWasSeparator = false
            if b & 0xC0 != 0x80 { appended += 1 }
            i += 1
        }
        return appended
    }

    /// Normalises a whole string (inventory values, titles).
    static func normalize(_ s: String, keepSeparators: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count)
        var last = true
        var copy = s
        copy.withUTF8 { _ = append(UnsafeRawBufferPointer($0), to: &out, lastWasSeparator: &last) }
        if !keepSeparators { out.removeAll { $0 == separator } }
        return out
    }
}
