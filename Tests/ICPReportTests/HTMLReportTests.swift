import XCTest
import ICPModel
@testable import ICPReport

final class HTMLReportTests: XCTestCase {
    private func page(_ report: HTMLReport) -> String {
        var bytes: [UInt8] = []
        report.write { bytes += $0 }
        return String(decoding: bytes, as: UTF8.self)
    }

    private func failing(_ domain: String, line: Int, detail: String = "d") -> SiteRecord {
        SiteRecord(domain: domain, line: line, verdict: .fail, checkedAt: "2026-11-24T02:00:00Z",
                   findings: [Finding(.icpMissing, host: domain, .asWritten, [.text("text", detail)])], hosts: [HostRecord(host: domain)])
    }

    /// Page text (a title, a redirect target) ends up in details: it must not end the script
    /// element that holds the table's data, nor open markup in the page.
    func testHostileTextCannotEscapeTheEmbeddedData() {
        var sites = ReportSites()
        sites.add(failing("evil.test", line: 2, detail: "title </script><script>alert(1)</script> & <b>"))
        var summary = RunSummary()
        summary.add(failing("evil.test", line: 2))
        let html = page(HTMLReport(title: "r<1>", summary: summary, sites: sites, trend: [], finishedAt: "now", inventory: "inv&.csv", language: .en))
        XCTAssertFalse(html.contains("</script><script>alert"))
        XCTAssertTrue(html.contains("\\u003c/script>\\u003cscript>alert(1)\\u003c/script> & \\u003cb>"))
        XCTAssertTrue(html.contains("icpaudit run r&lt;1&gt;"))
        XCTAssertTrue(html.contains("<code>inv&amp;.csv</code>"))
        XCTAssertTrue(html.contains("default-src 'none'"))
    }

    func testPassingSitesAreNotListedAndTheListIsBounded() {
        var sites = ReportSites()
        sites.add(SiteRecord(domain: "ok.test", line: 2, verdict: .pass, checkedAt: "", findings: [], hosts: []))
        for i in 0..<(ReportSites.limit + 5) { sites.add(failing("f\(i).test", line: i + 3)) }
        XCTAssertEqual(sites.rows.count, ReportSites.limit)
        XCTAssertEqual(sites.total, ReportSites.limit + 5)
        XCTAssertFalse(sites.rows.contains { $0.domain == "ok.test" })
        let html = page(HTMLReport(title: "r", summary: RunSummary(), sites: sites, trend: [], finishedAt: "", inventory: ""))
        XCTAssertTrue(html.contains("（仅列出前 \(ReportSites.limit) 个，共 \(ReportSites.limit + 5) 个；findings.csv 与 findings.xlsx 含全部网站）"))
    }

    /// A run's summary.json carries its trend, so each night's baseline brings the nights before.
    func testTrendChainsThroughBaselines() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("icpaudit-trend-\(UUID().uuidString)")
        var trend: [TrendPoint] = []
        for night in 1...(TrendPoint.kept + 3) {
            var summary = RunSummary()
            for i in 0..<night { summary.add(failing("f\(i).test", line: i + 2)) }
            let dir = root.appendingPathComponent("night\(night)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try Data(summary.json(startedAt: "s", finishedAt: "f\(night)", wallSeconds: 1, options: [], trend: trend))
                .write(to: dir.appendingPathComponent("summary.json"))
            trend = try TrendPoint.chain(baseline: dir.path)
        }
        XCTAssertEqual(trend.count, TrendPoint.kept)
        XCTAssertEqual(trend.last?.run, "night\(TrendPoint.kept + 3)")
        XCTAssertEqual(trend.last?.verdicts[.fail], TrendPoint.kept + 3)
        XCTAssertEqual(trend.first?.run, "night4")
        XCTAssertEqual(trend.first?.sitesByCode[.icpMissing], 4)
        XCTAssertThrowsError(try TrendPoint.chain(baseline: root.path))
    }
}
