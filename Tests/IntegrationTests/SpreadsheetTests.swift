import Foundation
import ICPModel
import ICPReport
import XCTest

/// findings.csv and findings.xlsx opened as compliance staff open them (see `Spreadsheet`).
final class SpreadsheetTests: XCTestCase {
    /// Page titles are whatever the audited pages say. Each of these is one a spreadsheet's CSV
    /// import turns into a date, number, time, boolean or formula; each must come out of
    /// LibreOffice as the text written.
    static let valueLikeTitles = [
        "1/1", "2/2", "0123", "123456789012345678", "1e5", "1E+02", "50%", "TRUE", "false", "(5)", "12:30", "1-2", "1.2.3",
        "2026年1月1日", "1月1日", "１２３", " 0123", "-5", "+5", "5-", "1.5", "2048", "1 1/2", "=HYPERLINK(\"http://x\")", "@SUM(A1)",
        "#N/A", "Jan 1", "9:00 AM",
    ]
    /// Titles no spreadsheet reads as a value: written as they are, with no guard mark.
    static let plainTitles = ["示例科技", "58同城", "1 of 2", "京ICP备12345678号-1", "新闻, \"中心\"\n第二行"]

    func testCSVImportKeepsEveryCellAsWritten() throws {
        let titles = Self.valueLikeTitles + Self.plainTitles
        var text = CSVEncoder.header()
        for (i, title) in titles.enumerated() {
            var opened = HostRecord(host: "s\(i).example.cn")
            opened.title = title
            opened.opened = true
            opened.finalURL = "https://s\(i).example.cn/"
            opened.icp = ["京ICP备12345678号-1"]
            let closed = HostRecord(host: "www.s\(i).example.cn")
            text += CSVEncoder.row(SiteRecord(domain: "s\(i).example.cn", line: i + 2, verdict: .fail, checkedAt: "2026-11-23T02:00:00Z",
                                              findings: [Finding(.connectFailed, host: "www.s\(i).example.cn", .connectFailed,
                                                                 [.text("url", "http://www.s\(i).example.cn/"), .text("reason", "connection refused")]),
                                                         Finding(.icpMissing, host: "s\(i).example.cn", view: .mobile, .icpMissing,
                                                                 [.text("filed", "京ICP备12345678号-1")])],
                                              hosts: [opened, closed]), language: .zh)
        }
        let csv = Farm.tempDir().appendingPathComponent("findings.csv")
        try Data(text).write(to: csv)

        let sheet = try Spreadsheet.assertImportKeepsText(csv, numberColumns: ["hosts_ok", "hosts_total"])
        XCTAssertEqual(sheet.rows.first?.compactMap { $0 as? String },
                       ["domain", "verdict", "codes", "hosts_ok", "hosts_total", "title", "icp_found", "psb_found", "final_url", "detail", "notice"])
        for (i, title) in titles.enumerated() {
            let row = sheet.rows[i + 1]
            XCTAssertEqual(row[3] as? Int, 1, title)
            XCTAssertEqual(row[4] as? Int, 2, title)
            // A value-like title is shown with a leading ' (as typed); a plain one exactly.
            XCTAssertEqual(row[5] as? String, Self.plainTitles.contains(title) ? title : "'" + title)
            // Details in Chinese (the default --lang), the server's own words as they were.
            XCTAssertEqual(row[9] as? String, "www.s\(i).example.cn CONNECT_FAILED: http://www.s\(i).example.cn/：无法连接（connection refused）"
                           + " | s\(i).example.cn（手机版） ICP_MISSING: 首页未悬挂ICP备案号（备案号为 京ICP备12345678号-1）")
        }
    }

    /// Records written by hand as findings.jsonl lines, with a mobile finding, a Chinese title
    /// and detail, and an opened host's final URL, become a workbook with the sheets and
    /// format.
    func testWorkbookFromFindings() throws {
        let run = Farm.tempDir()
        let jsonl = """
        {"domain":"example.cn","line":2,"verdict":"fail","checked_at":"2026-11-23T18:30:05Z","findings":[{"code":"ICP_MISSING","host":"www.example.cn","view":"mobile","severity":"error","detail":"手机版页面未见备案号"},{"code":"TITLE_RESTRICTED","host":"example.cn","severity":"warn","detail":"标题含“中国”\\t\\\\x\\n"}],"hosts":[{"host":"example.cn","ips":["203.0.113.10"],"url":"http://example.cn/","final_url":"https://example.cn/","status":200,"title":"中国示例科技","icp":["京ICP备12345678号-1"],"icp_links":["https://beian.miit.gov.cn/"],"psb":["京公网安备11010502000001号"],"bytes":100,"ms":20,"opened":true},{"host":"www.example.cn","ips":["203.0.113.10"],"url":"http://www.example.cn/","final_url":"http://www.example.cn/","status":200,"title":"中国示例科技","icp":[],"icp_links":[],"psb":[],"bytes":100,"ms":20,"opened":true}]}
        {"domain":"ok.cn","line":3,"verdict":"pass","checked_at":"2026-11-23T02:00:00Z","findings":[],"hosts":[{"host":"ok.cn","ips":["203.0.113.11"],"url":"http://ok.cn/","final_url":"http://ok.cn/?q=\\")&x=1","status":200,"title":"0123","icp":["京ICP备12345678号-2"],"icp_links":[],"psb":[],"bytes":100,"ms":20,"opened":true}]}
        {"domain":"down.cn","line":4,"verdict":"unreachable","checked_at":"2026-11-23T02:00:00Z","findings":[{"code":"ICP_MISSING","host":"down.cn","severity":"error","detail":"x"},{"code":"CONNECT_FAILED","host":"down.cn","severity":"error","detail":"connection refused"}],"hosts":[{"host":"down.cn","ips":["203.0.113.12"],"url":"http://down.cn/","final_url":null,"status":null,"title":null,"icp":[],"icp_links":[],"psb":[],"bytes":0,"ms":20,"opened":false}]}

        """
        let xlsx = run.appendingPathComponent("findings.xlsx")
        let workbook = try FindingsWorkbook(path: xlsx.path)
        for line in jsonl.split(separator: "\n") { workbook.add(try RecordCodec.decodeRecord(Data(line.utf8))) }
        try workbook.finish()
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: run.path), ["findings.xlsx"], "no temporary or spill file left")

        let sheets = try Spreadsheet.read(xlsx)
        // The sites, then one sheet per code that occurred, in SPEC's order.
        XCTAssertEqual(sheets.map(\.name), ["站点", "CONNECT_FAILED", "ICP_MISSING", "TITLE_RESTRICTED"])
        let sites = sheets[0]
        XCTAssertEqual(sites.rows.count, 4, "a header and one row per inventory row")
        XCTAssertEqual(sites.rows[0].first as? String, "行号")
        XCTAssertEqual(sites.freeze, "A2")
        XCTAssertEqual(sites.autofilter, "A1:N4")
        let first = sites.rows[1]
        XCTAssertEqual(first[0] as? Int, 2)
        XCTAssertEqual(first[1] as? String, "example.cn")
        XCTAssertEqual(first[2] as? String, "不通过")
        XCTAssertEqual(first[3] as? String, "ICP_MISSING; TITLE_RESTRICTED")
        XCTAssertEqual(first[4] as? String, "未悬挂备案号；网站标题含有需前置审批的词语")
        XCTAssertEqual(first[5] as? Int, 2)
        XCTAssertEqual(first[6] as? Int, 2)
        XCTAssertEqual(first[7] as? String, "中国示例科技")
        XCTAssertEqual(first[8] as? String, "京ICP备12345678号-1")
        XCTAssertEqual(first[9] as? String, "京公网安备11010502000001号")
        XCTAssertEqual(first[10] as? String, "https://example.cn/")
        XCTAssertEqual(sites.links["K2"], "https://example.cn/")
        XCTAssertEqual(first[11] as? String, "www.example.cn（手机版） ICP_MISSING: 手机版页面未见备案号 | example.cn TITLE_RESTRICTED: 标题含“中国”\t\\x\n")
        XCTAssertTrue((first[12] as? String ?? "").hasPrefix("经核查，您备案的网站【未悬挂备案号】。"))
        XCTAssertTrue(sites.wrapped.contains("M2"), "the notice column wraps")
        // 18:30:05 UTC is 02:30:05 the next day in Beijing.
        XCTAssertEqual((first[13] as? [String: String])?["datetime"], "2026-11-24T02:30:05")
        XCTAssertEqual(sites.rows[2][7] as? String, "0123", "typed as text, not a number")
        XCTAssertEqual(sites.rows[2][10] as? String, "http://ok.cn/?q=\")&x=1", "a quote in a URL cannot end the link's formula")
        XCTAssertEqual(sites.links["K3"], "http://ok.cn/?q=\")&x=1")
        XCTAssertEqual(sites.rows[2][2] as? String, "通过")
        XCTAssertEqual(sites.rows[3][2] as? String, "无法访问")
        XCTAssertNil(sites.links["K4"], "no final URL, no link")
        XCTAssertGreaterThan(sites.widths["L"] ?? 0, 40, "the detail column is wide")

        let missing = sheets[2]
        XCTAssertEqual(missing.rows[0].first as? String, "ICP_MISSING：未悬挂备案号")
        XCTAssertEqual(missing.rows[1].compactMap { $0 as? String }, ["域名", "行号", "主机", "视图", "严重程度", "详情"])
        XCTAssertEqual(missing.freeze, "A3")
        XCTAssertEqual(missing.autofilter, "A2:F4")
        XCTAssertEqual(missing.rows.count, 4)
        XCTAssertEqual(missing.rows[2][0] as? String, "example.cn")
        XCTAssertEqual(missing.rows[2][2] as? String, "www.example.cn")
        XCTAssertEqual(missing.rows[2][3] as? String, "手机版")
        XCTAssertEqual(missing.rows[2][4] as? String, "错误")
        XCTAssertEqual(missing.rows[2][5] as? String, "手机版页面未见备案号")
        XCTAssertEqual(missing.rows[3][3] as? String, "电脑版")
        XCTAssertEqual(sheets[3].rows[2][4] as? String, "警告")
        XCTAssertEqual(sheets[3].rows[2][5] as? String, "标题含“中国”\t\\x\n", "a tab, backslash and newline survive the spill file")
    }

    /// A real scan of the sample inventory: findings.csv imports cell for cell, and
    /// findings.xlsx has one row per inventory row and a sheet per code found; `judge` writes
    /// one too.
    func testScanAndJudgeRunsHaveSpreadsheetSafeOutputs() throws {
        try Farm.requireRunning()
        let inventory = Farm.repo.appendingPathComponent("inventories/sample.csv").path
        let out = Farm.tempDir()
        let run = try Farm.icpaudit(["scan", inventory, "--out", out.path, "--allow-private", "--timeout", "3"] + Farm.scanOptions)
        XCTAssertEqual(run.status, 0, run.stderr)
        let expected = try Farm.expected("scenario")

        let csv = try Spreadsheet.assertImportKeepsText(out.appendingPathComponent("findings.csv"), numberColumns: ["hosts_ok", "hosts_total"])
        XCTAssertEqual(csv.rows.count, expected.count + 1)
        for row in csv.rows.dropFirst() {
            let domain = row[0] as? String ?? "?"
            XCTAssertEqual(row[4] as? Int, expected[domain]?.hosts.count, "\(domain): hosts_total")
        }

        let verdictWords = ["pass": "通过", "fail": "不通过", "review": "需复核", "unreachable": "无法访问"]
        for directory in [out, try judged(out)] {
            let sheets = try Spreadsheet.read(directory.appendingPathComponent("findings.xlsx"))
            let sites = try XCTUnwrap(sheets.first)
            XCTAssertEqual(sites.rows.count, expected.count + 1, directory.path)
            for row in sites.rows.dropFirst() {
                let domain = row[1] as? String ?? "?"
                XCTAssertEqual(row[2] as? String, expected[domain].flatMap { verdictWords[$0.verdict] }, domain)
            }
            XCTAssertEqual(sites.rows.first { $0[1] as? String == "ok.test" }?[7] as? String, "示例科技")
            let codes = Set(expected.values.flatMap { $0.findings.values.joined() })
            XCTAssertEqual(sheets.dropFirst().map(\.name), FindingCode.allCases.map(\.rawValue).filter(codes.contains))
            // Details in Chinese, the default (issue 23): a hidden footer, a redirect chain, a timeout.
            func detail(_ code: String, _ domain: String) -> String {
                sheets.first { $0.name == code }?.rows.first { $0.first as? String == domain }?.last as? String ?? "no \(code) row for \(domain)"
            }
            XCTAssertTrue(detail("ICP_MISSING", "hiddenfooter.test").hasPrefix("京ICP备10000068号-1 位于页脚，但被隐藏，访问者看不到："))
            XCTAssertTrue(detail("HTTP_ERROR", "chain.test").hasPrefix("跳转超过 10 次（最后跳转至 http://chain.test/"), detail("HTTP_ERROR", "chain.test"))
            XCTAssertTrue(detail("TIMEOUT", "slow.test").hasPrefix("http://slow.test/："), detail("TIMEOUT", "slow.test"))
        }
    }

    private func judged(_ run: URL) throws -> URL {
        let out = Farm.tempDir()
        let judge = try Farm.icpaudit(["judge", run.path, "--out", out.path])
        XCTAssertEqual(judge.status, 0, judge.stderr)
        return out
    }
}
