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
            Finding(.psbMissing, host: "m.test", detail: "no 公安备案号 shown on the page"),
            Finding(.psbMissing, host: "m.test", view: .mobile, detail: "no 公安备案号 shown on the phone's page"),
        ]))
        XCTAssertTrue(letter.contains("（m.test：no 公安备案号 shown on the page）"), letter)
        XCTAssertTrue(letter.contains("（m.test，手机版：no 公安备案号 shown on the phone's page）"), letter)
        XCTAssertEqual(letter.components(separatedBy: "【未悬挂公安备案号】").count - 1, 1, "one notice per code")
    }

    func testTheReportRowNamesTheMobileView() {
        var sites = ReportSites()
        sites.add(record([Finding(.icpMissing, host: "m.test", view: .mobile, detail: "no ICP number shown on the page")]))
        XCTAssertEqual(sites.rows.first?.detail, "m.test (手机版): no ICP number shown on the page")
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
        let desktop = Finding(.icpMissing, host: "m.test", detail: "no ICP number shown on the page")
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
