import ICPNumbers
/// The plain script redirects a browser takes on load (SPEC "What a person sees"):
/// `location.href = "…"`, `location.replace("…")`, `location.assign("…")`, `window.location = "…"`,
/// `top.location…`, with a literal URL, in top-level code that no condition guards. A redirect
/// inside a function (a click handler), under an `if`, or to a URL built at run time is not one
/// a static reader can follow; one that tests the User-Agent or the screen is reported as
/// conditional (rendering decides it, and it announces a mobile variant).
enum ScriptRedirects {
    struct Found: Equatable {
        /// An unconditional redirect with a literal URL.
        var url: String?
        /// What a guarded redirect depends on (`navigator.userAgent`, …).
        var condition: String?
    }

    private static let targets = ["location.href=", "location=", "location.replace(", "location.assign("]
    private static let deviceTests = ["navigator.useragent", "navigator.platform", "navigator.appversion", "screen.width",
                                      "innerwidth", "matchmedia", "ontouchstart", "maxtouchpoints"]

    static func find(in script: [UInt8]) -> Found {
        let code = compact(script)
        var found = Found()
        for (at, depth, guarded) in statements(code) {
            guard let url = literalTarget(code, at) else { continue }
            if depth == 0 && !guarded {
                if found.url == nil { found.url = url }
            } else if found.condition == nil {
                found.condition = deviceTests.first { ByteSearch.find(Array($0.utf8), in: code.lowered) != nil }
            }
        }
        return found
    }

    /// The script without whitespace outside strings, and a lower-cased copy for matching names.
    private struct Code {
        var bytes: [UInt8]
        var lowered: [UInt8]
        /// Brace depth at each byte, outside strings and comments.
        var depth: [Int]
    }

    private static func compact(_ s: [UInt8]) -> Code {
        var bytes: [UInt8] = [], depth: [Int] = []
        var d = 0
        var quote: UInt8 = 0
        var i = 0
        bytes.reserveCapacity(s.count)
        while i < s.count {
            let c = s[i]
            if quote != 0 {
                bytes.append(c); depth.append(d)
                if c == UInt8(ascii: "\\"), i + 1 < s.count { bytes.append(s[i + 1]); depth.append(d); i += 2; continue }
                if c == quote { quote = 0 }
                i += 1
                continue
            }
            if c == UInt8(ascii: "/"), i + 1 < s.count, s[i + 1] == UInt8(ascii: "/") {
                while i < s.count, s[i] != 0x0A { i += 1 }
                continue
            }
            if c == UInt8(ascii: "/"), i + 1 < s.count, s[i + 1] == UInt8(ascii: "*") {
                i += 2
                while i + 1 < s.count, !(s[i] == UInt8(ascii: "*") && s[i + 1] == UInt8(ascii: "/")) { i += 1 }
                i += 2
                continue
            }
            switch c {
            case UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "`"): quote = c
            case UInt8(ascii: "{"): d += 1
            case UInt8(ascii: "}"): d = max(0, d - 1)
            // A line break may end a statement (a literal's end), but not an `if (…)`'s: kept.
            case 0x0A, 0x0D: if bytes.last != 0x0A { bytes.append(0x0A); depth.append(d) }; i += 1; continue
            case 0x20, 0x09: i += 1; continue
            default: break
            }
            bytes.append(c); depth.append(c == UInt8(ascii: "{") ? d - 1 : d)
            i += 1
        }
        return Code(bytes: bytes, lowered: bytes.map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }, depth: depth)
    }

    /// Each redirect call or assignment: where its URL starts, its brace depth (a block is a
    /// function or a condition), and whether a condition guards it in its own statement
    /// (`if(…)`, `&&`, `?`).
    private static func statements(_ code: Code) -> [(Int, Int, Bool)] {
        var out: [(Int, Int, Bool)] = []
        for target in targets {
            let t = Array(target.utf8)
            var from = 0
            while let at = ByteSearch.find(t, in: code.lowered, from: from) {
                from = at + t.count
                // `xlocation=` is another name; `location==` a comparison.
                if at > 0, isNameByte(code.lowered[at - 1]) { continue }
                if target.hasSuffix("="), from < code.bytes.count, code.bytes[from] == UInt8(ascii: "=") { continue }
                var start = at
                while start > 0, ![UInt8(ascii: ";"), UInt8(ascii: "{"), UInt8(ascii: "}")].contains(code.bytes[start - 1]) { start -= 1 }
                let head = code.lowered[start..<at]
                let guarded = ByteSearch.find(Array("if(".utf8), in: Array(head)) != nil || head.contains(UInt8(ascii: "?"))
                    || ByteSearch.find(Array("&&".utf8), in: Array(head)) != nil || ByteSearch.find(Array("||".utf8), in: Array(head)) != nil
                    || ByteSearch.find(Array("else".utf8), in: Array(head)) != nil
                out.append((from, code.depth[at], guarded))
            }
        }
        return out.sorted { $0.0 < $1.0 }
    }

    /// A string literal that is the whole argument or right-hand side: `"…"` followed by `;`,
    /// `)` or the end; a `+` after it means the URL is built at run time.
    private static func literalTarget(_ code: Code, _ at: Int) -> String? {
        guard at < code.bytes.count else { return nil }
        let q = code.bytes[at]
        guard q == UInt8(ascii: "\"") || q == UInt8(ascii: "'") else { return nil }
        var i = at + 1
        var url: [UInt8] = []
        while i < code.bytes.count, code.bytes[i] != q {
            if code.bytes[i] == UInt8(ascii: "\\") { i += 1; if i < code.bytes.count { url.append(code.bytes[i]) } } else { url.append(code.bytes[i]) }
            i += 1
        }
        guard i < code.bytes.count else { return nil }
        let after = i + 1 < code.bytes.count ? code.bytes[i + 1] : UInt8(ascii: ";")
        guard [UInt8(ascii: ";"), UInt8(ascii: ")"), UInt8(ascii: "}"), 0x0A].contains(after), !url.isEmpty else { return nil }
        let text = String(decoding: url, as: UTF8.self)
        return text.lowercased().hasPrefix("javascript:") ? nil : text
    }

    private static func isNameByte(_ c: UInt8) -> Bool {
        (0x30...0x39).contains(c) || (0x61...0x7A).contains(c) || c == UInt8(ascii: "_") || c == UInt8(ascii: "$")
    }
}
