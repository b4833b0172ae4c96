import ICPModel

enum Charset {
    /// Bytes a browser's `<meta>` prescan looks at.
    static let prescanLength = 1024

    /// Maps a label to the encoding a zh-CN browser uses for it, named as iconv knows it.
    /// nil for labels we cannot decode.
    static func canonical(_ rawLabel: String) -> String? {
        let label = rawLabel.trimming { $0.isWhitespace || $0 == "\"" || $0 == "'" }.lowercased()
        switch label {
        case "utf-8", "utf8", "unicode-1-1-utf-8": return "UTF-8"
        case "gb2312", "gbk", "gb18030", "x-gbk", "cp936", "gb_2312-80", "chinese", "csgb2312", "iso-ir-58",
             "windows-936", "euc-cn":
            return "GB18030"
        case "big5", "big5-hkscs", "cn-big5", "x-x-big5", "csbig5": return "BIG5-HKSCS"
        case "iso-8859-1", "latin1", "us-ascii", "ascii", "windows-1252", "cp1252", "l1": return "WINDOWS-1252"
        case "utf-16", "utf-16le": return "UTF-16LE"
        case "utf-16be": return "UTF-16BE"
        case "shift_jis", "sjis", "x-sjis", "windows-31j": return "SHIFT_JIS"
        case "euc-jp": return "EUC-JP"
        case "euc-kr", "ks_c_5601-1987": return "EUC-KR"
        default: return nil
        }
    }

    /// The `charset=` parameter of a Content-Type value.
    static func fromContentType(_ value: String) -> String? {
        let lower = Array(value.lowercased().utf8)
        let key = Array("charset=".utf8)
        guard lower.count >= key.count,
              let at = (0...(lower.count - key.count)).first(where: { lower[$0..<$0 + key.count].elementsEqual(key) })
        else { return nil }
        let label = lower[(at + key.count)...].prefix { $0 != UInt8(ascii: ";") && $0 != 0x20 && $0 != UInt8(ascii: ",") }
        return canonical(String(decoding: label, as: UTF8.self))
    }

    static func bom(_ p: UnsafeRawBufferPointer) -> CharsetDecision? {
        if p.count >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF {
            return CharsetDecision(name: "UTF-8", source: .bom, bomLength: 3)
        }
        if p.count >= 2 && p[0] == 0xFF && p[1] == 0xFE { return CharsetDecision(name: "UTF-16LE", source: .bom, bomLength: 2) }
        if p.count >= 2 && p[0] == 0xFE && p[1] == 0xFF { return CharsetDecision(name: "UTF-16BE", source: .bom, bomLength: 2) }
        return nil
    }

    /// A simplified HTML prescan: the first `charset=` inside a `<meta` tag.
    static func fromMeta(_ p: UnsafeRawBufferPointer) -> String? {
        let n = min(p.count, prescanLength)
        var i = 0
        while i + 5 < n {
            if p[i] == UInt8(ascii: "<") && lower(p[i + 1]) == UInt8(ascii: "m") && lower(p[i + 2]) == UInt8(ascii: "e")
                && lower(p[i + 3]) == UInt8(ascii: "t") && lower(p[i + 4]) == UInt8(ascii: "a") {
                var j = i + 5
                while j < n && p[j] != UInt8(ascii: ">") {
                    if j + 8 <= n && matches(p, j, "charset") {
                        var k = j + 7
                        while k < n && (p[k] == 0x20 || p[k] == UInt8(ascii: "=")) { k += 1 }
                        while k < n && (p[k] == UInt8(ascii: "\"") || p[k] == UInt8(ascii: "'")) { k += 1 }
                        var label: [UInt8] = []
                        while k < n, label.count < 40, isLabelByte(p[k]) { label.append(p[k]); k += 1 }
                        if let name = canonical(String(decoding: label, as: UTF8.self)) {
                            // A page that declares UTF-16 in ASCII bytes is not UTF-16 (HTML spec).
                            return name.hasPrefix("UTF-16") ? "UTF-8" : name
                        }
                    }
                    j += 1
                }
                i = j
            }
            i += 1
        }
        return nil
    }

    /// Valid UTF-8 (a sequence cut by the end of the sample is not held against it).
    static func looksUTF8(_ p: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        let n = p.count
        while i < n {
            let b = p[i]
            if b < 0x80 { i += 1; continue }
            let need: Int
            if b >= 0xC2 && b <= 0xDF { need = 1 } else if b >= 0xE0 && b <= 0xEF { need = 2 } else if b >= 0xF0 && b <= 0xF4 { need = 3 } else { return false }
            if i + need >= n { return true }
            for k in 1...need where p[i + k] & 0xC0 != 0x80 { return false }
            i += need + 1
        }
        return true
    }

    static func hasNonASCII(_ p: UnsafeRawBufferPointer) -> Bool { p.contains { $0 >= 0x80 } }

    private static func lower(_ b: UInt8) -> UInt8 { b >= 65 && b <= 90 ? b + 32 : b }
    private static func matches(_ p: UnsafeRawBufferPointer, _ at: Int, _ word: StaticString) -> Bool {
        let w = UnsafeRawBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        for k in 0..<w.count where lower(p[at + k]) != w[k] { return false }
        return true
    }
    private static func isLabelByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x5F || b == 0x3A || b == 0x2E
    }
}
