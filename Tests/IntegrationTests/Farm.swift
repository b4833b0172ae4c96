import Foundation
import XCTest

/// The built `icpaudit` binary and the site farm that `scripts/sitefarm start` runs on loopback.
enum Farm {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let dir = repo.appendingPathComponent("farm")
    static let dns = "127.0.0.1:15353"

    /// The binary SwiftPM built beside this test bundle.
    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["ICPAUDIT_BIN"] { return URL(fileURLWithPath: path) }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("icpaudit")
    }

    /// Options that point a scan at the farm.
    static var scanOptions: [String] { ["--dns-server", dns] + fetchOptions }

    /// The farm's ports, CA, ranges, own CDN (cdnown.test's) and the cloak check (cloaked.test's), without its DNS server.
    static var fetchOptions: [String] {
        ["--http-port", "18080", "--https-port", "18443",
         "--ca-bundle", dir.appendingPathComponent("ca/ca.crt").path,
         "--ranges", repo.appendingPathComponent("inventories/farm-ranges.txt").path,
         "--own-cdn", "tencent-cdn", "--cloak-check"]
    }

    static func requireRunning() throws {
        guard FileManager.default.fileExists(atPath: dir.appendingPathComponent("nginx.pid").path),
              FileManager.default.fileExists(atPath: dir.appendingPathComponent("dnsmasq.pid").path) else {
            XCTFail("the site farm is not running: start it with scripts/sitefarm start (scripts/test does)")
            throw XCTSkip("no farm")
        }
    }

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The memory bound docs/testing.md states for 200 hostile sites scanned at once.
    static let hostileRSSBoundKB = 250 * 1024

    static func icpaudit(_ args: [String]) throws -> Run { try command(binary.path, args) }

    static func command(_ path: String, _ args: [String]) throws -> Run {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        // stderr goes to a file so that a chatty run can never block on a full pipe.
        let errFile = tempDir().appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: errFile.path, contents: nil)
        let errHandle = try FileHandle(forWritingTo: errFile)
        let out = Pipe()
        p.standardOutput = out
        p.standardError = errHandle
        try p.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        try errHandle.close()
        return Run(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                   stderr: (try? String(contentsOf: errFile, encoding: .utf8)) ?? "")
    }

    /// Loads `url` in headless Chromium (Debian's `chromium`, installed by scripts/install-deps)
    /// and returns the DOM once its scripts ran, and every console message the page produced:
    /// console calls, uncaught exceptions and Content-Security-Policy refusals alike.
    static func chromium(_ url: String) throws -> (dom: String, console: [String]) {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium") else {
            XCTFail("chromium is not installed: run scripts/install-deps")
            throw XCTSkip("no chromium")
        }
        let run = try command("/usr/bin/chromium", ["--headless", "--no-sandbox", "--disable-gpu",
                                                    "--user-data-dir=" + tempDir().path,
                                                    "--enable-logging=stderr", "--v=0", "--dump-dom", url])
        XCTAssertEqual(run.status, 0, run.stderr)
        return (run.stdout, run.stderr.split(separator: "\n").filter { $0.contains(":CONSOLE") }.map(String.init))
    }

    /// The most of `(opened, closed)` intervals (a connection log's) open at one moment.
    static func mostOpenAtOnce(_ intervals: [(Double, Double)]) -> Int {
        // At equal times a close counts before an open.
        let events = intervals.flatMap { [($0.0, 1), ($0.1, -1)] }.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
        var open = 0, most = 0
        for (_, change) in events {
            open += change
            most = max(most, open)
        }
        return most
    }

    /// Runs Debian's python3 (which has the python3-* packages scripts/install-deps installs,
    /// unlike whatever `python3` is first on PATH) and decodes the JSON it prints.
    static func python(_ first: String, _ args: [String]) throws -> Any {
        let run = try command("/usr/bin/python3", [first] + args)
        XCTAssertEqual(run.status, 0, run.stderr)
        return try JSONSerialization.jsonObject(with: Data(run.stdout.utf8))
    }

    /// A screenshot of `url` as headless Chromium draws it at 1280 px wide.
    static func chromiumScreenshot(_ url: String, to png: URL) throws {
        let run = try command("/usr/bin/chromium", ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                                                    "--user-data-dir=" + tempDir().path, "--window-size=1280,2400",
                                                    "--screenshot=" + png.path, url])
        XCTAssertEqual(run.status, 0, run.stderr)
    }

    static func tempDir() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("icpaudit-test-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func records(_ run: URL, _ file: String = "findings.jsonl") throws -> [[String: Any]] {
        let text = try String(contentsOf: run.appendingPathComponent(file), encoding: .utf8)
        return try text.split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    struct Expected: Decodable {
        /// `scenario` (farm/inventory.csv) or `bulk` (farm/bulk-inventory.csv).
        var set: String
        var domain: String
        var verdict: String
        var hosts: [String]
        var findings: [String: [String]]
    }

    static func expected(_ set: String) throws -> [String: Expected] {
        let text = try String(contentsOf: dir.appendingPathComponent("expected.jsonl"), encoding: .utf8)
        var out: [String: Expected] = [:]
        for line in text.split(separator: "\n") {
            let e = try JSONDecoder().decode(Expected.self, from: Data(line.utf8))
            if e.set == set { out[e.domain] = e }
        }
        return out
    }

    /// Checks that every expected domain has exactly one record with exactly the expected codes.
    static func assertExact(_ records: [[String: Any]], _ expected: [String: Farm.Expected], file: StaticString = #filePath, line: UInt = #line) {
        var seen: [String: Int] = [:]
        for r in records {
            let domain = r["domain"] as? String ?? "?"
            seen[domain, default: 0] += 1
            guard let e = expected[domain] else { XCTFail("unexpected record for \(domain)", file: file, line: line); continue }
            XCTAssertEqual(r["verdict"] as? String, e.verdict, "\(domain) verdict", file: file, line: line)
            // A mobile view's findings and host record are expected under "host@mobile".
            let key = { (o: [String: Any]) in (o["host"] as? String ?? "?") + ((o["view"] as? String).map { "@" + $0 } ?? "") }
            let findings = r["findings"] as? [[String: Any]] ?? []
            for host in e.hosts {
                let codes = findings.filter { key($0) == host }.compactMap { $0["code"] as? String }.sorted()
                XCTAssertEqual(codes, e.findings[host] ?? [], "\(domain): findings on \(host)", file: file, line: line)
            }
            let hosts = (r["hosts"] as? [[String: Any]] ?? []).map(key)
            XCTAssertEqual(hosts.sorted(), e.hosts.sorted(), "\(domain): hosts audited", file: file, line: line)
        }
        for domain in expected.keys { XCTAssertEqual(seen[domain], 1, "\(domain): records", file: file, line: line) }
    }
}
