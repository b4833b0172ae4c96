import Foundation
import XCTest

/// icpaudit's own limits (descriptors, its DNS queue, a full disk) are never a site's finding:
/// the bulk farm's sites keep their exact findings, or the run stops with exit 1 and resumes.
final class FaultTests: XCTestCase {
    private var bulk: URL { Farm.dir.appendingPathComponent("bulk-inventory.csv") }

    /// Runs icpaudit under bash with `limits` (e.g. "ulimit -n 256") applied first.
    private func icpaudit(limits: String, _ args: [String]) throws -> Farm.Run {
        try Farm.command("/bin/bash", ["-c", "\(limits); exec \"$0\" \"$@\"", Farm.binary.path] + args)
    }

    private func assertBulkExact(_ out: URL, file: StaticString = #filePath, line: UInt = #line) throws {
        let expected = try Farm.expected("bulk")
        let records = try Farm.records(out)
        XCTAssertEqual(records.count, expected.count, "one record per row", file: file, line: line)
        Farm.assertExact(records, expected, file: file, line: line)
    }

    /// 2,000 sites at once under a 256-descriptor limit: --concurrency is lowered with one
    /// warning, and no site gets a false CONNECT_FAILED, DNS_ERROR or TIMEOUT.
    func testALowDescriptorLimitLowersConcurrencyAndBlamesNoSite() throws {
        try Farm.requireRunning()
        let out = Farm.tempDir()
        let run = try icpaudit(limits: "ulimit -n 256", ["scan", bulk.path, "--out", out.path, "--concurrency", "1000",
                                                         "--per-ip", "100000", "--allow-private", "--timeout", "5"] + Farm.scanOptions)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stderr.components(separatedBy: "lowered to").count - 1, 1, "one warning: \(run.stderr)")
        XCTAssertTrue(run.stderr.contains("--concurrency 1000 lowered to"), run.stderr)
        try assertBulkExact(out)
    }

    /// A burst of 2,000 lookups (1,000 sites at once, per-IP cap lifted) waits in icpaudit's DNS
    /// queue instead of overflowing a resolver's socket (the landed build lost answers here and
    /// reported hundreds of false DNS_ERROR): no false DNS_ERROR or TIMEOUT.
    func testABurstOfLookupsIsQueuedNotLost() throws {
        try Farm.requireRunning()
        let out = Farm.tempDir()
        let run = try Farm.icpaudit(["scan", bulk.path, "--out", out.path, "--concurrency", "1000", "--per-ip", "100000",
                                     "--allow-private", "--timeout", "5"] + Farm.scanOptions)
        XCTAssertEqual(run.status, 0, run.stderr)
        try assertBulkExact(out)
    }

    /// A disk that fills (a file-size limit: writes fail with EFBIG) stops the run with exit 1
    /// and a message naming the file; what was written is whole lines, and a resume once space
    /// is back completes the run with one exact record per row.
    func testAFullDiskStopsTheRunAndAResumeCompletesIt() throws {
        try Farm.requireRunning()
        let out = Farm.tempDir().appendingPathComponent("run")
        let args = ["scan", bulk.path, "--out", out.path, "--allow-private", "--timeout", "5"] + Farm.scanOptions
        let full = try icpaudit(limits: "ulimit -f 200", args)  // 200 KiB per file
        XCTAssertEqual(full.status, 1, "a full disk is icpaudit's failure, exit 1: \(full.stderr)")
        XCTAssertTrue(full.stderr.contains("write failed: File too large"), full.stderr)
        XCTAssertTrue(full.stderr.contains(out.path + "/"), "the message names the file: \(full.stderr)")
        for name in ["findings.jsonl", "observations.jsonl"] {
            let data = try Data(contentsOf: out.appendingPathComponent(name))
            XCTAssertGreaterThan(data.count, 0, name)
            XCTAssertEqual(data.last, 0x0A, "\(name) ends with a whole line")
            for line in data.split(separator: 0x0A) {
                XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(line)), "\(name): every line is a whole record")
            }
        }
        XCTAssertLessThan(try Farm.records(out).count, 2000, "the run stopped early")

        let resumed = try Farm.icpaudit(["scan", bulk.path, "--resume", out.path, "--allow-private", "--timeout", "5"] + Farm.scanOptions)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        try assertBulkExact(out)
    }
}
