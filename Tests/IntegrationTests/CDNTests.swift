import Foundation
import XCTest

/// SPEC "CDN" from the command line: `--own-cdn` and `--cdn-catalogue` usage, and `judge`
/// applying the catalogue and own CDNs the scan used (none for a run from before them).
final class CDNTests: XCTestCase {
    /// The farm's CDN scenario rows (cdn*.test), as their own inventory.
    private func cdnInventory() throws -> URL {
        let rows = try String(contentsOf: Farm.dir.appendingPathComponent("inventory.csv"), encoding: .utf8).split(separator: "\n")
        let inventory = Farm.tempDir().appendingPathComponent("cdn.csv")
        try (rows.prefix(1) + rows.filter { $0.hasPrefix("cdn") }).joined(separator: "\n").appending("\n")
            .write(to: inventory, atomically: true, encoding: .utf8)
        return inventory
    }

    private func codes(_ run: URL) throws -> [String: [String]] {
        var out: [String: [String]] = [:]
        for r in try Farm.records(run) {
            out[r["domain"] as? String ?? ""] = (r["findings"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }.sorted()
        }
        return out
    }

    func testAnUnknownOwnCDNAndABadCatalogueAreUsageErrors() throws {
        let dir = Farm.tempDir()
        let inventory = try cdnInventory()
        let unknown = try Farm.icpaudit(["scan", inventory.path, "--out", dir.appendingPathComponent("a").path, "--own-cdn", "tencent"])
        XCTAssertEqual(unknown.status, 2)
        XCTAssertTrue(unknown.stderr.contains("--own-cdn tencent: not a CDN of the built-in catalogue; it knows: tencent-cdn, "), unknown.stderr)
        XCTAssertTrue(unknown.stderr.contains("cloudflare") && unknown.stderr.contains("akamai"), unknown.stderr)

        let catalogue = dir.appendingPathComponent("cdn.tsv")
        try "# mine\nmine\tlabel\t自有\nmine\tsuffix\t.cdn.example.com\n".write(to: catalogue, atomically: true, encoding: .utf8)
        let bad = try Farm.icpaudit(["scan", inventory.path, "--out", dir.appendingPathComponent("b").path, "--cdn-catalogue", catalogue.path])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("\(catalogue.path):3: field 'suffix': "), bad.stderr)

        // A replaced catalogue: --own-cdn names its CDNs, no longer the built-in ones.
        try "mine\tsuffix\tcdn.example.com\n".write(to: catalogue, atomically: true, encoding: .utf8)
        let replaced = try Farm.icpaudit(["scan", inventory.path, "--out", dir.appendingPathComponent("c").path,
                                          "--cdn-catalogue", catalogue.path, "--own-cdn", "tencent-cdn"])
        XCTAssertEqual(replaced.status, 2)
        XCTAssertTrue(replaced.stderr.contains("not a CDN of \(catalogue.path); it knows: mine"), replaced.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("c").path), "nothing written on bad usage")
    }

    func testJudgeAppliesTheScansCatalogueAndAnOldRunIsJudgedWithoutOne() throws {
        try Farm.requireRunning()
        let inventory = try cdnInventory()
        let scanned = Farm.tempDir().appendingPathComponent("scanned")
        let scan = try Farm.icpaudit(["scan", inventory.path, "--out", scanned.path, "--allow-private", "--timeout", "3"] + Farm.scanOptions)
        XCTAssertEqual(scan.status, 0, scan.stderr)
        let expected = ["cdnown.test": [], "cdnother.test": ["IP_VIA_CDN"], "cdnmiddle.test": ["IP_VIA_CDN"], "cdnlike.test": ["IP_NOT_PROVIDER"]]
        XCTAssertEqual(try codes(scanned), expected)

        let judged = Farm.tempDir().appendingPathComponent("judged")
        let judge = try Farm.icpaudit(["judge", scanned.path, "--out", judged.path])
        XCTAssertEqual(judge.status, 0, judge.stderr)
        XCTAssertEqual(try codes(judged), expected, "judge applies the catalogue and own CDNs of run.json")

        // A run from before the catalogue: its run.json has neither; judged as it was then.
        let runJSON = scanned.appendingPathComponent("run.json")
        var info = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: runJSON)) as? [String: Any])
        XCTAssertEqual(info["own_cdn"] as? [String], ["tencent-cdn"])
        info["own_cdn"] = nil
        info["cdn_catalogue"] = nil
        try JSONSerialization.data(withJSONObject: info).write(to: runJSON)
        let old = Farm.tempDir().appendingPathComponent("old")
        let judgeOld = try Farm.icpaudit(["judge", scanned.path, "--out", old.path])
        XCTAssertEqual(judgeOld.status, 0, judgeOld.stderr)
        XCTAssertEqual(try codes(old), ["cdnown.test": ["IP_NOT_PROVIDER", "IP_NOT_PROVIDER"], "cdnother.test": ["IP_NOT_FILED", "IP_NOT_PROVIDER"],
                                        "cdnmiddle.test": ["IP_NOT_PROVIDER"], "cdnlike.test": ["IP_NOT_PROVIDER"]])
    }
}
