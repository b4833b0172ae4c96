#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest

/// Rendering under faults (SPEC: a crashed browser is never the site's finding, and nothing is lost).
final class RenderFarmTests: XCTestCase {
    /// The farm's pages that only a browser can judge (farmgen), with their expected findings.
    static let scriptPages = ["spa.test", "docwrite.test", "jquery.test", "shadow.test", "shell-unlinked.test",
                              "shell-nopsb.test", "shell-subject.test", "shell-oldlink.test", "clickredirect.test"]

    /// The browser is killed with -9 while it draws: the pool starts another and draws its pages
    /// again, every row gets its one record with the findings the farm expects, and the scan ends.
    func testABrowserKilledMidScanLosesNoRow() throws {
        try Farm.requireRunning()
        let dir = Farm.tempDir()
        let rows = try String(contentsOf: Farm.dir.appendingPathComponent("inventory.csv"), encoding: .utf8).split(separator: "\n")
        let picked = rows.filter { row in Self.scriptPages.contains { row.hasPrefix($0 + ",") } }
        XCTAssertEqual(picked.count, Self.scriptPages.count)
        let inventory = dir.appendingPathComponent("scripts.csv")
        try ([String(rows[0])] + picked.map(String.init)).joined(separator: "\n").appending("\n").write(to: inventory, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("run")

        let scan = Process()
        scan.executableURL = Farm.binary
        scan.arguments = ["scan", inventory.path, "--out", out.path, "--allow-private", "--mobile", "never",
                          "--render-concurrency", "1"] + Farm.scanOptions
        scan.standardOutput = FileHandle.nullDevice
        let errFile = dir.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: errFile.path, contents: nil)
        scan.standardError = try FileHandle(forWritingTo: errFile)
        try scan.run()
        // The scan's browser with every process of its group (its renderers and helpers), killed
        // at once as a crash would end it. Only this scan's: other browsers on the machine live on.
        var killed = false
        for _ in 0..<400 where !killed && scan.isRunning {
            let child = try Farm.command("/usr/bin/pgrep", ["-P", String(scan.processIdentifier), "-f", "icpaudit-chromium-"])
            if let browser = child.stdout.split(separator: "\n").first.flatMap({ pid_t($0) }) {
                usleep(300_000)  // let it take a page first
                killed = kill(-browser, SIGKILL) == 0
            } else {
                usleep(50_000)
            }
        }
        XCTAssertTrue(killed, "the scan never started a browser")
        let deadline = Date().addingTimeInterval(180)
        while scan.isRunning && Date() < deadline { usleep(100_000) }
        XCTAssertFalse(scan.isRunning, "the scan did not end")
        if scan.isRunning { scan.terminate(); return }
        let stderr = (try? String(contentsOf: errFile, encoding: .utf8)) ?? ""
        XCTAssertEqual(scan.terminationStatus, 0, stderr)

        let expected = try Farm.expected("scenario")
        let records = try Farm.records(out)
        XCTAssertEqual(records.compactMap { $0["domain"] as? String }.sorted(), Self.scriptPages.sorted())
        for r in records {
            let domain = r["domain"] as? String ?? "?"
            let codes = (r["findings"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }.sorted()
            XCTAssertEqual(codes, expected[domain]?.findings[domain] ?? ["?"], domain)
            XCTAssertEqual((r["hosts"] as? [[String: Any]])?.first?["rendered"] as? Bool, true, "\(domain) was drawn")
        }
    }
}
