import Foundation
import XCTest
import ICPAudit
import ICPFetch
import ICPModel

/// The engine in-process (event loops, c-ares, curl multi, pool, writer) against the site farm,
/// so that `swift test --sanitize=thread` and `--sanitize=address` (scripts/sanitize) see the
/// concurrency core at work. Accounting: every row ends as exactly one record or one bad row.
final class EngineTests: XCTestCase {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let farm = repo.appendingPathComponent("farm")

    func testEveryRowEndsAsOneRecordOrOneBadRowWhenAThirdMisbehave() async throws {
        guard FileManager.default.fileExists(atPath: Self.farm.appendingPathComponent("nginx.pid").path) else {
            XCTFail("the site farm is not running: start it with scripts/sitefarm start (scripts/test does)")
            return
        }
        // Two good bulk sites for each hostile or broken one, plus bad rows.
        let hostile = ["endless.test", "bomb.test", "chain.test", "tlshang.test", "slow.test", "refused.test",
                       "servfail.test", "nxdomain.test", "http500.test", "loop.test", "badbytes.test", "nested.test"]
        var rows = "domain,icp,hosts\n"
        var expectedRecords = 0, expectedBad = 0
        for i in 0..<150 {
            if i % 3 == 2 {
                let d = hostile[i % hostile.count]
                rows += "\(d),京ICP备10000040号-1,\(d)\n"
            } else {
                rows += String(format: "b%05d.test,京ICP备2%05d号-1,\n", i + 1, i + 1)
            }
            expectedRecords += 1
            if i % 25 == 0 { rows += "bad row without a number,,\n"; expectedBad += 1 }
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("engine-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let inventory = dir.appendingPathComponent("mixed.csv")
        try rows.write(to: inventory, atomically: true, encoding: .utf8)

        var config = ScanConfiguration(inventoryPath: inventory.path)
        config.outDirectory = dir.appendingPathComponent("run").path
        config.concurrency = 60
        config.showProgress = false
        config.options.dnsServers = ["127.0.0.1:15353"]
        config.options.ports = PortMap(http: 18080, https: 18443)
        config.options.caBundle = Self.farm.appendingPathComponent("ca/ca.crt").path
        config.options.allowPrivate = true
        config.options.timeoutSeconds = 3
        let outcome = try await ScanRun.run(config)

        XCTAssertEqual(outcome.sites, expectedRecords)
        XCTAssertEqual(outcome.badRows, expectedBad)
        let lines = try String(contentsOf: dir.appendingPathComponent("run/findings.jsonl"), encoding: .utf8).split(separator: "\n")
        let inventoryLines = try lines.map { line -> Int in
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return try XCTUnwrap(object["line"] as? Int)
        }
        XCTAssertEqual(inventoryLines.count, expectedRecords)
        XCTAssertEqual(Set(inventoryLines).count, expectedRecords, "no row written twice")
        let bad = try String(contentsOf: dir.appendingPathComponent("run/bad_rows.jsonl"), encoding: .utf8)
        XCTAssertEqual(bad.split(separator: "\n").count, expectedBad)
        XCTAssertEqual(Set(inventoryLines).count + expectedBad, rows.split(separator: "\n").count - 1, "every row accounted for")
    }
}
