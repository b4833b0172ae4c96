import XCTest
@testable import ICPRules
import ICPModel
import ICPReport
import ICPScan

/// CONTENT_CLOAKED (SPEC "Content risks", `--cloak-check`): the home page read as a person and as
/// Baiduspider. Raised when the spider's title or its links to other sites differ and its page
/// carries risk words or hidden links the person's does not. Expectations written from SPEC.
final class CloakingRulesTests: XCTestCase {
    static let footer = "<div class=\"footer\"><a href=\"https://beian.miit.gov.cn/\">京ICP备12345678号-1</a></div>"
    static let content = "<p>" + String(repeating: "我们是一家专注于企业信息化服务的科技公司。", count: 10) + "</p>"

    private func page(_ title: String, _ body: String = "") -> PageFacts {
        PageReader.read(Array("<html><head><title>\(title)</title></head><body>\(Self.content)\(body)\(Self.footer)</body></html>".utf8))
    }

    private func cloaking(_ person: PageFacts, _ spider: PageFacts?) -> [Finding] {
        ContentRules.cloaking(person: person, spider: spider, pageHost: "www.example.cn", host: "www.example.cn")
    }

    private static let betLinks = (0..<4).map { "<a href=\"http://bet\($0).example/\">百家乐开户送彩金</a>" }.joined()

    func testASpiderShownAGamblingTitleAndLinksIsCloaking() throws {
        let findings = cloaking(page("示例科技"), page("澳门威尼斯人_百家乐", Self.betLinks))
        XCTAssertEqual(findings.map(\.code), [.contentCloaked])
        let f = try XCTUnwrap(findings.first)
        XCTAssertEqual(f.severity, .warn)
        XCTAssertEqual(f.fact("spider_title"), .text("澳门威尼斯人_百家乐"))
        XCTAssertEqual(f.fact("sites"), .list(["bet0.example", "bet1.example", "bet2.example", "bet3.example"], more: 0))
        XCTAssertTrue(f.detail(in: .zh).hasPrefix("以百度蜘蛛访问时首页内容不同：标题“澳门威尼斯人_百家乐”（访问者看到“示例科技”）；访问者看不到的风险词：澳门威尼斯人、百家乐"),
                      f.detail(in: .zh))
    }

    func testTheSamePageForBothIsQuiet() {
        XCTAssertEqual(cloaking(page("示例科技", Self.betLinks), page("示例科技", Self.betLinks)), [])
        XCTAssertEqual(cloaking(page("示例科技"), nil), [], "not checked")
    }

    /// Another title alone (a spider-friendly title, say) is not cloaking: nothing risky is shown.
    func testAnotherTitleWithoutRiskWordsOrHiddenLinksIsQuiet() {
        XCTAssertEqual(cloaking(page("示例科技"), page("示例科技 - 企业信息化服务专家")), [])
    }

    /// The same title, but links to other sites with risk words only the spider sees.
    func testTheSameTitleWithRiskyLinksOnlyTheSpiderSeesIsCloaking() {
        XCTAssertEqual(cloaking(page("示例科技"), page("示例科技", Self.betLinks)).map(\.code), [.contentCloaked])
    }

    /// Hidden links only the spider is served, to other sites, with another title: cloaking
    /// even without a risk word.
    func testHiddenLinksOnlyTheSpiderSeesAreCloaking() {
        let hidden = "<div style=\"display:none\">" + (0..<3).map { "<a href=\"http://shop\($0).example/\">友情</a>" }.joined() + "</div>"
        XCTAssertEqual(cloaking(page("示例科技"), page("示例科技官网", hidden)).map(\.code), [.contentCloaked])
    }
}
