import Foundation
import XCTest

/// SPEC: `--timeout` is wall time and does not stretch; a failure seen while the crawler was
/// saturated is checked again with the crawler idle. Sites that answer after 8 s, scanned with
/// `--timeout 5` among hundreds of large gzip pages at `--concurrency 500` on the machine's cores,
/// are every one TIMEOUT, and no well-behaved host is.
final class WallTimeTests: XCTestCase {
    func testSitesThatAnswerAfterTheTimeoutAreTIMEOUTHoweverBusyTheCrawlerIs() throws {
        try Farm.requireRunning()
        let dir = Farm.tempDir()
        // Bulk sites numbered 7, 8, 9 mod 10 serve the large (about 150 KB) page.
        let bulk = try String(contentsOf: Farm.dir.appendingPathComponent("bulk-inventory.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().filter { row in "789".contains(row.split(separator: ",")[0].dropLast(5).last ?? " ") }
            .prefix(700)
        var rows = ["domain,icp,service_name,ips,psb,hosts"]
        let late = (1...20).map { String(format: "late%02d.test", $0) }
        for (i, domain) in late.enumerated() { rows.append("\(domain),京ICP备1010\(String(format: "%04d", i + 1))号-1,,,,\(domain);www.\(domain)") }
        // Late rows among the large ones, so that they are in flight while the loops are saturated.
        for (i, row) in bulk.enumerated() {
            let parts = row.split(separator: ",", omittingEmptySubsequences: false)
            rows.insert("\(parts[0]),\(parts[1]),\(parts[2]),,,", at: min(rows.count, 1 + i * 21 / 20))
        }
        let inventory = dir.appendingPathComponent("late.csv")
        try (rows.joined(separator: "\n") + "\n").write(to: inventory, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("run")
        let run = try Farm.icpaudit(["scan", inventory.path, "--out", out.path, "--allow-private", "--timeout", "5",
                                     "--concurrency", "500", "--per-ip", "1000"] + Farm.scanOptions)
        XCTAssertEqual(run.status, 0, run.stderr)

        let records = try Farm.records(out)
        XCTAssertEqual(records.count, late.count + bulk.count)
        let bulkDomains = Set(bulk.map { String($0.split(separator: ",")[0]) })
        Farm.assertExact(records.filter { bulkDomains.contains($0["domain"] as? String ?? "") },
                         try Farm.expected("bulk").filter { bulkDomains.contains($0.key) })
        for r in records where late.contains(r["domain"] as? String ?? "") {
            let domain = r["domain"] as? String ?? "?"
            let findings = r["findings"] as? [[String: Any]] ?? []
            XCTAssertEqual(findings.map { "\($0["host"] ?? "") \($0["code"] ?? "")" }.sorted(),
                           ["\(domain) TIMEOUT", "www.\(domain) TIMEOUT"], "an answer after 8 s passed --timeout 5")
            XCTAssertEqual(r["verdict"] as? String, "unreachable", domain)
            for h in r["hosts"] as? [[String: Any]] ?? [] {
                XCTAssertNil(h["status"] as? Int, "\(h["host"] ?? "") recorded as opened: \(h)")
                XCTAssertLessThan(h["ms"] as? Int ?? 99_999, 5000 + 1000, "\(h["host"] ?? "") ran past its wall time")
            }
        }
        // Hosts looked at twice say why the first look was a suspect.
        let observations = try Farm.records(out, "observations.jsonl")
        for host in observations.flatMap({ $0["hosts"] as? [[String: Any]] ?? [] }) {
            guard let first = host["first_look"] as? [String: Any] else { continue }
            XCTAssertFalse((first["reason"] as? String ?? "").isEmpty, "\(first)")
            XCTAssertFalse((first["outcome"] as? String ?? "").isEmpty, "\(first)")
        }
    }
}
