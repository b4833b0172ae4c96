import XCTest
import ICPModel
@testable import ICPRules
@testable import ICPNumbers
@testable import ICPScan

final class GrammarTests: XCTestCase {
    private func numbers(_ text: String) -> [ShownNumber] {
        PageReader.read(Array("<html><body><div>\(text)</div></body></html>".utf8)).numbers
    }

    func testRecordForms() {
        XCTAssertEqual(numbers("京ICP备12345678号-1").map(\.canonical), ["京ICP备12345678号-1"])
        XCTAssertEqual(numbers("京ICP备12345678-1号").map(\.canonical), ["京ICP备12345678号-1"])
        XCTAssertEqual(numbers("京ＩＣＰ备１２３４５６７８号－１").map(\.canonical), ["京ICP备12345678号-1"])
        XCTAssertEqual(numbers("京 ICP 备 12345678 号 - 1").map(\.canonical), ["京ICP备12345678号-1"])
        XCTAssertEqual(numbers("京icp备12345678号").map(\.canonical), ["京ICP备12345678号"])
        XCTAssertEqual(numbers("京&nbsp;ICP备2021039469号-2").map(\.canonical), ["京ICP备2021039469号-2"])
        XCTAssertEqual(numbers("川ICP备12345678号-1").first?.province, "蜀")
    }

    /// A year after the number is not read as its site suffix.
    func testSuffixStopsAtASeparator() {
        XCTAssertEqual(numbers("京ICP备12345678号-1 2026").map(\.canonical), ["京ICP备12345678号-1"])
        XCTAssertEqual(numbers("<p>京ICP备12345678号</p><p>-2026</p>").map(\.canonical), ["京ICP备12345678号"])
        XCTAssertEqual(numbers("京ICP备12345678号-12345").map(\.canonical), ["京ICP备12345678号"])
    }

    func testLicencesAndPSB() {
        let n = numbers("京ICP证030173号 粤B2-20090059 B1-20060139 京公网安备 11010502030143号 公安备案号11010502030144 湘公安网备号43010402000231号")
        XCTAssertEqual(n.map(\.kind), [.licence, .licence, .licence, .psb, .psb, .psb])
        XCTAssertEqual(n.filter { $0.kind == .psb }.map(\.digits), ["11010502030143", "11010502030144", "43010402000231"])
        XCTAssertEqual(numbers("版本号 B2-2 AB1-20060139").count, 0)
    }

    func testNumbersSplitAcrossTheMatchWindowAreFound() {
        // Place the number across every point of the collector's window boundary.
        for pad in stride(from: NumberCollector.window - NumberCollector.tail - 40, through: NumberCollector.window + 20, by: 3) {
            let html = "<p>" + String(repeating: "a", count: pad) + "京ICP备12345678号-1</p>"
            let found = PageReader.read(Array(html.utf8), chunkSize: 1000).numbers.map(\.canonical)
            XCTAssertEqual(found, ["京ICP备12345678号-1"], "pad \(pad)")
        }
    }

    func testRecordNumberParse() {
        XCTAssertEqual(RecordNumber.parse(" 京ICP备12345678号-1 "), RecordNumber(province: "京", digits: "12345678", suffix: "1"))
        XCTAssertEqual(RecordNumber.parse("粤ICP备2020085709号")?.isSiteLevel, false)
        XCTAssertNil(RecordNumber.parse("京ICP备12345678号-1 extra"))
        XCTAssertNil(RecordNumber.parse("京ICP证030173号"))
        XCTAssertNil(RecordNumber.parse("12345678"))
    }
}

final class LinkRulesTests: XCTestCase {
    func testMIITLinkAsSPECWritesIt() {
        for ok in ["https://beian.miit.gov.cn/", "http://beian.miit.gov.cn", "https://beian.miit.gov.cn/?fr=a",
                   "https://beian.miit.gov.cn/#/Integrated/index", "//beian.miit.gov.cn/", " https://BEIAN.miit.gov.cn/ "] {
            XCTAssertTrue(LinkRules.isMIITHome(ok), ok)
        }
        for wrong in ["http://www.miitbeian.gov.cn/", "http://www.miibeian.gov.cn/", "https://www.beian.miit.gov.cn/",
                      "https://beian.miit.gov.cn/publish/query", "https://www.miit.gov.cn/", "/beian", "#", "javascript:void(0)",
                      "beian.miit.gov.cn", "https://beian.miit.gov.cn.evil.cn/", "https://beian.miit.gov.cn:8443/"] {
            XCTAssertFalse(LinkRules.isMIITHome(wrong), wrong)
        }
    }

    func testPSBLink() {
        XCTAssertTrue(LinkRules.isPSBPlatform("http://www.beian.gov.cn/portal/registerSystemInfo?recordcode=1"))
        XCTAssertTrue(LinkRules.isPSBPlatform("https://beian.mps.gov.cn/#/query/webSearch?code=1"))
        XCTAssertFalse(LinkRules.isPSBPlatform("https://beian.miit.gov.cn/"))
        XCTAssertEqual(LinkRules.psbCode(inLink: "https://beian.mps.gov.cn/#/query/webSearch?code=11010502053733"), "11010502053733")
        XCTAssertEqual(LinkRules.psbCode(inLink: "http://www.beian.gov.cn/portal/registerSystemInfo?recordcode=42010202000111"), "42010202000111")
    }
}

final class PageRulesTests: XCTestCase {
    private func codes(_ footer: String, icp: String = "京ICP备12345678号-1", psb: String = "", name: String = "", title: String = "示例") -> [String] {
        let html = "<html><head><title>\(title)</title></head><body><p>正文</p><footer>\(footer)</footer></body></html>"
        let page = PageReader.read(Array(html.utf8))
        let filed = FiledSite(icp: RecordNumber.parse(icp)!, psbCode: psb, serviceName: name)
        return PageRules.evaluate(page, against: filed, host: "example.cn").map(\.code.rawValue)
    }

    private let psbOK = "<a href=\"http://www.beian.gov.cn/portal/registerSystemInfo?recordcode=11010502000001\">京公网安备11010502000001号</a>"
    private let miit = "https://beian.miit.gov.cn/"

    func testICPRules() {
        XCTAssertEqual(codes("<a href=\"\(miit)\">京ICP备12345678号-1</a>\(psbOK)"), [])
        XCTAssertEqual(codes("京ICP备12345678号-1\(psbOK)"), ["ICP_NOT_LINKED"])
        XCTAssertEqual(codes("<a href=\"http://www.miitbeian.gov.cn/\">京ICP备12345678号-1</a>\(psbOK)"), ["ICP_LINK_WRONG"])
        XCTAssertEqual(codes("<a href=\"\(miit)\">京ICP备12345678号</a>\(psbOK)"), ["ICP_SUBJECT_LEVEL"])
        XCTAssertEqual(codes("<a href=\"\(miit)\">粤ICP备12345678号</a>\(psbOK)", icp: "粤ICP备12345678号-1"), [])
        XCTAssertEqual(codes("<a href=\"\(miit)\">京ICP备87654321号-1</a>\(psbOK)"), ["ICP_WRONG"])
        XCTAssertEqual(codes("<a href=\"\(miit)\">京ICP证030173号</a>\(psbOK)"), ["ICP_WRONG"])
        XCTAssertEqual(codes(psbOK), ["ICP_MISSING"])
        // One correct occurrence among several is enough.
        XCTAssertEqual(codes("京ICP备12345678号-1 京ICP证030173号 <a href=\"\(miit)\">京ICP备12345678号-1</a>\(psbOK)"), [])
        XCTAssertEqual(codes("<a>京ICP备12345678号-1</a>\(psbOK)"), ["ICP_NOT_LINKED"])
    }

    func testPSBRules() {
        let icp = "<a href=\"\(miit)\">京ICP备12345678号-1</a>"
        XCTAssertEqual(codes(icp), ["PSB_MISSING"])
        XCTAssertEqual(codes(icp + "京公网安备11010502000001号"), ["PSB_NOT_LINKED"])
        XCTAssertEqual(codes(icp + psbOK, psb: "11010502000002"), ["PSB_WRONG"])
        XCTAssertEqual(codes(icp + psbOK, psb: "11010502000001"), [])
        let mismatched = "<a href=\"http://www.beian.gov.cn/portal/registerSystemInfo?recordcode=11010502000009\">京公网安备11010502000001号</a>"
        XCTAssertEqual(codes(icp + mismatched), ["PSB_WRONG"])
    }

    func testTitleRules() {
        let ok = "<a href=\"\(miit)\">京ICP备12345678号-1</a>\(psbOK)"
        XCTAssertEqual(codes(ok, name: "示例科技", title: "首页 - 示例科技"), [])
        XCTAssertEqual(codes(ok, name: "示例科技", title: "首页"), ["TITLE_MISMATCH"])
        XCTAssertEqual(codes(ok, name: "示例论坛", title: "示例论坛"), [])
        XCTAssertEqual(codes(ok, name: "示例", title: "示例中国论坛"), ["TITLE_RESTRICTED"])
    }
}
