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

    private let contentType: String?
    private let visible: TextSink
    private let script: TextSink?
    private var parser: htmlParserCtxtPtr?
    private var held: [UInt8] = []
    /// libxml2 always gets well-formed UTF-8: a legacy charset is decoded first, then repaired.
    private var transcoder: Transcoder?
    private var repair = UTF8Repair()
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
    }
    private var stack: [Open] = []
    /// Elements past `maxTrackedDepth`, parsed but not tracked.
    private var untracked = 0
    private var footerDepth = 0
    private var hiddenDepth = 0
    private var scriptDepth = 0
    private var titleDepth = 0
    private var anchorCount = 0
    private var place = TextPlace(anchor: 0, inFooter: false)

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
            push(parser, UnsafeRawBufferPointer(start: nil, count: 0), terminate: true)
        }
        finished = true
        visible.boundary()
    }

    private func deliver(_ parser: htmlParserCtxtPtr, _ chunk: UnsafeRawBufferPointer) {
        if let transcoder {
            transcoder.feed(chunk) { utf8 in repair.feed(utf8) { push(parser, $0, terminate: false) } }
        } else {
            repair.feed(chunk) { push(parser, $0, terminate: false) }
        }
    }

    private func push(_ parser: htmlParserCtxtPtr, _ chunk: UnsafeRawBufferPointer, terminate: Bool) {
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
        if kind.contains(.block) { visible.boundary() }
        if stack.count >= PageScanner.maxTrackedDepth { untracked += 1; return }

        var href: String?
        var footer = kind.contains(.footer)
        if let attrs {
            var i = 0
            while let name = attrs[i] {
                let value = attrs[i + 1]
                i += 2
                guard let value else { continue }
                switch ElementKind.pack(name) {
                case ElementKind.hrefKey where kind.contains(.link): href = String(cString: value)
                case ElementKind.idKey, ElementKind.classKey: footer = footer || ElementKind.namesFooter(value)
                default: break
                }
            }
        }
        var anchor = stack.last?.anchor ?? 0
        if kind.contains(.anchor) {
            anchorCount += 1
            anchor = anchorCount
            visible.anchorOpened(id: anchor, href: href)
        }
        stack.append(Open(key: key, kind: kind, footer: footer, anchor: anchor))
        enter(kind, footer, by: 1)
    }

    private func endElement(_ rawName: UnsafePointer<xmlChar>?) {
        guard let rawName else { return }
        let key = ElementKind.pack(rawName)
        let kind = ElementKind.of(key, rawName)
        if kind.contains(.block) { visible.boundary() }
        if untracked > 0 { untracked -= 1; return }
        // libxml2 reports implied end tags itself, so ends arrive in stack order; a stray one is ignored.
        guard let top = stack.last, top.key == key else { return }
        stack.removeLast()
        enter(top.kind, top.footer, by: -1)
        if top.kind.contains(.script) { script?.boundary() }
    }

    /// Counts the element in (or out of) the regions it opens.
    private func enter(_ kind: ElementKind, _ footer: Bool, by step: Int) {
        if footer { footerDepth += step }
        if kind.contains(.hidden) { hiddenDepth += step }
        if kind.contains(.script) { scriptDepth += step; if step > 0 { scriptCount += 1 } }
        if kind.contains(.title) { titleDepth += step }
        place = TextPlace(anchor: stack.last?.anchor ?? 0, inFooter: footerDepth > 0)
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
            return
        }
        if hiddenDepth > 0 { return }
        visible.text(bytes, at: place)
    }

}
