import Foundation
import XCTest

/// metrics.prom as node_exporter's textfile collector and Prometheus read it: linted by
/// promtool (Debian's prometheus package) and parsed by the Prometheus text parser of
/// python3-prometheus-client.
final class MetricsTests: XCTestCase {
    func testScanWritesMetricsForTheTextfileCollector() throws {
        try Farm.requireRunning()
        let inventory = Farm.repo.appendingPathComponent("inventories/sample.csv").path
        let out = Farm.tempDir().appendingPathComponent("run")
        let collector = Farm.tempDir()
        let target = collector.appendingPathComponent("icpaudit.prom")
        try "stale\n".write(to: target, atomically: false, encoding: .utf8)
        let staleInode = try inode(target)
        let before = Date().timeIntervalSince1970
        let options = ["--allow-private", "--timeout", "3", "--metrics", target.path] + Farm.scanOptions
        let run = try Farm.icpaudit(["scan", inventory, "--out", out.path] + options)
        XCTAssertEqual(run.status, 0, run.stderr)
        let after = Date().timeIntervalSince1970

        let text = try String(contentsOf: out.appendingPathComponent("metrics.prom"), encoding: .utf8)
        XCTAssertEqual(try String(contentsOf: target, encoding: .utf8), text)
        XCTAssertNotEqual(try inode(target), staleInode, "replaced by a rename, never rewritten in place")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: collector.path), ["icpaudit.prom"], "no temporary file left")
        try assertPromtoolAccepts(target)

        let samples = try parse(target)
        let expected = try Farm.expected("scenario").values
        for verdict in ["pass", "fail", "review", "unreachable"] {
            XCTAssertEqual(samples.value("icpaudit_sites", ["verdict": verdict]), Double(expected.filter { $0.verdict == verdict }.count), verdict)
        }
        var byCode: [String: Int] = [:]
        for e in expected { for code in e.findings.values.joined() { byCode[code, default: 0] += 1 } }
        for (code, n) in byCode {
            XCTAssertEqual(samples.sum("icpaudit_findings", ["code": code]), Double(n), code)
        }
        XCTAssertEqual(samples.all("icpaudit_findings").count, samples.all("icpaudit_findings").filter { ["desktop", "mobile"].contains($0.labels["view"]) }.count)
        let hosts = expected.map(\.hosts.count).reduce(0, +)
        XCTAssertEqual(samples.sum("icpaudit_hosts", [:]), Double(hosts))
        let unreachableHosts = expected.filter { $0.verdict == "unreachable" }.map(\.hosts.count).reduce(0, +)
        XCTAssertGreaterThanOrEqual(samples.value("icpaudit_hosts", ["result": "failed"]) ?? -1, Double(unreachableHosts))
        XCTAssertEqual(samples.value("icpaudit_bad_rows", [:]), 0)
        // --render auto draws the farm's script pages and nothing else (farmgen): spa, docwrite,
        // clickredirect, the four shell-* sites, jquery, shadow, uasniff as desktop and phone, the
        // four single-page apps (vue, vue-nopsb, react, react-unlinked), the http-only shells
        // (httponly, httponly-unlinked, httponly-mobile and othercert, the last two as phone too),
        // and darkwrite (links document.write hides). heaphog is drawn but stopped at its heap
        // budget: not a drawn page.
        XCTAssertEqual(samples.value("icpaudit_rendered_pages", [:]), 22)
        XCTAssertEqual(samples.value("icpaudit_resumes", [:]), 0)
        let start = try XCTUnwrap(samples.value("icpaudit_run_start_timestamp_seconds", [:]))
        let end = try XCTUnwrap(samples.value("icpaudit_run_end_timestamp_seconds", [:]))
        XCTAssertGreaterThanOrEqual(start, before - 1)
        XCTAssertLessThanOrEqual(end, after + 1)
        XCTAssertLessThanOrEqual(start, end)
        XCTAssertEqual(samples.value("icpaudit_run_duration_seconds", [:]) ?? -1, end - start, accuracy: 0.002)
        XCTAssertEqual(samples.value("icpaudit_last_success_timestamp_seconds", [:]), end)

        // Continued with --resume, the run counts it.
        let resumed = try Farm.icpaudit(["scan", inventory, "--resume", out.path] + options)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(try parse(target).value("icpaudit_resumes", [:]), 1)
    }

    private func assertPromtoolAccepts(_ file: URL) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool") else {
            XCTFail("promtool is not installed: run scripts/install-deps")
            return
        }
        let check = try Farm.command("/bin/sh", ["-c", "/usr/bin/promtool check metrics < \"$1\"", "sh", file.path])
        XCTAssertEqual(check.status, 0, check.stdout + check.stderr)
        XCTAssertEqual(check.stdout + check.stderr, "", "promtool's lint")
    }

    struct Sample {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    private func parse(_ file: URL) throws -> [Sample] {
        let script = """
        import json, sys
        from prometheus_client.parser import text_string_to_metric_families
        families = text_string_to_metric_families(open(sys.argv[1], encoding="utf-8").read())
        json.dump([{"name": s.name, "labels": s.labels, "value": s.value, "type": f.type} for f in families for s in f.samples], sys.stdout)
        """
        let parsed = try XCTUnwrap(try Farm.python("-c", [script, file.path]) as? [[String: Any]])
        for s in parsed { XCTAssertEqual(s["type"] as? String, "gauge", "\(s)") }
        return parsed.map { Sample(name: $0["name"] as? String ?? "", labels: $0["labels"] as? [String: String] ?? [:], value: $0["value"] as? Double ?? .nan) }
    }

    private func inode(_ file: URL) throws -> Int {
        try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: file.path)[.systemFileNumber] as? Int)
    }
}

private extension [MetricsTests.Sample] {
    func all(_ name: String) -> [MetricsTests.Sample] { filter { $0.name == name } }

    /// The one sample of `name` whose labels include `labels`.
    func value(_ name: String, _ labels: [String: String]) -> Double? {
        let matching = all(name).filter { s in labels.allSatisfy { s.labels[$0.key] == $0.value } }
        return matching.count == 1 ? matching[0].value : nil
    }

    func sum(_ name: String, _ labels: [String: String]) -> Double {
        all(name).filter { s in labels.allSatisfy { s.labels[$0.key] == $0.value } }.map(\.value).reduce(0, +)
    }
}
