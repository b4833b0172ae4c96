import Foundation
import XCTest
import ICPModel
@testable import ICPReport

/// SPEC: findings of the mobile view carry `"view":"mobile"`, and what people read shows it: the
/// notice letter, the report's row and the diff between nights.
final class MobileViewReportTests: XCTestCase {
    private func record(_ findings: [Finding]) -> SiteRecord {
        SiteRecord(domain: "m.test", line: 2, verdict: .fail, checkedAt: "2026-12-01T02:00:00Z", findings: findings,
                   hosts: [HostRecord(host: "m.test"), HostRecord(host: "m.test", view: .mobile)])
    }

    func testTheLetterSaysWhichFindingIsTheMobileSites() {
        let letter = Notices.letter(for: record([
            Finding(.psbMissing, host: "m.test", .psbMissing),
            Finding(.psbNotLinked, host: "m.test", view: .mobile, .psbNotLinked, [.text("number", "京公网安备11010502000001号")]),
        ]))
        XCTAssertTrue(letter.contains("（m.test：首页未悬挂公安备案号）"), letter)
        XCTAssertTrue(letter.contains("（m.test，手机版：京公网安备11010502000001号 未链接至全国互联网安全管理服务平台）"), letter)
        XCTAssertEqual(letter.components(separatedBy: "【未悬挂公安备案号】").count - 1, 1, "one notice per code")
        XCTAssertFalse(letter.contains("shown"), "a letter is Chinese: \(letter)")
    }

    func testTheReportRowNamesTheMobileView() {
        var sites = ReportSites()
        let missing = Finding(.icpMissing, host: "m.test", view: .mobile, .icpMissing, [.text("filed", "京ICP备12345678号-1")])
        sites.add(record([missing]))
        XCTAssertEqual(sites.rows.first?.detail, "m.test（手机版）: 首页未悬挂ICP备案号（备案号为 京ICP备12345678号-1）")
        var english = ReportSites(language: .en)
        english.add(record([missing]))
        XCTAssertEqual(english.rows.first?.detail, "m.test (mobile): no ICP number shown on the page (filed 京ICP备12345678号-1)")
    }

    func testTheDiffTellsADesktopFindingFromTheSameCodeOnTheMobileSite() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("icpaudit-mobile-diff-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        func run(_ name: String, _ findings: [Finding]) throws -> String {
            let dir = root.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            var codec = RecordCodec()
            try Data(codec.encode(record(findings))).write(to: dir.appendingPathComponent("findings.jsonl"))
            return dir.path
        }
        let desktop = Finding(.icpMissing, host: "m.test", .icpMissing, [.text("filed", "京ICP备12345678号-1")])
        var mobile = desktop
        mobile.view = .mobile
        let night1 = try run("1", [desktop])
        let night2 = try run("2", [mobile])
        let diff = try RunDiff.compare(runs: [night1, night2])
        XCTAssertEqual(diff.new.map(\.code), ["ICP_MISSING (mobile)"])
        XCTAssertEqual(diff.resolved.map(\.code), ["ICP_MISSING"])
        XCTAssertEqual(diff.persisting, [])
    }
}
