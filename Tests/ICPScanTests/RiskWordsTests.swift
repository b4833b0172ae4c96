import XCTest
@testable import ICPScan
import ICPModel

/// What the scanner records for SPEC "Content risks": risk words with their place, and links a
/// person cannot see with how they are hidden. Expectations are written from SPEC and issue 21.
final class RiskWordsTests: XCTestCase {
    static let content = "<p>" + String(repeating: "我们是一家专注于企业信息化服务的科技公司，为客户提供网站建设与运维。", count: 10) + "</p>"
    /// Three links to other sites, the payload of the hidden-link tests.
    static let spam = "<a href=\"http://spam-one.example/\">友情</a> <a href=\"https://spam-two.example/x\">链接</a> <a href=\"//spam-three.example/\">三</a>"

    private func read(_ html: String) -> PageFacts { PageReader.read(Array(html.utf8)) }
    private func page(head: String = "", body: String) -> PageFacts {
        read("<html><head><title>示例科技</title>\(head)</head><body>\(Self.content)\(body)</body></html>")
    }

    private func words(_ facts: PageFacts) -> [String] { facts.riskWords.map { "\($0.word)@\($0.place.rawValue)×\($0.count)" } }

    // MARK: the matcher

    func testTheBundledListParsesAndHasEveryCategory() {
        let categories = Set(RiskWords.standard.entries.filter { !$0.isException }.map(\.category))
        XCTAssertEqual(categories, ["gambling", "pornography", "drugs", "fraud"])
        XCTAssertTrue(RiskWords.standard.entries.contains { $0.isException })
    }

    func testOnePassFindsOverlappingWordsAndExceptionsCancelOnlyWhatTheyCover() throws {
        let list = try RiskWords(tsv: "赌\tgambling\t1\n赌场\tgambling\t5\n赌气\texception\n", file: "t.tsv")
        var scan = RiskWordScan(list)
        scan.feed("他赌气不去赌场", place: .text)
        let hits = scan.finish().hits.map { "\($0.word)×\($0.count)" }
        // 赌 of 赌气 is inside the exception; 赌场 stands for the 赌 it holds.
        XCTAssertEqual(hits, ["赌场×1"])
    }

    func testAnExceptionEndingLaterStillCancelsAcrossChunks() throws {
        let list = try RiskWords(tsv: "彩票投注\tgambling\t3\n体育彩票投注站\texception\n", file: "t.tsv")
        var scan = RiskWordScan(list)
        for piece in ["中国体育", "彩票投", "注站开业"] {
            var bytes = Array(piece.utf8)
            bytes.withUnsafeBufferPointer { scan.feed($0, place: .text) }
        }
        XCTAssertEqual(scan.finish().hits, [])
    }

    func testAWordCutInsideACharacterIsStillFound() {
        var scan = RiskWordScan(.standard)
        let bytes = Array("的百家乐的".utf8)
        for cut in [(0, 7), (7, 11), (11, bytes.count)] {  // 乐 is cut after its first byte
            bytes[cut.0..<cut.1].withUnsafeBufferPointer { scan.feed($0, place: .text) }
        }
        XCTAssertEqual(scan.finish().hits.map(\.word), ["百家乐"])
    }

    func testAMalformedListNamesLineAndField() {
        func error(_ tsv: String) -> RiskWordsError? {
            do { _ = try RiskWords(tsv: tsv, file: "bad.tsv"); return nil } catch { return error }
        }
        XCTAssertEqual(error("# ok\n博彩\tgambling\t5\n百家乐\tcasino\t5\n").map { "\($0.line) \($0.field)" }, "3 category")
        XCTAssertEqual(error("博彩\tgambling\tmany\n").map { "\($0.line) \($0.field)" }, "1 weight")
        XCTAssertEqual(error("\tgambling\t5\n").map { "\($0.line) \($0.field)" }, "1 word")
        XCTAssertEqual(error("博彩\n").map { "\($0.line) \($0.field)" }, "1 line")
        XCTAssertEqual(error("博彩业\texception\t4\n").map { "\($0.line) \($0.field)" }, "1 weight")
    }

    // MARK: where words are found

    func testAGamblingTitleAndMetaKeywordsOnAnOtherwiseNormalPage() {
        let facts = read("""
            <html><head><title>澳门威尼斯人_百家乐官网</title>
            <meta name="keywords" content="百家乐,真人娱乐,开户送彩金"><meta name="description" content="示例科技有限公司">
            </head><body>\(Self.content)</body></html>
            """)
        XCTAssertEqual(words(facts), ["澳门威尼斯人@title×1", "百家乐@title×1", "百家乐@meta×1", "真人娱乐@meta×1", "开户送彩金@meta×1"])
    }

    func testVisibleTextAndLinkTextAreTold() {
        let facts = page(body: "<p>最新百家乐玩法</p><a href=\"/x\">时时彩</a><div style=\"display:none\">六合彩</div>")
        // Hidden text is not what a person reads: 六合彩 is not a text hit.
        XCTAssertEqual(words(facts), ["百家乐@text×1", "时时彩@link×1"])
    }

    func testFullWidthAndSpacedOutWordsAreFound() {
        let facts = page(body: "<p>ＰＫ１０ 开奖</p><p>百 家　乐</p><p>博&nbsp;彩<span>公</span>司</p>")
        XCTAssertEqual(words(facts), ["pk10@text×1", "百家乐@text×1", "博彩公司@text×1"])
    }

    func testWordsDoNotRunAcrossBlocks() {
        XCTAssertEqual(words(page(body: "<p>百家</p><p>乐园</p>")), [])
    }

    func testALotteryNewsPageIsHarmless() {
        let facts = page(body: """
            <h1>体育彩票投注站开业</h1><p>福利彩票投注站今日开奖，澳门博彩业收入公布，警方打击网络赌博。</p>
            <a href="/news/1">中国体育彩票平台公告</a>
            """)
        XCTAssertEqual(words(facts), [])
    }

    func testACustomListReplacesTheBundledOne() throws {
        let list = try RiskWords(tsv: "示例\tfraud\t7\n", file: "mine.tsv")
        let facts = PageReader.read(Array("<title>百家乐</title><p>示例</p>".utf8), riskWords: list)
        XCTAssertEqual(facts.riskWords.map(\.word), ["示例"])
    }

    func testHitsAreBoundedOnAHostilePage() {
        let words = RiskWords.standard.entries.filter { !$0.isException }.map(\.word)
        let body = (0..<40).map { _ in words.map { "<p>\($0)</p>" }.joined() }.joined()
        let facts = page(body: body)
        XCTAssertLessThanOrEqual(facts.riskWords.count, RiskWordScan.defaultMaxHits)
        XCTAssertGreaterThan(facts.riskWordsDropped, 0)
    }

    // MARK: hidden links: each trick on its own, inline and through the page's <style>

    private func assertHiddenLinks(_ facts: PageFacts, how: String, count: Int = 3, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(facts.hiddenLinks.count, count, "\(facts.hiddenLinks)", file: file, line: line)
        for l in facts.hiddenLinks { XCTAssertTrue(l.how.contains(how), "\(l.how) should say \(how)", file: file, line: line) }
    }

    func testDisplayNone() {
        assertHiddenLinks(page(body: "<div style=\"display:none\">\(Self.spam)</div>"), how: "display:none")
        assertHiddenLinks(page(head: "<style>.k{display:none}</style>", body: "<div class=\"k\">\(Self.spam)</div>"), how: "display:none")
    }

    func testFontSizeZero() {
        assertHiddenLinks(page(body: "<div style=\"font-size:0px\">\(Self.spam)</div>"), how: "font-size:0")
        assertHiddenLinks(page(head: "<style>#k{font-size:0}</style>", body: "<div id=\"k\">\(Self.spam)</div>"), how: "font-size:0")
    }

    func testZeroSizeBoxWithOverflowHidden() {
        assertHiddenLinks(page(body: "<div style=\"height:0;overflow:hidden\">\(Self.spam)</div>"), how: "zero size")
        assertHiddenLinks(page(head: "<style>.k{width:0px;overflow:hidden}</style>", body: "<div class=\"k\">\(Self.spam)</div>"), how: "zero size")
    }

    func testMarqueeOfZeroHeight() {
        assertHiddenLinks(page(body: "<marquee height=\"0\" width=\"1\">\(Self.spam)</marquee>"), how: "<marquee>")
        assertHiddenLinks(page(body: "<marquee style=\"height:1px\">\(Self.spam)</marquee>"), how: "<marquee>")
    }

    func testTextIndentAndOffsetsFarOffScreen() {
        assertHiddenLinks(page(body: "<div style=\"text-indent:-9999px\">\(Self.spam)</div>"), how: "off-screen")
        assertHiddenLinks(page(body: "<div style=\"position:absolute;left:-1000px;top:0\">\(Self.spam)</div>"), how: "off-screen")
        assertHiddenLinks(page(head: "<style>.k{position:absolute;top:-2000px}</style>", body: "<div class=\"k\">\(Self.spam)</div>"), how: "off-screen")
    }

    func testTextTheColourOfItsBackground() {
        assertHiddenLinks(page(body: "<div style=\"color:#fff;background-color:#FFFFFF\">\(Self.spam)</div>"), how: "colour of its background")
        assertHiddenLinks(page(head: "<style>.k{color:white;background:rgb(255,255,255)}</style>", body: "<p class=\"k\">\(Self.spam)</p>"),
                          how: "colour of its background")
    }

    func testHiddenLinksCarryTheirTextAndRiskWords() throws {
        let facts = page(body: "<div style=\"display:none\"><a href=\"http://x.example/\">澳门百家乐 官网</a><a href=\"http://bet.example/slot gacor\">go</a></div>")
        XCTAssertEqual(facts.hiddenLinks.map(\.text), ["澳门百家乐 官网", "go"])
        XCTAssertEqual(facts.hiddenLinks.map(\.riskWord), ["百家乐", "slot gacor"])
    }

    func testLinksADocumentWriteOfLiteralsHidesAreRead() {
        let script = """
            <script>document.write('<div style="font-size:0">' + "<a href=\\"http://a.example/\\">一</a>");
            document.writeln(`<a href='https://b.example/'>二</a></div>`); document.write(ad);</script>
            """
        let facts = page(body: script)
        XCTAssertEqual(facts.hiddenLinks.map(\.href), ["http://a.example/", "https://b.example/"])
        XCTAssertTrue(facts.hiddenLinks.allSatisfy { $0.how.contains("font-size:0") && $0.how.contains("document.write") }, "\(facts.hiddenLinks)")
        // A footer a script writes where a person sees it hides nothing.
        XCTAssertEqual(page(body: "<script>document.write('<a href=\"https://beian.miit.gov.cn/\">京ICP备12345678号-1</a>')</script>").hiddenLinks, [])
    }

    // MARK: controls: not hidden, or opened by the page itself

    func testShownLinksAndRelativeLinksAreNotRecorded() {
        XCTAssertEqual(page(body: Self.spam).hiddenLinks, [])
        XCTAssertEqual(page(body: "<div style=\"display:none\"><a href=\"/about\">关于</a><a href=\"#top\">顶部</a></div>").hiddenLinks, [])
    }

    func testAHiddenDropdownMenuIsNotHidden() {
        let menu = """
            <ul class="nav"><li><a href="/">首页</a><ul style="display:none"><li><a href="https://www.example.cn/a">产品</a></li>
            <li><a href="https://www.example.cn/b">案例</a></li><li><a href="https://shop.example.com/">商城</a></li></ul></li>
            <li><a href="/about">关于</a><div class="sub-menu" style="display:none">\(Self.spam)</div></li></ul>
            """
        XCTAssertEqual(page(body: menu).hiddenLinks, [])
    }

    func testAHiddenSharePopUpIsNotHidden() {
        let share = """
            <a href="#" onclick="document.getElementById('sharebox').style.display='block'">分享</a>
            <div id="sharebox" class="share-popup" style="display:none"><a href="https://service.weibo.com/share/share.php?url=x">微博</a>
            <a href="https://connect.qq.com/widget/shareqq/index.html?url=x">QQ</a></div>
            """
        XCTAssertEqual(page(body: share).hiddenLinks, [])
    }

    func testAFontSizeZeroContainerWhoseItemsSizeThemselvesShowsThem() {
        XCTAssertEqual(page(body: "<div style=\"font-size:0\"><span style=\"font-size:14px\">\(Self.spam)</span></div>").hiddenLinks, [])
        XCTAssertEqual(page(body: "<ul style=\"font-size:0\"><li class=\"item\">\(Self.spam)</li></ul>").hiddenLinks, [])
    }

    func testALogoDrawnInPlaceOfItsTextIsShown() {
        XCTAssertEqual(page(body: "<a href=\"https://partner.example/\" style=\"text-indent:-9999px;background:url(p.png)\">伙伴</a>").hiddenLinks, [])
    }

    func testHiddenLinksAreBounded() {
        let many = (0..<200).map { "<a href=\"http://s\($0).example/\">x</a>" }.joined()
        let facts = page(body: "<div style=\"display:none\">\(many)</div>")
        XCTAssertEqual(facts.hiddenLinks.count, PageScanner.maxHiddenLinks)
        XCTAssertEqual(facts.hiddenLinksDropped, 200 - PageScanner.maxHiddenLinks)
    }

    // MARK: what a browser shows that libxml2 would stop before

    func testSpamAppendedAfterTheDocumentIsRead() {
        let facts = read("<html><head><title>示例</title></head><body>\(Self.content)</body></html>\n<div style=\"display:none\">\(Self.spam)</div>")
        XCTAssertEqual(facts.hiddenLinks.count, 3)
        let stray = read("</div>\n<p>示例</p><div style=\"display:none\">\(Self.spam)</div>")
        XCTAssertEqual(stray.hiddenLinks.count, 3)
    }

    func testEndTagsCutByChunksAreStillDropped() {
        let html = "<html><body>\(Self.content)</body></html><div style=\"display:none\">\(Self.spam)</div>"
        for size in [1, 3, 7, 64] {
            XCTAssertEqual(PageReader.read(Array(html.utf8), chunkSize: size).hiddenLinks.count, 3, "chunks of \(size)")
        }
    }
}
