#if canImport(Glibc)
import Glibc
#endif
import ICPModel
import CXML2

/// A streaming HTML scanner: bytes go in chunk by chunk (from curl's write callback), and
/// visible text, script text and the title come out as libxml2's push parser meets them.
/// Only the first `Charset.prescanLength` bytes are held back, to decide the encoding.
///
/// Not thread-safe: one scanner belongs to one transfer on one loop.
public final class PageScanner {
    public private(set) var title = ""
    public private(set) var charset: CharsetDecision?
    public private(set) var scriptCount = 0
    public private(set) var images = 0
    /// The first meta refresh a browser would follow (delay up to `maxRefreshDelay`).
    public private(set) var refresh: PageRedirect?
    /// `src` of frameset frames, and of iframes with whether they fill the page.
    public private(set) var frames: [String] = []
    public private(set) var iframes: [(src: String, fullPage: Bool)] = []
    public private(set) var mobileSignals: [String] = []
    /// The beginning of each inline script, for `ScriptRedirects`.
    public private(set) var scriptSamples: [[UInt8]] = []
    /// Scripts that cannot draw the page (`InertScripts`), of the first `maxScriptSamples`.
    public var inertScripts: Int {
        zip(scriptSamples, scriptTags).filter { sample, tag in
            tag.src.map(InertScripts.isInert(source:)) ?? (sample.count < Self.maxScriptSample && InertScripts.isInert(inline: sample, type: tag.type))
        }.count
    }
    /// Each sampled script's `src` and `type`.
    private var scriptTags: [(src: String?, type: String?)] = []
    /// What the page's scripts are (each one's `src`, `type` and whole inline text), so two
    /// hosts serving the same page can share its drawing; nil when a script was not read whole.
    public var scriptsDigest: UInt64? {
        guard scriptCount <= Self.maxScriptSamples, !scriptSamples.contains(where: { $0.count >= Self.maxScriptSample }) else { return nil }
        var h = FNV1a64()
        for (sample, tag) in zip(scriptSamples, scriptTags) {
            h.add((tag.src ?? "").utf8)
            h.add([0])
            h.add((tag.type ?? "").utf8)
            h.add([0])
            h.add(sample)
            h.add([0])
        }
        return h.value
    }
    /// How each hidden region is hidden; `TextPlace.hidden` is an index into it, from 1.
    public private(set) var concealments: [String] = []
    /// The content of the meta description and keywords (risk words), each up to `maxMetaBytes`.
    public private(set) var metaTexts: [String] = []
    /// Links to absolute URLs that nothing on the page can bring into view (SPEC "Content
    /// risks"), the first `maxHiddenLinks`; `hiddenLinksDropped` counts the rest.
    public private(set) var hiddenLinks: [(href: String, how: String, text: [UInt8])] = []
    public private(set) var hiddenLinksDropped = 0
    /// The hosts absolute links go to, visible or not, each once, the first `maxLinkHosts`: what
    /// `--cloak-check` compares between the person's page and Baiduspider's.
    public private(set) var linkHosts: [String] = []
    private var linkHostSet: Set<String> = []
    /// How each region hiding links is hidden; `Open.link` is an index into it, from 1.
    private var linkHidings: [String] = []
    /// The hidden link whose text is being read: its entry in `hiddenLinks` and its anchor.
    private var capture = (link: -1, anchor: 0)

    private let contentType: String?
    private let visible: TextSink
    private let script: TextSink?
    private let hidden: TextSink?
    private var rules = HidingRules()
    private var styleText: [UInt8] = []
    private var parser: htmlParserCtxtPtr?
    private var held: [UInt8] = []
    /// libxml2 always gets well-formed UTF-8: a legacy charset is decoded first, then repaired.
    private var transcoder: Transcoder?
    private var repair = UTF8Repair()
    private var endTags = StrayEndTags()
    private var finished = false
    /// The start tag `resumeCutTag` last restarted: where it starts and the input then left.
    private var cutTag = (position: -1, available: 0)

    private struct Open {
        /// The element's name packed into 8 bytes (see `ElementKind.pack`), to match its end tag.
        var key: UInt64
        var kind: ElementKind
        var footer: Bool
        /// The innermost anchor this element sits in (itself, for an `<a>`); 0 for none.
        var anchor: Int
        /// Hidden from a person by markup: the entry in `concealments` (from 1) that hides the
        /// element's own text, or 0.
        var concealment: Int
        /// What its children inherit (0 below `font-size:0`, whose children may size themselves).
        var passed: Int
        /// Hides the links in it (an entry in `linkHidings`, from 1), or 0: what hides text, save
        /// what the page itself opens (menus, pop-ups), and the tricks of hacked sites.
        var link: Int = 0
        /// `link` is a container's `font-size:0`, which a descendant sizing itself undoes.
        var fontZero = false
    }
    private var stack: [Open] = []
    /// Elements past `maxTrackedDepth`, parsed but not tracked.
    private var untracked = 0
    private var footerDepth = 0
    private var hiddenDepth = 0
    private var scriptDepth = 0
    private var titleDepth = 0
    private var styleDepth = 0
    /// How each entry of `concealments` carries to descendants.
    private var concealmentScopes: [Concealment.Scope] = []
    private var anchorCount = 0
    private var place = TextPlace(anchor: 0, inFooter: false)

    static let maxTitleBytes = 2048
    static let maxRefreshDelay = 10
    static let maxScriptSample = 8192, maxScriptSamples = 8
    static let maxStyleBytes = 65536
    static let maxFrames = 16, maxSignals = 8, maxConcealments = 64
    public static let maxHiddenLinks = 64
    public static let maxLinkHosts = 64
    static let maxLinkText = 120, maxMetaBytes = 1024
    static let marqueeKey: UInt64 = 0x0765_6575_7172_616d  // "marquee"
    static let liKey: UInt64 = 0x0200_0000_0000_696c  // "li"
    /// Past this nesting depth, elements still parse but are no longer tracked one by one.
    static let maxTrackedDepth = 512

    /// - Parameters:
    ///   - contentType: the HTTP Content-Type header, whose charset comes before `<meta>`.
    ///   - visible: gets the text a browser shows.
    ///   - script: gets the text of `<script>` elements (numbers there are not shown).
    ///   - hidden: gets text its markup hides from a person (`display:none`, `hidden`, …).
    public init(contentType: String?, visible: TextSink, script: TextSink?, hidden: TextSink? = nil) {
        self.contentType = contentType
        self.visible = visible
        self.script = script
        self.hidden = hidden
    }

    deinit {
        if let parser { htmlFreeParserCtxt(parser) }
    }

    public func feed(_ chunk: UnsafeRawBufferPointer) {
        guard !finished, chunk.count > 0 else { return }
        if let parser {
            deliver(parser, chunk)
            return
        }
        held.append(contentsOf: chunk)
        if held.count >= Charset.prescanLength { start() }
    }

    /// Ends the document: flushes held bytes and closes open elements.
    public func finish() {
        guard !finished else { return }
        if parser == nil { start() }
        if let parser {
            transcoder?.finish { repair.feed($0) { push(parser, $0, terminate: false) } }
            repair.finish { push(parser, $0, terminate: false) }
            endTags.finish { parse(parser, $0, terminate: false) }
            parse(parser, UnsafeRawBufferPointer(start: nil, count: 0), terminate: true)
        }
        finished = true
        boundary()
    }

    private func boundary() {
        visible.boundary()
        hidden?.boundary()
    }

    private func deliver(_ parser: htmlParserCtxtPtr, _ chunk: UnsafeRawBufferPointer) {
        if let transcoder {
            transcoder.feed(chunk) { utf8 in repair.feed(utf8) { push(parser, $0, terminate: false) } }
        } else {
            repair.feed(chunk) { push(parser, $0, terminate: false) }
        }
    }

    private func push(_ parser: htmlParserCtxtPtr, _ chunk: UnsafeRawBufferPointer, terminate: Bool) {
        endTags.feed(chunk) { parse(parser, $0, terminate: terminate) }
    }

    private func parse(_ parser: htmlParserCtxtPtr, _ chunk: UnsafeRawBufferPointer, terminate: Bool) {
        // A parser that has halted would only pile the rest of the body up in its input buffer.
        guard parser.pointee.instate != XML_PARSER_EOF else { return }
        // htmlParseChunk takes an Int32 length; chunks from curl are at most CURL_MAX_WRITE_SIZE.
        let base = chunk.baseAddress?.assumingMemoryBound(to: CChar.self)
        _ = htmlParseChunk(parser, base, Int32(chunk.count), terminate ? 1 : 0)
        resumeCutTag(parser)
    }

    /// libxml2 2.9.14 resumes its search for a start tag's `>` knowing that it was inside a
    /// quoted attribute value but not which quote opened it, so it never sees the value close:
    /// a tag cut by a chunk boundary inside a quoted value swallows the rest of the page, which
    /// piles up unparsed until the last chunk (memory up to the page's size). Restart that
    /// search from the tag's start; for the same tag again only once its input has doubled, so
    /// a huge hostile tag costs linear time.
    private func resumeCutTag(_ parser: htmlParserCtxtPtr) {
        // The parser keeps that "inside a value" state in bit 0 of hasPErefs, by its own comment.
        guard parser.pointee.checkIndex > 0, parser.pointee.hasPErefs & 1 != 0, let input = parser.pointee.input else { return }
        let position = Int(input.pointee.consumed) + (input.pointee.cur - input.pointee.base)
        let available = input.pointee.end - input.pointee.cur
        if position == cutTag.position && available < 2 * cutTag.available { return }
        cutTag = (position, available)
        parser.pointee.checkIndex = 0
        parser.pointee.hasPErefs &= ~1
    }

    private func decideCharset() -> CharsetDecision {
        held.withUnsafeBytes { p in
            if let bom = Charset.bom(p) { return bom }
            if let ct = contentType, let name = Charset.fromContentType(ct) { return CharsetDecision(name: name, source: .http) }
            if let name = Charset.fromMeta(p) { return CharsetDecision(name: name, source: .meta) }
            let utf8 = !Charset.hasNonASCII(p) || Charset.looksUTF8(p)
            return CharsetDecision(name: utf8 ? "UTF-8" : "GB18030", source: .sniff)
        }
    }

    private func start() {
        let decision = decideCharset()
        charset = decision
        var sax = htmlSAXHandler()
        sax.startElement = { ctx, name, attrs in PageScanner.with(ctx) { $0.startElement(name, attrs) } }
        sax.endElement = { ctx, name in PageScanner.with(ctx) { $0.endElement(name) } }
        sax.characters = { ctx, ch, len in PageScanner.with(ctx) { $0.characters(ch, len) } }
        sax.cdataBlock = { ctx, ch, len in PageScanner.with(ctx) { $0.characters(ch, len) } }
        let me = Unmanaged.passUnretained(self).toOpaque()
        if decision.name != "UTF-8" {
            transcoder = Transcoder(from: decision.name)
            if transcoder == nil { charset = CharsetDecision(name: "UTF-8", source: decision.source) }
        }
        guard let ctxt = htmlCreatePushParserCtxt(&sax, me, nil, 0, nil, XML_CHAR_ENCODING_UTF8) else { return }
        // Not HTML_PARSE_NOIMPLIED: without implied html/body, libxml2 stops after the first
        // top-level element of a page that has no <html>, and the rest (the footer) goes unread.
        let options = HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue
            | HTML_PARSE_NONET.rawValue | HTML_PARSE_IGNORE_ENC.rawValue
        _ = htmlCtxtUseOptions(ctxt, Int32(options))
        parser = ctxt
        let skip = min(decision.bomLength, held.count)
        held.withUnsafeBytes { p in
            deliver(ctxt, UnsafeRawBufferPointer(rebasing: p[skip...]))
        }
        held = []
    }

    /// The scanner behind a SAX callback's context, without a retain and release per callback:
    /// the scanner owns the parser, so it outlives every callback.
    private static func with(_ ctx: UnsafeMutableRawPointer?, _ body: (PageScanner) -> Void) {
        Unmanaged<PageScanner>.fromOpaque(ctx!)._withUnsafeGuaranteedRef(body)
    }

    // MARK: SAX

    private func startElement(_ rawName: UnsafePointer<xmlChar>?, _ attrs: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?) {
        guard let rawName else { return }
        let key = ElementKind.pack(rawName)
        let kind = ElementKind.of(key, rawName)
        if kind.contains(.block) { boundary() }
        if stack.count >= PageScanner.maxTrackedDepth { untracked += 1; return }

        var href: String?
        var footer = kind.contains(.footer)
        var classAttribute: UnsafePointer<UInt8>?, idAttribute: UnsafePointer<UInt8>?, style: UnsafePointer<UInt8>?
        var hiddenAttribute = false
        if let attrs {
            var i = 0
            while let name = attrs[i] {
                let value = attrs[i + 1]
                i += 2
                let attribute = ElementKind.pack(name)
                if attribute == ElementKind.hiddenKey { hiddenAttribute = true }
                guard let value else { continue }
                switch attribute {
                case ElementKind.hrefKey where kind.contains(.link): href = String(cString: value)
                case ElementKind.idKey: footer = footer || ElementKind.namesFooter(value); idAttribute = value
                case ElementKind.classKey: footer = footer || ElementKind.namesFooter(value); classAttribute = value
                case ElementKind.styleKey: style = value
                default: break
                }
            }
        }
        if kind.contains(.noted) { noteElement(key, attrs) }
        var anchor = stack.last?.anchor ?? 0
        if kind.contains(.anchor) {
            anchorCount += 1
            anchor = anchorCount
            visible.anchorOpened(id: anchor, href: href)
            hidden?.anchorOpened(id: anchor, href: href)
            if let href, linkHosts.count < Self.maxLinkHosts, scriptDepth == 0, let host = Self.host(ofAbsolute: href),
               linkHostSet.insert(host).inserted {
                linkHosts.append(host)
            }
        }
        // Most elements: no style, no hidden attribute, no hiding rule, inside nothing hidden.
        let plain = style == nil && !hiddenAttribute && rules.isEmpty && key != ElementKind.noscriptKey && key != Self.marqueeKey
            && (stack.last?.passed ?? 0) == 0
        var open = Open(key: key, kind: kind, footer: footer, anchor: anchor, concealment: 0, passed: 0)
        if let parent = stack.last, parent.link != 0, !(parent.fontZero && classAttribute != nil) {
            (open.link, open.fontZero) = (parent.link, parent.fontZero)
        }
        if !plain {
            (open.concealment, open.passed) = concealment(key, rawName, hiddenAttribute, style, classAttribute, idAttribute)
            hidesLinks(&open, rawName, attrs, style, classAttribute, idAttribute)
        }
        stack.append(open)
        enter(kind, footer, by: 1)
        if kind.contains(.anchor), let href, open.link != 0, hiddenDepth == 0, scriptDepth == 0 { hiddenLink(href, open) }
    }

    /// What hides the links in an element beyond what its parent passes on: a new concealment of
    /// its text (unless it is a menu or pop-up the page opens), the tricks of hacked sites
    /// (`font-size:0` passed to unsized children, a `<marquee>` a pixel high or wide, text the
    /// colour of its background), or a child that sizes itself inside a `font-size:0` container.
    private func hidesLinks(_ open: inout Open, _ name: UnsafePointer<UInt8>, _ attrs: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?,
                            _ style: UnsafePointer<UInt8>?, _ classAttribute: UnsafePointer<UInt8>?, _ id: UnsafePointer<UInt8>?) {
        let inline = style.map { UnsafeBufferPointer(start: $0, count: strlen(UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))) }
        if open.fontZero, let inline, Concealment.sizesFont(inline) { (open.link, open.fontZero) = (0, false) }
        guard open.link == 0 else { return }
        let parent = stack.last
        if open.concealment != 0 && open.concealment != parent?.passed {
            let how = concealments[open.concealment - 1]
            if !how.contains("a background image in its place") && !how.hasPrefix("inside <noscript>")
                && !Self.opensOnDemand(how, names: [classAttribute, id].compactMap { $0.map { String(cString: $0) } }.joined(separator: " "),
                                       inList: parent?.key == Self.liKey) {
                (open.link, open.fontZero) = (linkHiding(how), how.hasPrefix("font-size:0"))
            }
            return
        }
        let found: (how: String, fontZero: Bool)?
        if open.key == Self.marqueeKey, let size = Self.marqueeSize(attrs, inline) {
            found = (size, false)
        } else if let style, strstr(UnsafeRawPointer(style).assumingMemoryBound(to: CChar.self), "ground") != nil,  // background colour
                  let inline, let h = Concealment.hidingLinks(inline, fromRule: false) {
            found = h
        } else if !rules.linkRules.isEmpty, let how = rules.hidingLinks(tag: cStringBytes(name), classAttribute: classAttribute, id: id) {
            found = (how, how.hasPrefix("font-size:0"))
        } else {
            found = nil
        }
        if let found { (open.link, open.fontZero) = (linkHiding(found.how + Self.describe(name, classAttribute, id)), found.fontZero) }
    }

    /// A region the page itself shows on hover, focus or click (SPEC: not hidden from a person):
    /// hidden by display, visibility or opacity (what scripts and `:hover` rules toggle), and a
    /// list inside a list item (a CSS dropdown) or named for a menu, pop-up, tab or panel.
    public static func opensOnDemand(_ how: String, names: String, inList: Bool) -> Bool {
        guard ["display:none", "visibility:hidden", "hidden attribute", "opacity:0"].contains(where: { how.hasPrefix($0) }) else { return false }
        if inList { return true }
        let names = names.lowercased()
        return onDemandNames.contains { names.contains($0) }
    }
    static let onDemandNames = ["menu", "nav", "drop", "sub", "pop", "share", "modal", "dialog", "tip", "tab", "slide", "panel",
                                "collapse", "toggle", "more", "drawer", "overlay", "layer", "search", "hover", "show", "expand", "page"]

    /// `height`/`width` of a `<marquee>` (attribute or inline style) of at most one pixel.
    private static func marqueeSize(_ attrs: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?, _ inline: UnsafeBufferPointer<UInt8>?) -> String? {
        var sizes: [(String, String)] = []
        if let attrs {
            var i = 0
            while let name = attrs[i] {
                if let value = attrs[i + 1] { sizes.append((String(cString: name).lowercased(), String(cString: value))) }
                i += 2
            }
        }
        let style = inline.map { String(decoding: $0, as: UTF8.self).lowercased().filter { !$0.isWhitespace } } ?? ""
        for property in ["height", "width"] {
            var values = sizes.filter { $0.0 == property }.map(\.1)
            for part in style.split(separator: ";") where part.hasPrefix(property + ":") { values.append(String(part.dropFirst(property.count + 1))) }
            for v in values {
                let number = v.trimmingWhitespace().prefix { $0.isNumber || $0 == "." }
                if let n = Double(number), n <= 1, v.trimmingWhitespace().dropFirst(number.count).allSatisfy({ "px".contains($0) }) {
                    return "\(property) \(v.trimmingWhitespace())"
                }
            }
        }
        return nil
    }

    private static func describe(_ name: UnsafePointer<UInt8>, _ classAttribute: UnsafePointer<UInt8>?, _ id: UnsafePointer<UInt8>?) -> String {
        var element = " on <" + String(cString: name)
        if let id { element += " id=\"\(String(cString: id).prefix(40))\"" }
        if let classAttribute { element += " class=\"\(String(cString: classAttribute).prefix(40))\"" }
        return element + ">"
    }

    private func linkHiding(_ how: String) -> Int {
        guard linkHidings.count < Self.maxConcealments else { return linkHidings.count }
        linkHidings.append(how)
        return linkHidings.count
    }

    /// The lower-cased host of an `http:`, `https:` or scheme-relative URL; nil for any other.
    /// Read on the bytes: it runs for every link of every page.
    static func host(ofAbsolute href: String) -> String? {
        var href = href
        return href.withUTF8 { b -> String? in
            let n = b.count
            var i = 0
            while i < n, b[i] <= 0x20 { i += 1 }
            if n - i >= 2, b[i] == 0x2F, b[i + 1] == 0x2F {
                i += 2
            } else if n - i >= 7, b[i] | 0x20 == 0x68, b[i + 1] | 0x20 == 0x74, b[i + 2] | 0x20 == 0x74, b[i + 3] | 0x20 == 0x70 {
                var j = i + 4
                if b[j] | 0x20 == 0x73 { j += 1 }  // https
                guard j + 3 <= n, b[j] == 0x3A, b[j + 1] == 0x2F, b[j + 2] == 0x2F else { return nil }
                i = j + 3
            } else {
                return nil
            }
            // The authority ends at / ? # or a space; userinfo ends at its last @; a port follows a : (after ] for IPv6).
            var end = i
            while end < n, b[end] > 0x20, b[end] != 0x2F, b[end] != 0x3F, b[end] != 0x23 { end += 1 }
            var start = i
            for k in i..<end where b[k] == 0x40 { start = k + 1 }
            var stop = start
            if stop < end, b[stop] == 0x5B {
                while stop < end, b[stop] != 0x5D { stop += 1 }
                stop = min(stop + 1, end)
            } else {
                while stop < end, b[stop] != 0x3A { stop += 1 }
            }
            guard stop > start, stop - start <= 253 else { return nil }
            return String(decoding: b[start..<stop].lazy.map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }, as: UTF8.self)
        }
    }

    /// Records a hidden link to an absolute URL (a relative one stays on the site), and starts
    /// reading its text.
    private func hiddenLink(_ href: String, _ open: Open) {
        let target = href.trimmingWhitespace().lowercased()
        guard target.hasPrefix("http://") || target.hasPrefix("https://") || target.hasPrefix("//") else { return }
        guard hiddenLinks.count < Self.maxHiddenLinks else { hiddenLinksDropped += 1; return }
        hiddenLinks.append((String(href.trimmingWhitespace().prefix(300)), linkHidings[open.link - 1], []))
        capture = (hiddenLinks.count - 1, open.anchor)
    }

    /// Whether markup hides the element's own text and its children's: (own, passed on), each
    /// an entry in `concealments` or 0. Inside a hidden element the outermost one says how; a
    /// child may undo `visibility:hidden` (`visibility:visible`), and a child of a `font-size:0`
    /// element may have a size of its own, so that hides only the element's own text.
    private func concealment(_ key: UInt64, _ name: UnsafePointer<UInt8>, _ hiddenAttribute: Bool, _ style: UnsafePointer<UInt8>?,
                             _ classAttribute: UnsafePointer<UInt8>?, _ id: UnsafePointer<UInt8>?) -> (Int, Int) {
        let inline = style.map { UnsafeBufferPointer(start: $0, count: strlen(UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))) }
        var inherited = stack.last?.passed ?? 0
        if inherited > 0, concealmentScopes[inherited - 1] == .visibility, let inline, Concealment.showsAgain(inline) { inherited = 0 }
        guard inherited == 0 else { return (inherited, inherited) }
        let found: (how: String, scope: Concealment.Scope)?
        if hiddenAttribute {
            found = ("hidden attribute", .subtree)
        } else if let inline, let h = Concealment.hiding(inline, fromRule: false) {
            found = h
        } else if !rules.isEmpty, let h = rules.hiding(tag: cStringBytes(name), classAttribute: classAttribute, id: id) {
            found = (h, .subtree)
        } else if key == ElementKind.noscriptKey {
            found = ("inside <noscript>, which a browser running scripts does not show", .subtree)
        } else {
            found = nil
        }
        guard let found else { return (0, 0) }
        let entry = conceal(found.how, found.scope, name, classAttribute, id)
        return (entry, found.scope == .ownText ? 0 : entry)
    }

    /// Records how an element is hidden; returns its entry in `concealments`.
    private func conceal(_ how: String, _ scope: Concealment.Scope, _ name: UnsafePointer<UInt8>, _ classAttribute: UnsafePointer<UInt8>?,
                         _ id: UnsafePointer<UInt8>?) -> Int {
        guard concealments.count < Self.maxConcealments else { return concealments.count }
        concealmentScopes.append(scope)
        concealments.append(how + Self.describe(name, classAttribute, id))
        return concealments.count
    }

    /// What `meta`, `link`, frames, `img` and `noscript` say about the page as a whole.
    private func noteElement(_ key: UInt64, _ attrs: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?) {
        if key == ElementKind.imgKey { images += 1; return }
        var a: [String: String] = [:]
        if let attrs {
            var i = 0
            while let name = attrs[i] {
                if let value = attrs[i + 1] { a[String(cString: name).lowercased()] = String(cString: value) }
                i += 2
            }
        }
        switch key {
        case ElementKind.scriptKey:
            if scriptTags.count < Self.maxScriptSamples { scriptTags.append((a["src"].flatMap { $0.isEmpty ? nil : $0 }, a["type"])) }
        case ElementKind.metaKey:
            if a["http-equiv"]?.lowercased() == "refresh", refresh == nil, (stack.last?.passed ?? 0) == 0,
               let (delay, url) = Self.refreshTarget(a["content"] ?? ""), delay <= Self.maxRefreshDelay {
                refresh = PageRedirect(kind: .metaRefresh, url: url, delay: delay)
            }
            switch a["name"]?.lowercased() {
            case "description"?, "keywords"?:
                if let content = a["content"], metaTexts.count < 4 { metaTexts.append(String(content.prefix(Self.maxMetaBytes))) }
            case "mobile-agent"?: signal("mobile-agent meta: \(a["content"] ?? "")")
            case "applicable-device"? where !(a["content"] ?? "").lowercased().contains("mobile"):
                signal("applicable-device meta: \(a["content"] ?? "")")
            default: break
            }
        case ElementKind.linkKey:
            if (a["rel"] ?? "").lowercased().split(separator: " ").contains("alternate"), let media = a["media"], let target = a["href"] {
                signal("alternate link for \(media): \(target)")
            }
        case ElementKind.frameKey:
            if let src = a["src"], !src.isEmpty, frames.count < Self.maxFrames { frames.append(src) }
        case ElementKind.iframeKey:
            if let src = a["src"], !src.isEmpty, iframes.count < Self.maxFrames {
                let squeezed = { (v: String) in String(v.lowercased().filter { $0 != " " }) }
                let fills = { (v: String?) in v.map { squeezed($0).hasPrefix("100%") } ?? false }
                let style = squeezed(a["style"] ?? "")
                let fullPage = (fills(a["width"]) && fills(a["height"]))
                    || ((style.contains("width:100%") || style.contains("width:100vw")) && (style.contains("height:100%") || style.contains("height:100vh")))
                iframes.append((src, fullPage))
            }
        default: break
        }
    }

    private func signal(_ s: String) {
        if mobileSignals.count < Self.maxSignals { mobileSignals.append(String(s.prefix(200))) }
    }

    /// `5; url=/cn/` (any case, quoted or not, `;` or `,`): the delay and the target.
    static func refreshTarget(_ content: String) -> (Int, String)? {
        let trimmed = content.trimmingWhitespace()
        let digits = trimmed.prefix { $0.isASCII && $0.isNumber }
        guard let delay = Int(digits) else { return nil }
        var rest = trimmed.dropFirst(digits.count).drop { $0 == "." || ($0.isASCII && $0.isNumber) }
        rest = rest.drop { $0 == " " || $0 == ";" || $0 == "," }
        if rest.lowercased().hasPrefix("url") {
            let afterURL = rest.dropFirst(3).drop { $0 == " " }
            guard afterURL.first == "=" else { return nil }
            rest = afterURL.dropFirst().drop { $0 == " " }
        }
        if let q = rest.first, q == "'" || q == "\"" {
            rest = rest.dropFirst()
            if let end = rest.firstIndex(of: q) { rest = rest[..<end] }
        }
        let url = String(rest).trimmingWhitespace()
        return url.isEmpty ? nil : (delay, url)
    }

    private func endElement(_ rawName: UnsafePointer<xmlChar>?) {
        guard let rawName else { return }
        let key = ElementKind.pack(rawName)
        let kind = ElementKind.of(key, rawName)
        if kind.contains(.block) { boundary() }
        if untracked > 0 { untracked -= 1; return }
        // libxml2 reports implied end tags itself, so ends arrive in stack order; a stray one is ignored.
        guard let top = stack.last, top.key == key else { return }
        stack.removeLast()
        enter(top.kind, top.footer, by: -1)
        if top.kind.contains(.script) { script?.boundary() }
        if top.key == ElementKind.styleKey {
            rules.add(css: styleText)
            styleText = []
        }
    }

    /// Counts the element in (or out of) the regions it opens.
    private func enter(_ kind: ElementKind, _ footer: Bool, by step: Int) {
        if footer { footerDepth += step }
        if kind.contains(.hidden) { hiddenDepth += step }
        if kind.contains(.script) {
            scriptDepth += step
            if step > 0 {
                scriptCount += 1
                if scriptSamples.count < Self.maxScriptSamples { scriptSamples.append([]) }
            }
        }
        if kind.contains(.title) { titleDepth += step }
        if kind.contains(.noted) && kind.contains(.hidden) { styleDepth += step }  // <style>
        place = TextPlace(anchor: stack.last?.anchor ?? 0, inFooter: footerDepth > 0, hidden: stack.last?.concealment ?? 0)
    }

    private func characters(_ ch: UnsafePointer<xmlChar>?, _ len: Int32) {
        guard let ch, len > 0 else { return }
        let bytes = UnsafeRawBufferPointer(start: ch, count: Int(len))
        if titleDepth > 0 {
            var room = min(bytes.count, PageScanner.maxTitleBytes - title.utf8.count)
            if room < bytes.count { while room > 0 && bytes[room] & 0xC0 == 0x80 { room -= 1 } }  // whole characters only
            if room > 0 { title += String(decoding: bytes.prefix(room), as: UTF8.self) }
            return
        }
        if scriptDepth > 0 {
            script?.text(bytes, at: place)
            if scriptSamples.count <= Self.maxScriptSamples, !scriptSamples.isEmpty {
                let room = Self.maxScriptSample - scriptSamples[scriptSamples.count - 1].count
                if room > 0 { scriptSamples[scriptSamples.count - 1].append(contentsOf: bytes.prefix(room)) }
            }
            return
        }
        if styleDepth > 0 {
            styleText.append(contentsOf: bytes.prefix(max(0, Self.maxStyleBytes - styleText.count)))
            return
        }
        if capture.link >= 0 {
            if place.anchor == capture.anchor {
                let room = Self.maxLinkText - hiddenLinks[capture.link].text.count
                if room > 0 { hiddenLinks[capture.link].text.append(contentsOf: bytes.prefix(room)) }
            } else {
                capture = (-1, 0)
            }
        }
        if hiddenDepth > 0 { return }
        if place.hidden > 0 {
            hidden?.text(bytes, at: place)
            return
        }
        visible.text(bytes, at: place)
    }

}
