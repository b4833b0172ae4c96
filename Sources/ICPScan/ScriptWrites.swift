import ICPNumbers

/// The markup inline scripts write with `document.write(…)`/`document.writeln(…)` when the
/// argument is string literals joined by `+` (how hacked sites plant hidden link blocks): read
/// like the page's own markup, so its hidden links are known without a browser. Calls with any
/// other argument (a variable, a function call) are left to rendering.
enum ScriptWrites {
    static let maxBytes = 16384

    /// The literal markup of every such call in `script`, in order.
    static func html(in script: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var from = 0
        let call = Array("document.write".utf8)
        while out.count < maxBytes, let at = ByteSearch.find(call, in: script, from: from) {
            var i = at + call.count
            if i + 2 <= script.count, script[i] == UInt8(ascii: "l"), script[i + 1] == UInt8(ascii: "n") { i += 2 }
            i = skipSpace(script, i)
            from = i
            guard i < script.count, script[i] == UInt8(ascii: "(") else { continue }
            var written: [UInt8] = []
            i = skipSpace(script, i + 1)
            while let (literal, next) = stringLiteral(script, i) {
                written += literal
                i = skipSpace(script, next)
                guard i < script.count, script[i] == UInt8(ascii: "+") else { break }
                i = skipSpace(script, i + 1)
            }
            // Only a whole literal argument: `…)` right after the last literal.
            if i < script.count, script[i] == UInt8(ascii: ")") || script[i] == UInt8(ascii: ",") {
                out += written.prefix(maxBytes - out.count)
            }
            from = i
        }
        return out
    }

    private static func skipSpace(_ s: [UInt8], _ i: Int) -> Int {
        var i = i
        while i < s.count, s[i] <= 0x20 { i += 1 }
        return i
    }

    /// A '…', "…" or `…` (without `${`) literal at `i`, unescaped; nil when none is there.
    private static func stringLiteral(_ s: [UInt8], _ start: Int) -> ([UInt8], Int)? {
        guard start < s.count, let quote = [UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "`")].first(where: { $0 == s[start] }) else {
            return nil
        }
        var out: [UInt8] = []
        var i = start + 1
        while i < s.count {
            let c = s[i]
            if c == quote { return (out, i + 1) }
            if quote == UInt8(ascii: "`") && c == UInt8(ascii: "$") && i + 1 < s.count && s[i + 1] == UInt8(ascii: "{") { return nil }
            if c == UInt8(ascii: "\\") && i + 1 < s.count {
                let e = s[i + 1]
                switch e {
                case UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"): out.append(0x20)
                default: out.append(e)  // \' \" \\ \/
                }
                i += 2
                continue
            }
            out.append(c)
            i += 1
        }
        return nil
    }
}
