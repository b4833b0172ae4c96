#if canImport(Glibc)
import Glibc
#endif
import ICPNumbers

/// Markup that hides an element from a person (SPEC "What a person sees"): inline styles, and
/// the rules of the page's own `<style>` blocks that hide a class or an id. Only what is certain
/// counts: rules under `@media` or with combinators and pseudo-classes are left alone, so a
/// number is never called hidden when a browser might show it.
enum Concealment {
    /// How far a way of hiding reaches.
    enum Scope {
        /// The element and all it holds.
        case subtree
        /// Inherited, but a descendant may say `visibility:visible`.
        case visibility
        /// Only the element's own text: its children may set a font size of their own.
        case ownText
    }

    /// What in a declaration block hides its element, e.g. `display:none`; nil when nothing does.
    /// A style rule's `font-size:0` is not certain (a rule this reader does not apply may size the
    /// children), so only an inline one counts.
    static func hiding(_ declarations: some Collection<UInt8>, fromRule: Bool) -> (how: String, scope: Scope)? {
        let d = compact(declarations)
        func has(_ s: String) -> Bool { ByteSearch.find(Array(s.utf8), in: d) != nil }
        if has("display:none") { return ("display:none", .subtree) }
        if has("visibility:hidden") { return ("visibility:hidden", .visibility) }
        if !fromRule && zero(d, "font-size:") { return ("font-size:0", .ownText) }
        if zero(d, "opacity:") { return ("opacity:0", .subtree) }
        // `left`/`top` move only a positioned element; an indent or a margin moves any.
        let positioned = ["absolute", "fixed", "relative"].contains { has("position:" + $0) }
        for property in (positioned ? ["left:", "top:"] : []) + ["text-indent:", "margin-left:", "margin-top:"] where offScreen(d, property) {
            // Text indented away over a background image of its own: a logo drawn in its place.
            let replaced = property == "text-indent:" && has("url(") ? ", a background image in its place" : ""
            return ("placed off-screen (\(property)-…)\(replaced)", .subtree)
        }
        if has("clip:rect(0") || has("clip:rect(1px,1px,1px,1px)") || has("clip-path:inset(50%)") { return ("clipped to nothing", .subtree) }
        if has("overflow:hidden") && (zero(d, "height:") || zero(d, "width:")) { return ("zero size with overflow:hidden", .subtree) }
        return nil
    }

    /// What hides links but is left out for numbers (SPEC "Content risks", the tricks of hacked
    /// sites): a style rule's `font-size:0` (`fontZero`: passed to descendants that do not size
    /// themselves), and text the colour of its own background.
    static func hidingLinks(_ declarations: some Collection<UInt8>, fromRule: Bool) -> (how: String, fontZero: Bool)? {
        let d = compact(declarations)
        if fromRule && zero(d, "font-size:") { return ("font-size:0", true) }
        if let color = values(d, "color:").last.flatMap(colour),
           let background = (values(d, "background-color:") + values(d, "background:")).last.flatMap(colour), color == background {
            return ("text the colour of its background (\(String(decoding: color, as: UTF8.self)))", false)
        }
        return nil
    }

    /// Sets a font size of its own (not zero): a child that undoes a container's `font-size:0`.
    static func sizesFont(_ declarations: some Collection<UInt8>) -> Bool {
        let d = compact(declarations)
        return !values(d, "font-size:").isEmpty && !zero(d, "font-size:")
    }

    /// A colour value as `#rrggbb` (hex, `rgb()`, white, black); nil for anything else.
    private static func colour(_ v: ArraySlice<UInt8>) -> [UInt8]? {
        let s = String(decoding: v, as: UTF8.self)
        let hex = Array("0123456789abcdef".utf8)
        switch s {
        case "white": return Array("#ffffff".utf8)
        case "black": return Array("#000000".utf8)
        default: break
        }
        if s.hasPrefix("#"), s.utf8.dropFirst().allSatisfy({ hex.contains($0) }) {
            let digits = Array(s.utf8.dropFirst())
            if digits.count == 3 { return [UInt8(ascii: "#")] + digits.flatMap { [$0, $0] } }
            return digits.count == 6 ? Array(s.utf8) : nil
        }
        if s.hasPrefix("rgb("), s.hasSuffix(")") {
            let parts = s.dropFirst(4).dropLast().split(separator: ",").compactMap { UInt8(String($0)) }
            guard parts.count == 3 else { return nil }
            return [UInt8(ascii: "#")] + parts.flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 15)]] }
        }
        return nil
    }

    /// An inline style that makes an element visible again inside `visibility:hidden`.
    static func showsAgain(_ declarations: some Collection<UInt8>) -> Bool {
        ByteSearch.find(Array("visibility:visible".utf8), in: compact(declarations)) != nil
    }

    /// Lower-case, without whitespace: `Display : NONE` reads as `display:none`.
    private static func compact(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        for b in bytes where b != 0x20 && !(0x09...0x0D).contains(b) {
            out.append((0x41...0x5A).contains(b) ? b | 0x20 : b)
        }
        return out
    }

    /// Every `property:` in `d` (as a whole property name) with its value, up to `;`, `!` or `}`.
    private static func values(_ d: [UInt8], _ property: String) -> [ArraySlice<UInt8>] {
        let p = Array(property.utf8)
        var out: [ArraySlice<UInt8>] = []
        var from = 0
        while let at = ByteSearch.find(p, in: d, from: from) {
            from = at + p.count
            // `line-height:` is not `height:`, `max-width:` not `width:`.
            if at > 0, d[at - 1] != UInt8(ascii: ";"), d[at - 1] != UInt8(ascii: "{") { continue }
            var end = from
            while end < d.count, d[end] != UInt8(ascii: ";"), d[end] != UInt8(ascii: "!"), d[end] != UInt8(ascii: "}") { end += 1 }
            out.append(d[from..<end])
        }
        return out
    }

    /// The property is set to zero (`0`, `0px`, `0em`, `0%`, `0.0`), not `0.5`.
    private static func zero(_ d: [UInt8], _ property: String) -> Bool {
        values(d, property).contains { v in
            let number = v.prefix { (0x30...0x39).contains($0) || $0 == UInt8(ascii: ".") }
            guard !number.isEmpty, number.allSatisfy({ $0 == 0x30 || $0 == UInt8(ascii: ".") }) else { return false }
            let unit = v.dropFirst(number.count)
            return unit.isEmpty || ["px", "em", "rem", "%", "pt", "vw", "vh"].contains { unit.elementsEqual($0.utf8) }
        }
    }

    /// Placed a thousand pixels (or more) to the left or above: outside any screen.
    private static func offScreen(_ d: [UInt8], _ property: String) -> Bool {
        values(d, property).contains { v in
            guard v.first == UInt8(ascii: "-") else { return false }
            let digits = v.dropFirst().prefix { (0x30...0x39).contains($0) }
            guard let n = Int(String(decoding: digits, as: UTF8.self)) else { return false }
            let unit = v.dropFirst(1 + digits.count)
            let ems = unit.starts(with: "em".utf8) || unit.starts(with: "rem".utf8)
            return (ems ? n * 16 : n) >= 999
        }
    }
}

/// The rules of a page's `<style>` blocks that hide a simple selector: `.x`, `#y`, `div.x`.
struct HidingRules {
    private(set) var classes: [[UInt8]: (tag: [UInt8], how: String)] = [:]
    private(set) var ids: [[UInt8]: (tag: [UInt8], how: String)] = [:]
    /// Rules that hide only links (`Concealment.hidingLinks`).
    private(set) var linkRules = HidingRules.Table()
    var isEmpty: Bool { classes.isEmpty && ids.isEmpty && linkRules.isEmpty }

    struct Table {
        var classes: [[UInt8]: (tag: [UInt8], how: String)] = [:]
        var ids: [[UInt8]: (tag: [UInt8], how: String)] = [:]
        var isEmpty: Bool { classes.isEmpty && ids.isEmpty }
    }
    static let maxRules = 512

    /// Reads one `<style>` block.
    mutating func add(css raw: [UInt8]) {
        let css = Self.withoutComments(raw)
        var i = 0
        var depth = 0
        var skipDepth: Int?  // inside an at-rule's block (`@media`): its rules do not always apply
        var selectorStart = 0
        while i < css.count {
            switch css[i] {
            case UInt8(ascii: "{"):
                let selector = Array(css[selectorStart..<i])
                depth += 1
                let trimmed = selector.drop { $0 == 0x20 || (0x09...0x0D).contains($0) }
                if skipDepth == nil && trimmed.first == UInt8(ascii: "@") { skipDepth = depth }
                if skipDepth == nil, let close = css[(i + 1)...].firstIndex(of: UInt8(ascii: "}")),
                   !css[(i + 1)..<close].contains(UInt8(ascii: "{")) {
                    if let hidden = Concealment.hiding(css[(i + 1)..<close], fromRule: true) {
                        note(selector, hidden.how)
                    } else if let hidden = Concealment.hidingLinks(css[(i + 1)..<close], fromRule: true) {
                        note(selector, hidden.how, linksOnly: true)
                    }
                    depth -= 1
                    i = close
                }
                selectorStart = i + 1
            case UInt8(ascii: "}"):
                if skipDepth == depth { skipDepth = nil }
                depth = max(0, depth - 1)
                selectorStart = i + 1
            case UInt8(ascii: ";") where depth == 0:
                selectorStart = i + 1  // `@import …;`, `@charset …;`
            default: break
            }
            i += 1
        }
    }

    private mutating func note(_ selectorList: [UInt8], _ how: String, linksOnly: Bool = false) {
        for selector in selectorList.split(separator: UInt8(ascii: ",")) {
            let s = Array(selector.drop { $0 <= 0x20 }.reversed().drop { $0 <= 0x20 }.reversed())
            guard let (tag, marker, name) = Self.simple(s),
                  classes.count + ids.count + linkRules.classes.count + linkRules.ids.count < Self.maxRules else { continue }
            let rule = (tag, "\(how) (style rule \(String(decoding: s, as: UTF8.self)))")
            switch (linksOnly, marker == UInt8(ascii: ".")) {
            case (false, true): classes[name] = rule
            case (false, false): ids[name] = rule
            case (true, true): linkRules.classes[name] = rule
            case (true, false): linkRules.ids[name] = rule
            }
        }
    }

    /// `tag?` then one `.class` or `#id`, nothing else: (tag, marker, name).
    private static func simple(_ s: [UInt8]) -> ([UInt8], UInt8, [UInt8])? {
        guard let m = s.firstIndex(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "#") }) else { return nil }
        let tag = Array(s[..<m]), name = Array(s[(m + 1)...])
        let isName: (UInt8) -> Bool = { c in
            (0x30...0x39).contains(c) || (0x41...0x5A).contains(c) || (0x61...0x7A).contains(c) || c == UInt8(ascii: "-") || c == UInt8(ascii: "_") || c >= 0x80
        }
        guard !name.isEmpty, name.allSatisfy(isName), tag.allSatisfy({ (0x61...0x7A).contains($0 | 0x20) || (0x30...0x39).contains($0) }) else { return nil }
        return (tag.map { $0 | 0x20 }, s[m], name)
    }

    private static func withoutComments(_ css: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(css.count)
        var i = 0
        while i < css.count {
            if css[i] == UInt8(ascii: "/"), i + 1 < css.count, css[i + 1] == UInt8(ascii: "*") {
                i += 2
                while i + 1 < css.count, !(css[i] == UInt8(ascii: "*") && css[i + 1] == UInt8(ascii: "/")) { i += 1 }
                i += 2
                continue
            }
            out.append(css[i])
            i += 1
        }
        return out
    }

    /// How a rule hides an element with this name, classes and id; nil when none does.
    func hiding(tag: [UInt8], classAttribute: UnsafePointer<UInt8>?, id: UnsafePointer<UInt8>?) -> String? {
        Self.lookup(classes, ids, tag: tag, classAttribute: classAttribute, id: id)
    }

    /// How a rule hides the links of an element (`Concealment.hidingLinks`); nil when none does.
    func hidingLinks(tag: [UInt8], classAttribute: UnsafePointer<UInt8>?, id: UnsafePointer<UInt8>?) -> String? {
        Self.lookup(linkRules.classes, linkRules.ids, tag: tag, classAttribute: classAttribute, id: id)
    }

    private static func lookup(_ classes: [[UInt8]: (tag: [UInt8], how: String)], _ ids: [[UInt8]: (tag: [UInt8], how: String)],
                               tag: [UInt8], classAttribute: UnsafePointer<UInt8>?, id: UnsafePointer<UInt8>?) -> String? {
        func applies(_ rule: (tag: [UInt8], how: String)?) -> String? {
            guard let rule, rule.tag.isEmpty || rule.tag == tag else { return nil }
            return rule.how
        }
        if let id, !ids.isEmpty, let how = applies(ids[cStringBytes(id)]) { return how }
        guard let classAttribute, !classes.isEmpty else { return nil }
        for name in cStringBytes(classAttribute).split(whereSeparator: { $0 <= 0x20 }) {
            if let how = applies(classes[Array(name)]) { return how }
        }
        return nil
    }
}

/// The bytes of a NUL-terminated string from libxml2.
func cStringBytes(_ p: UnsafePointer<UInt8>) -> [UInt8] {
    Array(UnsafeBufferPointer(start: p, count: strlen(UnsafeRawPointer(p).assumingMemoryBound(to: CChar.self))))
}
