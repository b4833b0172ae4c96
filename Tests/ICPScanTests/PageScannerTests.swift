import XCTest
@testable import ICPScan
import ICPModel

/// Records what a scanner emits, as text with markers for places and boundaries.
final class Recorder: TextSink {
    var runs: [(String, TextPlace)] = []
    var boundaries = 0
    func text(_ bytes: UnsafeRawBufferPointer, at place: TextPlace) {
        runs.append((String(decoding: bytes, as: UTF8.self), place))
    }
    var hrefs: [Int: String?] = [:]
    func boundary() { boundaries += 1 }
    func anchorOpened(id: Int, href: String?) { hrefs[id] = href }
    var all: String { runs.map(\.0).joined() }
}

final class PageScannerTests: XCTestCase {
    private func scan(_ bytes: [UInt8], contentType: String? = nil, chunk: Int = 4096) -> (PageScanner, Recorder, Recorder) {
        let visible = Recorder(), script = Recorder()
        let scanner = PageScanner(contentType: contentType, visible: visible, script: script)
        feed(bytes, to: scanner, chunk: chunk)
        scanner.finish()
        return (scanner, visible, script)
    }

    private func feed(_ bytes: [UInt8], to scanner: PageScanner, chunk: Int) {
        bytes.withUnsafeBytes { all in
            for i in stride(from: 0, to: all.count, by: chunk) {
                scanner.feed(UnsafeRawBufferPointer(rebasing: all[i..<min(i + chunk, all.count)]))
            }
        }
    }

    private func gbk(_ s: String) -> [UInt8] {
        // GB18030 bytes of a few fixed characters, so the test needs no encoder.
        let table: [Character: [UInt8]] = ["京": [0xBE, 0xA9], "备": [0xB1, 0xB8], "号": [0xBA, 0xC5], "示": [0xCA, 0xBE], "例": [0xC0, 0xFD]]
        return s.flatMap { table[$0] ?? Array(String($0).utf8) }
    }

    /// libxml2 2.9.14 loses track of a start tag cut by a chunk boundary inside a quoted
    /// attribute value and holds the rest of the page unparsed until the last chunk. The
    /// scanner must keep parsing as the page streams in: text far past many such cuts has been
    /// seen before the page is finished.
    func testTagsCutInsideQuotedValuesDoNotStallTheParse() {
        var page = "<html><head><title>t</title></head><body>"
        for i in 0..<3000 { page += "<a href=\"/p\(i)\" title='x\(i)'>link \(i)</a> " }
        page += "<p>MIDDLE</p>"
        for i in 0..<3000 { page += "<a href=\"/q\(i)\">more \(i)</a> " }
        page += "</body></html>"
        let bytes = Array(page.utf8)
        for chunk in [7, 13, 100, 16384] {
            let visible = Recorder()
            let scanner = PageScanner(contentType: "text/html; charset=utf-8", visible: visible, script: nil)
            feed(bytes, to: scanner, chunk: chunk)
            XCTAssertTrue(visible.all.contains("MIDDLE"), "chunks of \(chunk): parse stalled before the middle")
            XCTAssertTrue(visible.all.contains("more 2990"), "chunks of \(chunk): parse stalled")
            scanner.finish()
            XCTAssertEqual(visible.runs.filter { $0.0.hasPrefix("link ") }.count, 3000, "chunks of \(chunk)")
        }
    }

    func testCharsetPrecedenceIsBOMThenHeaderThenMetaThenSniff() {
        let meta = Array("<html><head><meta charset=\"gbk\"><title>t</title></head><body>x</body></html>".utf8)
        XCTAssertEqual(scan(meta).0.charset, CharsetDecision(name: "GB18030", source: .meta))
        XCTAssertEqual(scan(meta, contentType: "text/html; charset=UTF-8").0.charset, CharsetDecision(name: "UTF-8", source: .http))
        XCTAssertEqual(scan([0xEF, 0xBB, 0xBF] + meta, contentType: "text/html; charset=gbk").0.charset,
                       CharsetDecision(name: "UTF-8", source: .bom, bomLength: 3))
        let httpEquiv = Array("<meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\"><title>t</title>".utf8)
        XCTAssertEqual(scan(httpEquiv).0.charset, CharsetDecision(name: "GB18030", source: .meta))
        XCTAssertEqual(scan(Array("<p>plain ascii</p>".utf8)).0.charset, CharsetDecision(name: "UTF-8", source: .sniff))
    }

    /// An undeclared GBK page is not read as Latin-1 (libxml2's own fallback) but as GB18030.
    func testUndeclaredGBKIsSniffedAndDecoded() {
        let page = Array("<html><head><title>".utf8) + gbk("示例") + Array("</title></head><body><p>".utf8) + gbk("京ICP备12345678号")
            + Array("</p></body></html>".utf8)
        let (scanner, visible, _) = scan(page)
        XCTAssertEqual(scanner.charset, CharsetDecision(name: "GB18030", source: .sniff))
        XCTAssertEqual(scanner.title, "示例")
        XCTAssertTrue(visible.all.contains("京ICP备12345678号"), visible.all)
    }

    func testHiddenContentIsNotVisibleAndScriptsGoToTheScriptSink() {
        let html = """
        <html><head><title>T</title><style>.a{content:"京ICP备1号"}</style></head><body>
        <!-- 京ICP备11111111号 --><template><p>京ICP备22222222号</p></template>
        <script type="text/template">京ICP备33333333号</script><p>shown</p></body></html>
        """
        let (_, visible, script) = scan(Array(html.utf8))
        XCTAssertFalse(visible.all.contains("ICP"), visible.all)
        XCTAssertTrue(visible.all.contains("shown"))
        XCTAssertEqual(script.all, "京ICP备33333333号")
    }

    func testFooterRegionAndAnchorsAreAttributed() {
        let html = """
        <body><p>body</p><div class="site-Footer"><a href=" https://beian.miit.gov.cn/ ">icp</a><a>bare</a></div>
        <div id="bottom">b</div><el-footer>c</el-footer><footer>d</footer></body>
        """
        let (_, visible, _) = scan(Array(html.utf8))
        let place = Dictionary(visible.runs.map { ($0.0.trimmingCharacters(), $0.1) }, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(place["body"]?.inFooter, false)
        XCTAssertEqual(place["body"]?.anchor, 0)
        XCTAssertEqual(place["icp"]?.inFooter, true)
        XCTAssertEqual(visible.hrefs[place["icp"]?.anchor ?? 0], " https://beian.miit.gov.cn/ ")
        let bare = place["bare"]?.anchor ?? 0
        XCTAssertNotEqual(bare, 0)
        XCTAssertEqual(visible.hrefs[bare], .some(nil), "an <a> without href is an anchor with no link")
        XCTAssertEqual(place["b"]?.inFooter, true)
        XCTAssertEqual(place["c"]?.inFooter, true)
        XCTAssertEqual(place["d"]?.inFooter, true)
    }

    /// Chunking never changes what comes out, down to one byte at a time.
    func testChunkingDoesNotChangeTheResult() {
        let html = Array("<html><head><meta charset=utf-8><title>示例 科技</title></head><body><p>前文</p><div class=footer><a href=\"https://beian.miit.gov.cn/\">京ICP备12345678号-1</a></div></body></html>".utf8)
        let (whole, wholeText, _) = scan(html)
        for chunk in [1, 2, 3, 7, 64] {
            let (s, v, _) = scan(html, chunk: chunk)
            XCTAssertEqual(s.title, whole.title, "chunk \(chunk)")
            XCTAssertEqual(v.all, wholeText.all, "chunk \(chunk)")
            XCTAssertEqual(s.charset, whole.charset)
        }
        XCTAssertEqual(whole.title, "示例 科技")
    }

    /// Bad bytes cost the characters they break, not the rest of the page (libxml2 2.9 alone
    /// would switch a UTF-8 page to Latin-1, or stop a GBK one, at the first bad byte).
    func testInvalidBytesAndNULsDoNotHideTheFooter() {
        let utf8 = Array("<html><head><meta charset=utf-8></head><body><p>前</p>".utf8) + [0xFF, 0xFE, 0xC3, 0x28, 0xE4, 0xB8, 0x00, 0x00]
            + Array("<p>京ICP备12345678号</p></body></html>".utf8)
        let gbkPage = Array("<html><head><meta charset=gbk></head><body><p>".utf8) + [0xFF, 0xFF, 0x80, 0x20, 0x81, 0x00]
            + Array("</p><p>".utf8) + gbk("京ICP备12345678号") + Array("</p></body></html>".utf8)
        for page in [utf8, gbkPage] {
            for chunk in [1, 2, 5, 4096] {
                let (_, visible, _) = scan(page, chunk: chunk)
                XCTAssertTrue(visible.all.contains("京ICP备12345678号"), "chunk \(chunk): \(visible.all)")
                XCTAssertTrue(visible.all.contains("\u{FFFD}"), "bad bytes show as U+FFFD")
            }
        }
    }

    /// A GBK page fed a byte at a time decodes the same as fed whole.
    func testLegacyCharsetAcrossChunkBoundaries() {
        let page = Array("<html><head><meta charset=gb2312><title>".utf8) + gbk("示例") + Array("</title></head><body><p>".utf8)
            + gbk("京ICP备12345678号") + Array("</p></body></html>".utf8)
        let (whole, wholeText, _) = scan(page)
        let (bytewise, byteText, _) = scan(page, chunk: 1)
        XCTAssertEqual(whole.title, "示例")
        XCTAssertEqual(bytewise.title, "示例")
        XCTAssertEqual(byteText.all, wholeText.all)
        XCTAssertFalse(byteText.all.contains("\u{FFFD}"))
    }

    /// A page without <html> is read to its end (libxml2 with NOIMPLIED stops after the first element).
    func testPageWithoutRootElementIsReadToTheEnd() {
        let (_, visible, _) = scan(Array("<p>a</p><p>b</p><div class=footer>京ICP备12345678号-1</div>".utf8))
        XCTAssertTrue(visible.all.contains("京ICP备12345678号-1"), visible.all)
        XCTAssertTrue(visible.runs.contains { $0.0.contains("京ICP备") && $0.1.inFooter })
    }

    func testTitleIsCapped() {
        let html = Array(("<title>" + String(repeating: "长", count: 100_000) + "</title><p>x</p>").utf8)
        XCTAssertLessThanOrEqual(scan(html).0.title.utf8.count, PageScanner.maxTitleBytes)
    }
}

private extension String {
    func trimmingCharacters() -> String { split(whereSeparator: \.isWhitespace).joined() }
}
