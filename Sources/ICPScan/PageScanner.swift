import CXML2

/// A streaming HTML scanner: bytes go in chunk by chunk (from curl's write callback), and
/// visible text, script text and the title come out as libxml2's push parser meets them.
/// Only the first `Charset.prescanLength` bytes are held back, to decide the encoding.
///
/// Not thread-safe: one scanner belongs to one transfer on one loop.
public final class PageScanner {
    public private(set) var title = ""
    public private(set) var charset: CharsetDecision?
    /// Visible text bytes seen (UTF-8), to tell script-rendered shells apart.
    public private(set) var visibleTextBytes = 0
    public private(set) var scriptBytes = 0
    public private(set) var scriptCount = 0
    public private(set) var bytesFed = 0

    private let contentType: String?
    private let visible: TextSink
    private let script: TextSink?
    private var parser: htmlParserCtxtPtr?
    private var held: [UInt8] = []
    private var finished = false

    private struct Open {
        var name: String
        var footer: Bool
        var hidden: Bool
        var script: Bool
        var anchor: Anchor?
        var hadAnchor: Bool
        var title: Bool
    }
    private var stack: [Open] = []
    private var footerDepth = 0
    private var hiddenDepth = 0
    private var scriptDepth = 0
    private var titleDepth = 0
    private var anchorCount = 0
    private var place = TextPlace(anchor: nil, inFooter: false)

    static let maxTitleBytes = 2048
    /// Past this nesting depth, elements still parse but are no longer tracked one by one.
    static let maxTrackedDepth = 512

    /// - Parameters:
    ///   - contentType: the HTTP Content-Type header, whose charset comes before `<meta>`.
    ///   - visible: gets the text a browser shows.
    ///   - script: gets the text of `<script>` elements (numbers there are not shown).
    public init(contentType: String?, visible: TextSink, script: TextSink?) {
        self.contentType = contentType
        self.visible = visible
        self.script = script
    }

    deinit {
        if let parser { htmlFreeParserCtxt(parser) }
    }

    public func feed(_ chunk: UnsafeRawBufferPointer) {
        guard !finished, chunk.count > 0 else { return }
        bytesFed += chunk.count
        if let parser {
            push(parser, chunk, terminate: false)
            return
        }
        held.append(contentsOf: chunk)
        if held.count >= Charset.prescanLength { start() }
    }

    /// Ends the document: flushes held bytes and closes open elements.
    public func finish() {
        guard !finished else { return }
        if parser == nil { start() }
        if let parser { push(parser, UnsafeRawBufferPointer(start: nil, count: 0), terminate: true) }
        finished = true
        visible.boundary()
    }

    private func push(_ parser: htmlParserCtxtPtr, _ chunk: UnsafeRawBufferPointer, terminate: Bool) {
        // htmlParseChunk takes an Int32 length; chunks from curl are at most CURL_MAX_WRITE_SIZE.
        let base = chunk.baseAddress?.assumingMemoryBound(to: CChar.self)
        _ = htmlParseChunk(parser, base, Int32(chunk.count), terminate ? 1 : 0)
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
        sax.startElement = { ctx, name, attrs in PageScanner.from(ctx).startElement(name, attrs) }
        sax.endElement = { ctx, name in PageScanner.from(ctx).endElement(name) }
        sax.characters = { ctx, ch, len in PageScanner.from(ctx).characters(ch, len) }
        sax.cdataBlock = { ctx, ch, len in PageScanner.from(ctx).characters(ch, len) }
        let me = Unmanaged.passUnretained(self).toOpaque()
        let isUTF8 = decision.name == "UTF-8"
        guard let ctxt = htmlCreatePushParserCtxt(&sax, me, nil, 0, nil, isUTF8 ? XML_CHAR_ENCODING_UTF8 : XML_CHAR_ENCODING_NONE) else {
            return
        }
        let options = HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue
            | HTML_PARSE_NONET.rawValue | HTML_PARSE_NOIMPLIED.rawValue | HTML_PARSE_IGNORE_ENC.rawValue
        _ = htmlCtxtUseOptions(ctxt, Int32(options))
        if !isUTF8, let handler = xmlFindCharEncodingHandler(decision.name) {
            _ = xmlSwitchToEncoding(ctxt, handler)
        }
        parser = ctxt
        let skip = min(decision.bomLength, held.count)
        held.withUnsafeBytes { p in
            push(ctxt, UnsafeRawBufferPointer(rebasing: p[skip...]), terminate: false)
        }
        held = []
    }

    private static func from(_ ctx: UnsafeMutableRawPointer?) -> PageScanner {
        Unmanaged<PageScanner>.fromOpaque(ctx!).takeUnretainedValue()
    }

    // MARK: SAX

    private static let blockElements: Set<String> = [
        "p", "div", "br", "li", "ul", "ol", "tr", "td", "th", "table", "tbody", "thead", "tfoot", "h1", "h2", "h3",
        "h4", "h5", "h6", "section", "article", "header", "footer", "nav", "aside", "dl", "dt", "dd", "hr", "form",
        "blockquote", "pre", "address", "main", "center", "body", "html", "option", "select", "iframe", "img",
    ]
    /// Elements whose content a browser does not show as text.
    private static let hiddenElements: Set<String> = ["style", "template", "head", "noframes", "object", "svg", "math"]

    private func startElement(_ rawName: UnsafePointer<xmlChar>?, _ attrs: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?) {
        guard let rawName else { return }
        let name = String(cString: rawName)
        if PageScanner.blockElements.contains(name) { visible.boundary() }
        if stack.count >= PageScanner.maxTrackedDepth { return }

        var href: String?
        var footerHint = name.contains("footer")
        if let attrs {
            var i = 0
            while let key = attrs[i] {
                let value = attrs[i + 1]
                i += 2
                guard let value else { continue }
                switch String(cString: key) {
                case "href" where name == "a" || name == "area": href = String(cString: value)
                case "id", "class":
                    if !footerHint { footerHint = PageScanner.namesFooter(value) }
                default: break
                }
            }
        }
        var open = Open(name: name, footer: footerHint, hidden: PageScanner.hiddenElements.contains(name),
                        script: name == "script", anchor: nil, hadAnchor: false, title: name == "title")
        if name == "a" {
            anchorCount += 1
            open.anchor = Anchor(id: anchorCount, href: href)
            open.hadAnchor = true
        }
        stack.append(open)
        if open.footer { footerDepth += 1 }
        if open.hidden && !open.title { hiddenDepth += 1 }
        if open.script { scriptDepth += 1; scriptCount += 1 }
        if open.title { titleDepth += 1 }
        updatePlace()
    }

    private func endElement(_ rawName: UnsafePointer<xmlChar>?) {
        guard let rawName else { return }
        let name = String(cString: rawName)
        if PageScanner.blockElements.contains(name) { visible.boundary() }
        // libxml2 reports implied end tags itself, so ends arrive in stack order; a stray one is ignored.
        guard let top = stack.last, top.name == name else { return }
        stack.removeLast()
        if top.footer { footerDepth -= 1 }
        if top.hidden && !top.title { hiddenDepth -= 1 }
        if top.script { scriptDepth -= 1; script?.boundary() }
        if top.title { titleDepth -= 1 }
        updatePlace()
    }

    private func updatePlace() {
        let anchor = stack.last(where: { $0.hadAnchor })?.anchor
        place = TextPlace(anchor: anchor, inFooter: footerDepth > 0)
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
            scriptBytes += bytes.count
            script?.text(bytes, at: place)
            return
        }
        if hiddenDepth > 0 { return }
        visibleTextBytes += bytes.count
        visible.text(bytes, at: place)
    }

    private static func namesFooter(_ value: UnsafePointer<xmlChar>) -> Bool {
        let v = String(cString: value).lowercased()
        return v.contains("foot") || v.contains("bottom") || v.contains("copyright")
    }
}
