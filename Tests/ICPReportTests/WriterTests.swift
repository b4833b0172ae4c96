import XCTest
import ICPModel
@testable import ICPReport

final class WriterTests: XCTestCase {
    func testCSVCellsAreQuotedAndFormulasNeutralised() {
        XCTAssertEqual(CSVEncoder.cell("plain"), "plain")
        XCTAssertEqual(CSVEncoder.cell("a,b"), "\"a,b\"")
        XCTAssertEqual(CSVEncoder.cell("say \"hi\""), "\"say \"\"hi\"\"\"")
        XCTAssertEqual(CSVEncoder.cell("line\nbreak"), "\"line\nbreak\"")
        for formula in ["=HYPERLINK(\"x\")", "+1", "-1", "@SUM(A1)"] {
            XCTAssertTrue(CSVEncoder.cell(formula).hasPrefix("'") || CSVEncoder.cell(formula).hasPrefix("\"'"), formula)
        }
    }

    func testJSONLinesRecordShape() throws {
        var host = HostRecord(host: "example.cn")
        host.ips = ["203.0.113.10"]
        host.url = "http://example.cn/"
        host.status = 200
        host.title = "示例\"科技\"\n"
        let record = SiteRecord(domain: "example.cn", line: 2, verdict: .fail, checkedAt: "2026-11-23T02:00:00Z",
                                findings: [Finding(.icpNotLinked, host: "www.example.cn", .icpNotLinked,
                                                           [.text("number", "京ICP备12345678号-1"), .term("place", "footer")])], hosts: [host])
        var encoder = RecordCodec()
        let bytes = encoder.encode(record)
        XCTAssertEqual(bytes.last, 0x0A)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        XCTAssertEqual(object["verdict"] as? String, "fail")
        let f = try XCTUnwrap((object["findings"] as? [[String: Any]])?.first)
        XCTAssertEqual(f["code"] as? String, "ICP_NOT_LINKED")
        XCTAssertEqual(f["severity"] as? String, "error")
        // The detail in the run's language (Chinese by default), its facts beside it for scripts.
        XCTAssertEqual(f["detail"] as? String, "京ICP备12345678号-1 悬挂于页脚，未链接至工信部备案官网")
        XCTAssertEqual(f["form"] as? String, "icp_not_linked")
        let facts = try XCTUnwrap(f["facts"] as? [String: Any])
        XCTAssertEqual(facts["number"] as? String, "京ICP备12345678号-1")
        XCTAssertEqual((facts["place"] as? [String: Any])?["term"] as? String, "footer")
        // Read back, the finding is the one written.
        XCTAssertEqual(try RecordCodec.decodeRecord(Data(bytes)).findings, record.findings)
        let h = try XCTUnwrap((object["hosts"] as? [[String: Any]])?.first)
        XCTAssertEqual(h["title"] as? String, "示例\"科技\"\n")
        XCTAssertTrue(h["final_url"] is NSNull)
    }

    func testVerdicts() {
        let warn = Finding(.titleRestricted, host: "a", .titleRestricted)
        let error = Finding(.icpMissing, host: "a", .icpMissing)
        XCTAssertEqual(Verdict.of(findings: [], hostsOpened: 2, hostCount: 2), .pass)
        XCTAssertEqual(Verdict.of(findings: [warn], hostsOpened: 1, hostCount: 2), .review)
        XCTAssertEqual(Verdict.of(findings: [warn, error], hostsOpened: 1, hostCount: 2), .fail)
        XCTAssertEqual(Verdict.of(findings: [error], hostsOpened: 0, hostCount: 2), .unreachable)
    }
}

final class NoticeTests: XCTestCase {
    func testEveryCodeHasANotice() {
        for code in FindingCode.allCases { XCTAssertTrue(Notices.text(for: code).hasPrefix("经核查，您备案的网站【"), code.rawValue) }
        XCTAssertEqual(Notices.text(for: .icpNotLinked),
                       "经核查，您备案的网站【备案号未链接至工信部备案官网首页】。请您将ICP备案号链接至工信部备案官网首页(https://beian.miit.gov.cn/)。")
    }
}
