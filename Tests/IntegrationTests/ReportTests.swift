import Foundation
import XCTest

/// report.html, opened in a real headless browser (Debian's chromium).
final class ReportTests: XCTestCase {
    /// Two scans of the scenario inventory, the second with the first as its baseline: the
    /// second's report loads without a console message and shows the run's counts, the failing
    /// sites (drawn by its script), and the trend.
    func testReportLoadsCleanlyAndShowsTheRunsCounts() throws {
        try Farm.requireRunning()
        let inventory = Farm.repo.appendingPathComponent("inventories/sample.csv").path
        let first = Farm.tempDir(), second = Farm.tempDir()
        let options = Farm.scanOptions + ["--allow-private", "--timeout", "3"]
        XCTAssertEqual(try Farm.icpaudit(["scan", inventory, "--out", first.path] + options).status, 0)
        let run = try Farm.icpaudit(["scan", inventory, "--out", second.path, "--baseline", first.path] + options)
        XCTAssertEqual(run.status, 0, run.stderr)

        let expected = try Farm.expected("scenario").values
        let report = second.appendingPathComponent("report.html")
        let (dom, console) = try Farm.chromium(report.absoluteString)
        XCTAssertEqual(console, [])
        for verdict in ["pass", "fail", "review", "unreachable"] {
            let n = expected.filter { $0.verdict == verdict }.count
            XCTAssertTrue(dom.contains("data-verdict=\"\(verdict)\" data-count=\"\(n)\""), "\(verdict) \(n) not shown")
        }
        XCTAssertTrue(dom.contains("<span id=\"sites-count\">\(expected.count)</span>"))
        let failing = expected.filter { $0.verdict != "pass" }
        XCTAssertEqual(rows(dom).count, failing.count)
        XCTAssertTrue(dom.contains("showing <b id=\"shown\">\(failing.count)</b>"))
        let missing = expected.filter { $0.findings.values.contains { $0.contains("ICP_MISSING") } }.count
        XCTAssertTrue(dom.contains("data-code=\"ICP_MISSING\" data-count=\"\(missing)\""))
        XCTAssertTrue(dom.contains("id=\"trend\""), "no trend section")
        XCTAssertTrue(dom.contains("<td>\(first.lastPathComponent)</td>"), "baseline run not in the trend")

        // Filter and sort state come from the fragment, as a linked view would.
        let unreachable = expected.filter { $0.verdict == "unreachable" }.map(\.domain).sorted()
        let (filtered, filteredConsole) = try Farm.chromium(report.absoluteString + "#verdict=unreachable&sort=-domain")
        XCTAssertEqual(filteredConsole, [])
        let shown = rows(filtered)
        XCTAssertEqual(shown.count, unreachable.count)
        XCTAssertEqual(shown.first, unreachable.last)
        XCTAssertEqual(shown.last, unreachable.first)

        // Text and code filters together: the sites with PAGE_SCRIPT_RENDERED whose row mentions "script".
        let (byCode, byCodeConsole) = try Farm.chromium(report.absoluteString + "#code=PAGE_SCRIPT_RENDERED&q=SCRIPT")
        XCTAssertEqual(byCodeConsole, [])
        XCTAssertEqual(rows(byCode), ["spa.test"])
    }

    /// The harness itself: a page with a console error and an uncaught exception is caught.
    func testTheBrowserCheckSeesConsoleErrors() throws {
        let page = Farm.tempDir().appendingPathComponent("broken.html")
        try "<html><body><script>console.error('boom'); notDefined();</script></body></html>".write(to: page, atomically: true, encoding: .utf8)
        let (_, console) = try Farm.chromium(page.absoluteString)
        XCTAssertEqual(console.count, 2, "\(console)")
        XCTAssertTrue(console.contains { $0.contains("notDefined is not defined") }, "\(console)")
    }

    /// The first cell (the domain) of every row the page's script drew.
    private func rows(_ dom: String) -> [String] {
        guard let body = dom.range(of: "<tbody id=\"rows\">"), let end = dom.range(of: "</tbody>", range: body.upperBound..<dom.endIndex) else { return [] }
        return dom[body.upperBound..<end.lowerBound].components(separatedBy: "<tr").dropFirst().compactMap { row in
            guard let open = row.range(of: "<td>"), let close = row.range(of: "</td>") else { return nil }
            return String(row[open.upperBound..<close.lowerBound])
        }
    }
}
