import Foundation
import XCTest

/// report.html, opened in a real headless browser (Debian's chromium).
final class ReportTests: XCTestCase {
    /// Two scans of the scenario inventory, the second with the first as its baseline: the
    /// second's report loads without a console message and shows, in Chinese, the run's counts,
    /// the failing sites (drawn by its script), and the trend. A screenshot of it is kept as
    /// bench-out/report-zh.png; `judge --lang en` makes the English page.
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
        XCTAssertTrue(dom.contains("显示 <b id=\"shown\">\(failing.count)</b> 个"))

        // Chinese by default: headings, verdict words, each code's problem name beside it,
        // table labels, Beijing time.
        XCTAssertTrue(dom.contains("<html lang=\"zh-CN\">"))
        for heading in ["<h1>icpaudit 备案核查报告 \(second.lastPathComponent)</h1>", "<h2>各结论网站数</h2>", "<h2>各问题网站数</h2>",
                        "<h2>未通过的网站</h2>", "<h2>趋势</h2>", "<h2>整改通知</h2>"] {
            XCTAssertTrue(dom.contains(heading), heading)
        }
        for word in ["通过", "不通过", "需复核", "无法访问"] { XCTAssertTrue(dom.contains(">\(word)</text>"), "verdict \(word) in the chart") }
        XCTAssertTrue(dom.contains(">ICP_MISSING</text><text class=\"note\" x=\"0\" y=\"") && dom.contains(">未悬挂备案号</text>"), "a code with its problem name")
        XCTAssertTrue(dom.contains("<th data-key=\"domain\" tabindex=\"0\">域名</th>"))
        XCTAssertTrue(dom.contains("<option value=\"fail\">不通过</option>"))
        XCTAssertEqual(cells(dom, column: 2).filter { !["不通过", "需复核", "无法访问"].contains($0) }, [], "verdict cells in Chinese")
        XCTAssertTrue(cells(dom, column: 3).contains { $0.contains("ICP_MISSING 未悬挂备案号") })
        XCTAssertNotNil(dom.range(of: #"完成于 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d（北京时间）"#, options: .regularExpression), "finished time in Beijing time")
        XCTAssertTrue(dom.contains("经核查，您备案的网站【未悬挂备案号】。"))
        // Details in the reader's language (issue 23): a hidden footer, a redirect chain, a timeout.
        let details = cells(dom, column: 4)
        for (prefix, what) in [("hiddenfooter.test: 京ICP备10000068号-1 位于页脚，但被隐藏，访问者看不到：", "hidden footer"),
                               ("跳转超过 10 次（最后跳转至 http://chain.test/", "redirect chain"), ("http://slow.test/：", "timeout")] {
            XCTAssertTrue(details.contains { $0.hasPrefix(prefix) }, "\(what): \(details.filter { $0.contains(prefix.prefix(12)) })")
        }
        try screenshot(report, to: "report-zh.png")
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

        // Text and code filters together: the sites with PAGE_PLACEHOLDER whose row mentions "nginx".
        let (byCode, byCodeConsole) = try Farm.chromium(report.absoluteString + "#code=PAGE_PLACEHOLDER&q=NGINX")
        XCTAssertEqual(byCodeConsole, [])
        XCTAssertEqual(rows(byCode), ["nginxdefault.test"])

        // --lang en: English labels; the notices stay Chinese.
        let english = Farm.tempDir()
        let judged = try Farm.icpaudit(["judge", second.path, "--out", english.path, "--lang", "en"])
        XCTAssertEqual(judged.status, 0, judged.stderr)
        let (en, enConsole) = try Farm.chromium(english.appendingPathComponent("report.html").absoluteString)
        XCTAssertEqual(enConsole, [])
        XCTAssertTrue(en.contains("<html lang=\"en\">"))
        XCTAssertTrue(en.contains("<h2>Sites that did not pass</h2>"))
        XCTAssertTrue(en.contains(">fail</text>"))
        XCTAssertTrue(en.contains("showing <b id=\"shown\">\(failing.count)</b> of"))
        XCTAssertFalse(en.contains("<h2>未通过的网站</h2>"))
        XCTAssertTrue(en.contains("经核查，您备案的网站【未悬挂备案号】。"), "notices stay Chinese")
        XCTAssertTrue(cells(en, column: 4).contains { $0.hasPrefix("hiddenfooter.test: 京ICP备10000068号-1 is in the page's footer but hidden from a person: ") })
        try screenshot(english.appendingPathComponent("report.html"), to: "report-en.png")
    }

    /// Keeps a screenshot of `report` under bench-out/ (fonts-noto-cjk draws the Chinese).
    private func screenshot(_ report: URL, to name: String) throws {
        let run = try Farm.command("/usr/bin/fc-match", ["Noto Sans CJK SC"])
        XCTAssertTrue(run.stdout.hasPrefix("NotoSansCJK"), "fonts-noto-cjk is not installed: run scripts/install-deps (\(run.stdout))")
        let directory = Farm.repo.appendingPathComponent("bench-out")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let png = directory.appendingPathComponent(name)
        try? FileManager.default.removeItem(at: png)
        try Farm.chromiumScreenshot(report.absoluteString, to: png)
        let size = try FileManager.default.attributesOfItem(atPath: png.path)[.size] as? Int ?? 0
        XCTAssertGreaterThan(size, 10_000, "\(png.path): no screenshot")
    }

    /// The text of one cell of every row the page's script drew.
    private func cells(_ dom: String, column: Int) -> [String] {
        guard let body = dom.range(of: "<tbody id=\"rows\">"), let end = dom.range(of: "</tbody>", range: body.upperBound..<dom.endIndex) else { return [] }
        return dom[body.upperBound..<end.lowerBound].components(separatedBy: "<tr").dropFirst().compactMap { row in
            let cells = row.components(separatedBy: "<td>").dropFirst().map { $0.components(separatedBy: "</td>")[0] }
            return column < cells.count ? cells[column] : nil
        }
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
    private func rows(_ dom: String) -> [String] { cells(dom, column: 0) }
}
