import Foundation
import XCTest
@testable import ICPRules
import ICPModel
import ICPScan

/// CONTENT_RISK_WORDS and CONTENT_HIDDEN_LINKS (SPEC "Content risks"), judged from pages read by
/// the scanner. Expectations are written from SPEC and issue 21; the real pages of
/// ../shared/darklinks are read at run time when present.
final class ContentRiskRulesTests: XCTestCase {
    static let content = "<p>" + String(repeating: "我们是一家专注于企业信息化服务的科技公司，为客户提供网站建设与运维。", count: 10) + "</p>"

    private func evaluate(_ html: String, host: String = "www.example.cn") -> [Finding] {
        ContentRules.evaluate(PageReader.read(Array(html.utf8)), pageHost: host, host: host)
    }
    private func page(title: String = "示例科技", head: String = "", body: String) -> String {
        "<html><head><title>\(title)</title>\(head)</head><body>\(Self.content)\(body)</body></html>"
    }

    func testAnOrdinaryPageIsQuiet() {
        XCTAssertEqual(evaluate(page(body: "<a href=\"https://www.miit.gov.cn/\">工信部</a>")), [])
    }

    func testAGamblingTitleAndMetaKeywordsWarnNamingWordsCategoryAndPlaceTitleFirst() throws {
        let findings = evaluate(page(title: "澳门威尼斯人-示例科技", head: "<meta name=\"keywords\" content=\"百家乐,示例\">",
                                     body: "<p>真人娱乐</p>"))
        XCTAssertEqual(findings.map(\.code), [.contentRiskWords])
        let f = try XCTUnwrap(findings.first)
        XCTAssertEqual(f.severity, .warn)
        XCTAssertEqual(f.fact("words"), .list(["澳门威尼斯人", "百家乐", "真人娱乐"], more: 0))
        XCTAssertEqual(f.fact("categories"), .terms(["gambling"]))
        XCTAssertEqual(f.fact("places"), .terms(["title", "meta", "text"]))
        XCTAssertEqual(f.detail(in: .zh), "网站标题、描述与关键词、正文含有赌博类风险词：澳门威尼斯人、百家乐、真人娱乐（加权 50，阈值 20）")
        let title = try XCTUnwrap(f.detail.range(of: "澳门威尼斯人")), text = try XCTUnwrap(f.detail.range(of: "真人娱乐"))
        XCTAssertLessThan(title.lowerBound, text.lowerBound, "title and meta come first")
    }

    func testOneHeadlineNamingAGamblingWordIsBelowTheThreshold() {
        XCTAssertEqual(evaluate(page(body: "<a href=\"/news/1\">警方捣毁百家乐窝点</a>")), [])
    }

    func testSeveralWordsInTheTextReachTheThreshold() {
        XCTAssertEqual(evaluate(page(body: "<p>百家乐</p><p>时时彩</p>")).map(\.code), [.contentRiskWords])
    }

    func testTheLotteryNewsPageIsQuiet() {
        XCTAssertEqual(evaluate(page(title: "体育彩票投注站-彩票新闻", body: """
            <p>福利彩票投注站今日开奖。体育彩票投注站开业。中国体育彩票平台公告。澳门博彩业收入公布，博彩税下调。</p>
            """)), [])
    }

    private static let three = "<a href=\"http://a.example.com/\">一</a><a href=\"https://b.example.org/\">二</a><a href=\"//c.example.net/\">三</a>"

    func testThreeHiddenOffSiteLinksAreAnErrorWithCountHowAndURLs() throws {
        let findings = evaluate(page(body: "<div style=\"position:absolute;top:-9999px\">\(Self.three)</div>"))
        XCTAssertEqual(findings.map(\.code), [.contentHiddenLinks])
        let f = try XCTUnwrap(findings.first)
        XCTAssertEqual(f.severity, .error)
        XCTAssertTrue(f.detail.hasPrefix("3 hidden links to other sites"), f.detail)
        XCTAssertTrue(f.detail.contains("off-screen"), f.detail)
        XCTAssertTrue(f.detail.contains("http://a.example.com/"), f.detail)
    }

    func testTwoHiddenLinksWithoutRiskWordsAreNotEnough() {
        XCTAssertEqual(evaluate(page(body: "<div style=\"display:none\"><a href=\"http://a.example.com/\">一</a><a href=\"http://b.example.org/\">二</a></div>")), [])
    }

    func testOneHiddenLinkWithARiskWordIsEnough() throws {
        let findings = evaluate(page(body: "<div style=\"font-size:0\"><a href=\"http://a.example.com/\">澳门百家乐</a></div>"))
        XCTAssertEqual(findings.map(\.code), [.contentHiddenLinks])
        XCTAssertTrue(try XCTUnwrap(findings.first).detail.contains("百家乐"))
    }

    func testHiddenLinksToTheSitesOwnDomainDoNotCount() {
        let own = "<a href=\"http://www.example.cn/a\">一</a><a href=\"https://example.cn/b\">二</a><a href=\"http://m.example.cn/\">三</a>"
        XCTAssertEqual(evaluate(page(body: "<div style=\"display:none\">\(own)</div>"), host: "www.example.cn"), [])
    }

    func testTheQuietControls() {
        let menu = "<ul><li><a href=\"/\">首页</a><ul style=\"display:none\">\(Self.three)</ul></li></ul>"
        let share = "<div class=\"share-pop\" style=\"display:none\"><a href=\"https://service.weibo.com/share/share.php\">微博</a><a href=\"https://connect.qq.com/widget/shareqq/\">QQ</a></div>"
        XCTAssertEqual(evaluate(page(body: menu + share)), [])
    }

    func testAnObservationSavedBeforeContentRisksIsNotJudgedOnThem() {
        var facts = PageReader.read(Array(page(title: "百家乐", body: "<div style=\"display:none\">\(Self.three)</div>").utf8))
        facts.contentRead = false
        XCTAssertEqual(ContentRules.evaluate(facts, pageHost: "example.cn", host: "example.cn"), [])
    }

    // MARK: real pages

    static let darklinks = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared/darklinks").standardized

    private func real(_ name: String, host: String) throws -> [FindingCode] {
        let path = Self.darklinks.appendingPathComponent(name).path
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("\(path) is not here") }
        let facts = try XCTUnwrap(PageReader.read(file: path))
        return ContentRules.evaluate(facts, pageHost: host, host: host).map(\.code)
    }

    func testRealHackedPages() throws {
        // A hijacked title and meta written as character references (北京赛车pk10…).
        XCTAssertEqual(try real("002.html", host: "www.furuijiayigui.com"), [.contentRiskWords])
        // A planted block of hidden gambling links, after the page's own </body>.
        XCTAssertEqual(try real("007.html", host: "www.example.co.id"), [.contentHiddenLinks])
        // A display:none block of replica-watch links.
        XCTAssertEqual(try real("010.html", host: "nhadep.com.vn"), [.contentHiddenLinks])
    }

    func testRealOrdinaryPagesAreQuiet() throws {
        // Hidden menus and tabs of the site's own pages, a gambling headline, share buttons on hidden pages of an article.
        for (name, host) in [("012.html", "prosa.services.came.sbg.ac.at"), ("014.html", "www.southcn.com"), ("015.html", "www.news.cn"),
                             ("016.html", "tabletennis.ph"), ("017.html", "www.liputan6.com"), ("018.html", "www.cnarts.net")] {
            XCTAssertEqual(try real(name, host: host), [], name)
        }
    }
}
