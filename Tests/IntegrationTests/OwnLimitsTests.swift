#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest

/// SPEC: the crawler's own resolver and network are never the site's. A resolver that cannot be
/// reached or answers nothing stops the run (exit 1, the server named) and a resume completes it;
/// a host this machine has no route to is a warning, not CONNECT_FAILED.
final class OwnLimitsTests: XCTestCase {
    /// The first rows of the bulk farm, with their hand-written expectations.
    private func bulkRows(_ count: Int) throws -> (URL, [String: Farm.Expected]) {
        let rows = try String(contentsOf: Farm.dir.appendingPathComponent("bulk-inventory.csv"), encoding: .utf8).split(separator: "\n")
        let inventory = Farm.tempDir().appendingPathComponent("rows.csv")
        try (rows.prefix(count + 1).joined(separator: "\n") + "\n").write(to: inventory, atomically: true, encoding: .utf8)
        let domains = Set(rows.dropFirst().prefix(count).map { String($0.split(separator: ",")[0]) })
        return (inventory, try Farm.expected("bulk").filter { domains.contains($0.key) })
    }

    private func assertNoDNSFinding(_ out: URL, file: StaticString = #filePath, line: UInt = #line) throws {
        guard FileManager.default.fileExists(atPath: out.appendingPathComponent("findings.jsonl").path) else { return }
        for r in try Farm.records(out) {
            let codes = (r["findings"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
            XCTAssertFalse(codes.contains("DNS_ERROR") || codes.contains("TIMEOUT"), "the resolver's trouble was blamed on \(r["domain"] ?? "?"): \(codes)",
                           file: file, line: line)
        }
    }

    /// Nothing listens on the resolver's port (a provider's resolver down or mistyped).
    func testAResolverThatCannotBeReachedStopsTheRunAndAResumeCompletesIt() throws {
        try Farm.requireRunning()
        let (inventory, expected) = try bulkRows(40)
        let out = Farm.tempDir().appendingPathComponent("run")
        let started = Date()
        let stopped = try Farm.icpaudit(["scan", inventory.path, "--out", out.path, "--allow-private", "--timeout", "3",
                                         "--dns-server", "127.0.0.1:1"] + Farm.fetchOptions)
        XCTAssertEqual(stopped.status, 1, "an unreachable resolver is icpaudit's failure: \(stopped.stderr)")
        XCTAssertTrue(stopped.stderr.contains("127.0.0.1:1"), "the message names the server: \(stopped.stderr)")
        XCTAssertTrue(stopped.stderr.contains("--resume"), stopped.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(started), 60)
        try assertNoDNSFinding(out)

        let resumed = try Farm.icpaudit(["scan", inventory.path, "--resume", out.path, "--allow-private", "--timeout", "3"] + Farm.scanOptions)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        Farm.assertExact(try Farm.records(out), expected)
    }

    /// A resolver that takes every query and answers none (a firewall dropping them).
    func testASilentResolverStopsTheRun() throws {
        try Farm.requireRunning()
        let (inventory, _) = try bulkRows(20)
        let silent = try SilentUDP()
        defer { silent.stop() }
        let out = Farm.tempDir().appendingPathComponent("run")
        let run = try Farm.icpaudit(["scan", inventory.path, "--out", out.path, "--allow-private", "--timeout", "3",
                                     "--dns-server", "127.0.0.1:\(silent.port)"] + Farm.fetchOptions)
        XCTAssertEqual(run.status, 1, "a silent resolver is icpaudit's failure: \(run.stderr)")
        XCTAssertTrue(run.stderr.contains("127.0.0.1:\(silent.port)") && run.stderr.contains("answers no query"), run.stderr)
        try assertNoDNSFinding(out)
    }

    /// A host with only AAAA records, audited from a network namespace with IPv6 disabled: a
    /// warning that it was not reachable from here, not the site's CONNECT_FAILED.
    func testAnIPv6OnlyHostFromAMachineWithoutIPv6IsAWarningNotCONNECT_FAILED() throws {
        guard geteuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare") else {
            throw XCTSkip("needs root and unshare for a network namespace")
        }
        let dir = Farm.tempDir()
        let inventory = dir.appendingPathComponent("v6.csv")
        try "domain,icp,service_name,ips,psb,hosts\nv6only.test,京ICP备10000001号-1,,,,v6only.test\n"
            .write(to: inventory, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("run")
        // A namespace of its own: only its loopback, IPv6 off, its own resolver on 127.0.0.1.
        let script = """
            set -e
            ip link set lo up
            sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.lo.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
            dnsmasq --conf-file=/dev/null --port=15353 --listen-address=127.0.0.1 --bind-interfaces --no-resolv --no-hosts \
              --user=root --address=/v6only.test/::1 --pid-file=\(dir.path)/dnsmasq.pid
            trap 'kill $(cat \(dir.path)/dnsmasq.pid)' EXIT
            "\(Farm.binary.path)" scan "\(inventory.path)" --out "\(out.path)" --allow-private --timeout 3 --dns-server 127.0.0.1:15353 --mobile never --render never
            """
        let run = try Farm.command("/usr/bin/unshare", ["-n", "/bin/bash", "-c", script])
        XCTAssertEqual(run.status, 0, run.stderr)
        let records = try Farm.records(out)
        XCTAssertEqual(records.count, 1)
        let r = try XCTUnwrap(records.first)
        let findings = r["findings"] as? [[String: Any]] ?? []
        XCTAssertEqual(findings.compactMap { $0["code"] as? String }, ["IPV6_NO_ROUTE"], "\(findings)")
        XCTAssertEqual(findings.first?["severity"] as? String, "warn")
        XCTAssertEqual(r["verdict"] as? String, "review", "a host not tried is for a person to look at, not unreachable")
        XCTAssertTrue((findings.first?["detail"] as? String ?? "").contains("::1"), "\(findings)")
    }
}

/// A UDP socket on loopback that reads every datagram and answers none (a python3 process).
private final class SilentUDP {
    let port: Int
    private let process = Process()

    init() throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", """
            import socket, sys
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("127.0.0.1", 0))
            print(s.getsockname()[1], flush=True)
            while True:
                s.recv(4096)
            """]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let line = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
        guard let port = Int(line.trimmingCharacters(in: .whitespacesAndNewlines)) else { throw POSIXError(.EADDRINUSE) }
        self.port = port
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }
}
