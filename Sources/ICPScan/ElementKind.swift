#if canImport(Glibc)
import Glibc
#endif

/// What an element means to the scanner, looked up without building a String per element.
struct ElementKind: OptionSet, Sendable {
    let rawValue: UInt8
    /// A browser shows a break around it.
    static let block = ElementKind(rawValue: 1)
    /// Its content is not shown as text.
    static let hidden = ElementKind(rawValue: 2)
    static let script = ElementKind(rawValue: 4)
    static let title = ElementKind(rawValue: 8)
    static let anchor = ElementKind(rawValue: 16)
    /// Carries an href that counts as a link (`a`, `area`).
    static let link = ElementKind(rawValue: 32)
    /// A footer by its name (`footer`, `el-footer`, `page-footer`, …).
    static let footer = ElementKind(rawValue: 64)
    /// Its attributes say something about the page as a whole (`meta`, `link`, frames, `img`,
    /// `noscript`, `style`): read by name, they are rare.
    static let noted = ElementKind(rawValue: 128)

    /// Up to the first 8 bytes of a name (libxml2 gives HTML names in lower case), and its length
    /// in the top byte, so that different names of up to 7 bytes never collide.
    static func pack(_ name: UnsafePointer<UInt8>) -> UInt64 {
        var key: UInt64 = 0
        var n = 0
        while n < 8, name[n] != 0 {
            key |= UInt64(name[n]) << UInt64(8 * n)
            n += 1
        }
        if n < 8 { key |= UInt64(n) << 56 }
        return key
    }

    private static func key(_ s: StaticString) -> UInt64 {
        s.withUTF8Buffer { b in
            var key: UInt64 = 0
            for (n, c) in b.prefix(8).enumerated() { key |= UInt64(c) << UInt64(8 * n) }
            if b.count < 8 { key |= UInt64(b.count) << 56 }
            return key
        }
    }

    // Names read for every element and attribute, packed (`pack`) as integer literals: a literal
    // needs no lazy initialisation, so reading one costs no `swift_once` (ElementKindTests checks them).
    static let hrefKey: UInt64 = 0x0400_0000_6665_7268  // "href"
    static let idKey: UInt64 = 0x0200_0000_0000_6469  // "id"
    static let classKey: UInt64 = 0x0500_0073_7361_6c63  // "class"
    static let styleKey: UInt64 = 0x0500_0065_6c79_7473  // "style"
    static let hiddenKey: UInt64 = 0x0600_6e65_6464_6968  // "hidden"

    static let metaKey: UInt64 = 0x0400_0000_6174_656d  // "meta"
    static let linkKey: UInt64 = 0x0400_0000_6b6e_696c  // "link"
    static let frameKey: UInt64 = 0x0500_0065_6d61_7266  // "frame"
    static let iframeKey: UInt64 = 0x0600_656d_6172_6669  // "iframe"
    static let imgKey: UInt64 = 0x0300_0000_0067_6d69  // "img"
    static let noscriptKey: UInt64 = 0x7470_6972_6373_6f6e  // "noscript"
    static let scriptKey: UInt64 = 0x0600_7470_6972_6373  // "script"

    private static let known: KindTable = {
        var table = KindTable()
        let blocks: [StaticString] = [
            "p", "div", "br", "li", "ul", "ol", "tr", "td", "th", "table", "tbody", "thead", "tfoot", "h1", "h2", "h3",
            "h4", "h5", "h6", "section", "article", "header", "nav", "aside", "dl", "dt", "dd", "hr", "form",
            "pre", "address", "main", "center", "body", "html", "option", "select",
        ]
        for name in blocks { table.insert(key(name), .block) }
        for name: StaticString in ["template", "head", "noframes", "object", "svg", "math"] { table.insert(key(name), .hidden) }
        table.insert(key("style"), [.hidden, .noted])
        for name: StaticString in ["meta", "link", "frame", "noscript"] { table.insert(key(name), .noted) }
        for name: StaticString in ["iframe", "img"] { table.insert(key(name), [.block, .noted]) }
        table.insert(key("blockquote"), .block)
        table.insert(key("footer"), [.block, .footer])
        table.insert(key("script"), [.script, .noted])
        table.insert(key("title"), .title)
        table.insert(key("a"), [.anchor, .link])
        table.insert(key("area"), .link)
        return table
    }()

    static func of(_ key: UInt64, _ name: UnsafePointer<UInt8>) -> ElementKind {
        if let kind = known[key] { return kind }
        // Custom elements (el-footer, page-footer) name a footer in a longer name.
        return strstr(UnsafeRawPointer(name).assumingMemoryBound(to: CChar.self), "footer") != nil ? .footer : []
    }

    /// An id or class that says foot/footer/bottom/copyright, in any case.
    static func namesFooter(_ value: UnsafePointer<UInt8>) -> Bool {
        var i = 0
        while value[i] != 0 {
            switch value[i] | 0x20 {
            case UInt8(ascii: "f"): if startsCaseless(value + i, "foot") { return true }
            case UInt8(ascii: "b"): if startsCaseless(value + i, "bottom") { return true }
            case UInt8(ascii: "c"): if startsCaseless(value + i, "copyright") { return true }
            default: break
            }
            i += 1
        }
        return false
    }

    /// `word` (lower-case ASCII) at the start of `p`, in any case; stops at the terminating NUL.
    private static func startsCaseless(_ p: UnsafePointer<UInt8>, _ word: StaticString) -> Bool {
        word.withUTF8Buffer { w in
            for k in 0..<w.count where p[k] == 0 || p[k] | 0x20 != w[k] { return false }
            return true
        }
    }
}

/// The known element names: open addressing over packed keys, one multiply to find a slot.
/// A `Dictionary` would hash every element's name with SipHash, a visible cost per element.
private struct KindTable {
    private static let slots = 256
    private var keys = [UInt64](repeating: 0, count: slots)  // 0 is no packed name
    private var kinds = [ElementKind](repeating: [], count: slots)

    private static func slot(_ key: UInt64) -> Int { Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 56) }

    mutating func insert(_ key: UInt64, _ kind: ElementKind) {
        var i = Self.slot(key)
        while keys[i] != 0 && keys[i] != key { i = (i + 1) & (Self.slots - 1) }
        keys[i] = key
        kinds[i] = kind
    }

    subscript(key: UInt64) -> ElementKind? {
        var i = Self.slot(key)
        while keys[i] != 0 {
            if keys[i] == key { return kinds[i] }
            i = (i + 1) & (Self.slots - 1)
        }
        return nil
    }
}
