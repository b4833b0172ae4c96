import ICPModel

/// A filed ICP record number, parsed from the inventory.
public struct RecordNumber: Sendable, Equatable, CustomStringConvertible {
    public var province: String
    public var digits: String
    public var suffix: String?

    public var isSiteLevel: Bool { suffix != nil }
    /// An app's, mini program's or quick app's number (`…号-2A`): never a website's.
    public var service: ServiceNumber? { suffix.flatMap(ServiceNumber.init(suffix:)) }
    public var description: String { province + "ICP备" + digits + "号" + (suffix.map { "-" + $0 } ?? "") }
    public var subjectLevel: String { province + "ICP备" + digits + "号" }

    /// Parses a whole string as one record number; nil for anything else.
    public static func parse(_ text: String) -> RecordNumber? {
        let bytes = Normalizer.normalize(text, keepSeparators: true)
        let found = NumberGrammar.scanAll(bytes)
        guard found.count == 1, let n = found.first, n.number.kind == .record else { return nil }
        let rest = bytes[..<n.start].filter { $0 != Normalizer.separator }.count
            + bytes[n.end...].filter { $0 != Normalizer.separator }.count
        guard rest == 0 else { return nil }
        return RecordNumber(province: n.number.province, digits: n.number.digits, suffix: n.number.suffix)
    }

    /// The digit code of a filed public-security number (any text around it is ignored).
    public static func psbCode(_ text: String) -> String {
        String(text.unicodeScalars.filter { $0.value >= 0x30 && $0.value <= 0x39 }.map(Character.init))
            .prefix(16).description
    }
}

/// The number grammar of SPEC over normalised UTF-8 (see `Normalizer`).
public enum NumberGrammar {
    public typealias Bytes = UnsafeBufferPointer<UInt8>

    public struct Match {
        public var number: ShownNumber
        public var start: Int
        public var end: Int
    }

    static let provinces: [UInt32: String] = {
        var map: [UInt32: String] = [:]
        for ch in "京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝蜀黔滇藏陕陇青宁新".unicodeScalars { map[ch.value] = String(ch) }
        for (alt, main) in [("川", "蜀"), ("贵", "黔"), ("云", "滇"), ("甘", "陇")] {
            map[alt.unicodeScalars.first!.value] = main
        }
        return map
    }()

    static let bei: UInt32 = 0x5907      // 备
    static let zheng: UInt32 = 0x8BC1    // 证
    static let hao: UInt32 = 0x53F7      // 号
    static let gong: UInt32 = 0x516C     // 公
    static let an: UInt32 = 0x5B89       // 安
    static let wang: UInt32 = 0x7F51     // 网

    /// Every number in `b` starting before `limit`, left to right, not overlapping; returns where
    /// scanning stopped (the end of the last match, or `limit`).
    public static func scan(_ b: Bytes, upTo limit: Int, _ found: (Match) -> Void) -> Int {
        let triggerBits = Self.triggerBits  // hoisted out of the per-byte loop
        var i = 0
        while i < limit {
            let lead = b[i]
            if lead < 0x80 {
                if lead == UInt8(ascii: "B"), let m = bareLicence(b, i) { found(m); i = m.end; continue }
                i += 1
                continue
            }
            let w = width(lead)
            // Most text is CJK that is no trigger: a bitmap answers without hashing.
            if w == 3 && i + 2 < b.count {
                let cp = Int(lead & 0x0F) << 12 | Int(b[i + 1] & 0x3F) << 6 | Int(b[i + 2] & 0x3F)
                if triggerBits[cp >> 6] & (1 << UInt64(cp & 63)) != 0, let m = match(b, at: i) {
                    found(m)
                    i = m.end
                    continue
                }
            }
            i += w
        }
        return i
    }

    static func scanAll(_ bytes: [UInt8]) -> [Match] {
        var out: [Match] = []
        bytes.withUnsafeBufferPointer { b in _ = scan(b, upTo: b.count) { out.append($0) } }
        return out
    }

    /// One bit per BMP code point: the province abbreviations and 公 that can start a number.
    // Written once when first used, read-only after.
    nonisolated(unsafe) private static let triggerBits: UnsafeMutablePointer<UInt64> = {
        let bits = UnsafeMutablePointer<UInt64>.allocate(capacity: 1024)
        bits.initialize(repeating: 0, count: 1024)
        for cp in provinces.keys.map(Int.init) + [Int(gong)] { bits[cp >> 6] |= 1 << UInt64(cp & 63) }
        return bits
    }()

    /// A number starting at the CJK character at `i`, if one does.
    static func match(_ b: Bytes, at i: Int) -> Match? {
        let (cp, _) = scalar(b, i)
        if let province = provinces[cp] {
            return record(b, i, province) ?? psb(b, start: i, province: province, from: skipSep(b, i + 3))
        }
        if cp == gong { return psb(b, start: i, province: "", from: i) }
        return nil
    }

    // MARK: ICP records and licences

    private static func record(_ b: Bytes, _ start: Int, _ province: String) -> Match? {
        var j = skipSepAnd(b, start + 3, "|:")
        if asciiCaseless(b, j, "ICP") {
            j = skipSep(b, j + 3)
            let (cp, w) = scalar(b, j)
            if cp == bei { return recordBody(b, start, province, skipSepAnd(b, j + w, ":")) }
            if cp == zheng { return licenceBody(b, start, province, skipSepAnd(b, j + w, ":")) }
            return nil
        }
        if j < b.count && b[j] | 0x20 == UInt8(ascii: "b") { return licenceBody(b, start, province, j) }
        return nil
    }

    /// `digits 号 [-N]` or `digits -N 号` after `ICP备`.
    private static func recordBody(_ b: Bytes, _ start: Int, _ province: String, _ from: Int) -> Match? {
        let (digits, afterDigits) = digitRun(b, from)
        guard (4...12).contains(digits.count) else { return nil }
        let (suffix, end) = numberTail(b, afterDigits)
        let n = ShownNumber(kind: .record, text: text(b, start, end), province: province, digits: digits,
                            suffix: suffix, href: nil, inFooter: false, offset: start)
        return Match(number: n, start: start, end: end)
    }

    /// What may follow the digits: `号`, `号-N` or `-N号` (pages write both), each part optional.
    /// Returns the site suffix N and where the number ends.
    private static func numberTail(_ b: Bytes, _ afterDigits: Int) -> (suffix: String?, end: Int) {
        var k = skipSep(b, afterDigits)
        if scalar(b, k).0 == hao {
            let end = k + 3
            k = skipSep(b, end)
            if k < b.count && b[k] == UInt8(ascii: "-"), let (s, e) = siteSuffix(b, skipSep(b, k + 1)) { return (s, e) }
            return (nil, end)
        }
        if k < b.count && b[k] == UInt8(ascii: "-"), let (s, e) = siteSuffix(b, skipSep(b, k + 1)) {
            let h = skipSep(b, e)
            return (s, scalar(b, h).0 == hao ? h + 3 : e)
        }
        return (nil, afterDigits)
    }

    /// `N` of `-N`: one to three digits not followed by another digit; with the letter of an
    /// app (`A`), mini-program (`X`) or quick-app (`K`) service number when that letter follows
    /// the digits directly and no other letter follows it (`-2 All Rights Reserved` is `-2`).
    private static func siteSuffix(_ b: Bytes, _ from: Int) -> (String, Int)? {
        let (d, e) = digitRun(b, from)
        guard (1...3).contains(d.count) else { return nil }
        if e < b.count, let letter = ServiceNumber(letter: b[e]), !(e + 1 < b.count && isASCIILetter(b[e + 1])) {
            return (d + String(letter.rawValue), e + 1)
        }
        return (d, e)
    }

    private static func isASCIILetter(_ c: UInt8) -> Bool { (c | 0x20) >= UInt8(ascii: "a") && (c | 0x20) <= UInt8(ascii: "z") }

    /// `ICP证 [B2-] digits [号] [-N]`, `B2-digits`, `B-digits`.
    private static func licenceBody(_ b: Bytes, _ start: Int, _ province: String, _ from: Int) -> Match? {
        var j = from
        if j < b.count && b[j] | 0x20 == UInt8(ascii: "b") {
            j += 1
            if j < b.count && (b[j] == UInt8(ascii: "1") || b[j] == UInt8(ascii: "2")) { j += 1 }
            j = skipSep(b, j)
            guard j < b.count && b[j] == UInt8(ascii: "-") else { return nil }
            j = skipSep(b, j + 1)
        }
        let (digits, afterDigits) = digitRun(b, j)
        guard (4...12).contains(digits.count) else { return nil }
        let end = numberTail(b, afterDigits).end
        let n = ShownNumber(kind: .licence, text: text(b, start, end), province: province, digits: digits,
                            suffix: nil, href: nil, inFooter: false, offset: start)
        return Match(number: n, start: start, end: end)
    }

    /// `B1-20060139` / `B2-…` with no province: a licence when it stands alone (not inside a word)
    /// and has the eight digits licences carry.
    private static func bareLicence(_ b: Bytes, _ i: Int) -> Match? {
        if i > 0, b[i - 1] < 0x80, isDigit(b[i - 1]) || (b[i - 1] >= 0x41 && b[i - 1] <= 0x5A) { return nil }
        guard i + 2 < b.count, b[i + 1] == UInt8(ascii: "1") || b[i + 1] == UInt8(ascii: "2"), b[i + 2] == UInt8(ascii: "-")
        else { return nil }
        guard let m = licenceBody(b, i, "", i), m.number.digits.count == 8 else { return nil }
        return m
    }

    // MARK: Public-security numbers

    /// `[省]公网安备 code [号]`, or a label with 公安 … 备 (公安备案号, 公安机关备案号, 湘公安网备号,
    /// 北京市公安局西城分局备案编号) followed by the code.
    private static func psb(_ b: Bytes, start: Int, province: String, from: Int) -> Match? {
        guard scalar(b, from).0 == gong else { return nil }
        let second = scalar(b, from + 3).0
        var j: Int
        var minDigits: Int
        if second == wang && scalar(b, from + 6).0 == an && scalar(b, from + 9).0 == bei {
            j = from + 12
            minDigits = 6
        } else if second == an {
            // Up to 16 characters of label, which must name a filing (备).
            j = from + 6
            var sawBei = false
            var steps = 0
            while j < b.count && steps < 16 && !isDigit(b[j]) {
                let (cp, w) = scalar(b, j)
                if cp == bei { sawBei = true }
                j += max(1, w)
                steps += 1
            }
            guard sawBei else { return nil }
            minDigits = 10
        } else {
            return nil
        }
        j = skipSepAnd(b, j, ":")
        let (digits, afterDigits) = digitRun(b, j)
        guard digits.count >= minDigits && digits.count <= 16 else { return nil }
        var end = afterDigits
        var k = skipSep(b, end)
        if k < b.count && b[k] == UInt8(ascii: "-"), let (_, e) = siteSuffix(b, k + 1) { end = e; k = skipSep(b, e) }
        if scalar(b, k).0 == hao { end = k + 3 }
        let n = ShownNumber(kind: .psb, text: text(b, start, end), province: province, digits: digits,
                            suffix: nil, href: nil, inFooter: false, offset: start)
        return Match(number: n, start: start, end: end)
    }

    // MARK: Bytes

    @inline(__always) static func width(_ lead: UInt8) -> Int {
        lead < 0x80 ? 1 : lead < 0xC0 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
    }

    /// The scalar at `i` and its width; (0, 1) past the end or on a broken sequence.
    @inline(__always) static func scalar(_ b: Bytes, _ i: Int) -> (UInt32, Int) {
        guard i < b.count else { return (0, 1) }
        let lead = b[i]
        if lead < 0x80 { return (UInt32(lead), 1) }
        let w = width(lead)
        guard i + w <= b.count else { return (0, 1) }
        switch w {
        case 2: return (UInt32(lead & 0x1F) << 6 | UInt32(b[i + 1] & 0x3F), 2)
        case 3: return (UInt32(lead & 0x0F) << 12 | UInt32(b[i + 1] & 0x3F) << 6 | UInt32(b[i + 2] & 0x3F), 3)
        case 4: return (UInt32(lead & 0x07) << 18 | UInt32(b[i + 1] & 0x3F) << 12 | UInt32(b[i + 2] & 0x3F) << 6 | UInt32(b[i + 3] & 0x3F), 4)
        default: return (0, 1)
        }
    }

    @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    static func digitRun(_ b: Bytes, _ from: Int) -> (String, Int) {
        var j = from
        while j < b.count && isDigit(b[j]) { j += 1 }
        return (String(decoding: UnsafeBufferPointer(rebasing: b[from..<j]), as: UTF8.self), j)
    }

    @inline(__always) static func skipSep(_ b: Bytes, _ i: Int) -> Int {
        i < b.count && b[i] == Normalizer.separator ? i + 1 : i
    }

    /// Skips separators and the given ASCII punctuation (`|` of 京|ICP, `:` of ICP备:).
    static func skipSepAnd(_ b: Bytes, _ i: Int, _ punct: StaticString) -> Int {
        var j = i
        outer: while j < b.count {
            if b[j] == Normalizer.separator { j += 1; continue }
            let p = UnsafeRawBufferPointer(start: punct.utf8Start, count: punct.utf8CodeUnitCount)
            for c in p where c == b[j] { j += 1; continue outer }
            break
        }
        return j
    }

    /// `word` (upper-case ASCII) at `i`, in either case.
    static func asciiCaseless(_ b: Bytes, _ i: Int, _ word: StaticString) -> Bool {
        let w = UnsafeRawBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        guard i + w.count <= b.count else { return false }
        for k in 0..<w.count where b[i + k] & 0xDF != w[k] { return false }
        return true
    }

    static func text(_ b: Bytes, _ start: Int, _ end: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: b[start..<end]).filter { $0 != Normalizer.separator }, as: UTF8.self)
    }
}
