import Foundation
import XCTest

/// `scan --shard` and `merge` against the farm: shards of one inventory, run at once, merged
/// into the run one unsharded scan makes; merge's refusals; and the shards sharing `--per-ip`.
final class ShardMergeTests: XCTestCase {
    /// The shard of a domain (docs/operations.md, "Shards"), written out here on its own: FNV-1a 64 of the UTF-8 bytes, mod N.
    private func documentedShard(_ domain: String, of count: UInt64) -> Int {
        var h: UInt64 = 14_695_981_039_346_656_037
        for b in domain.utf8 { h = (h ^ UInt64(b)) &* 1_099_511_628_211 }
        return Int(h % count)
    }

    /// Starts `icpaudit` with `args`, output discarded; `index` sets JOB_COMPLETION_INDEX.
    private func start(_ args: [String], index: Int? = nil) throws -> Process {
        let p = Process()
        p.executableURL = Farm.binary
        p.arguments = args
        if let index {
            var env = ProcessInfo.processInfo.environment
            env["JOB_COMPLETION_INDEX"] = String(index)
            p.environment = env
        }
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    private func json(_ file: URL) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any], file.path)
    }

    /// A record's verdict and findings, comparable across runs (checked_at and timings left out).
    private func outcome(_ r: [String: Any]) -> String {
        let findings = (r["findings"] as? [[String: Any]] ?? []).map { f in
            ["code", "host", "view", "severity", "detail"].map { "\(f[$0] ?? "-")" }.joined(separator: " ")
        }.sorted()
        return "\(r["verdict"] ?? "?"): " + findings.joined(separator: "; ")
    }

    private func byDomain(_ records: [[String: Any]]) -> [String: String] {
        Dictionary(records.map { ("\($0["domain"] ?? "")", outcome($0)) }, uniquingKeysWith: { a, b in a + " | twice: " + b })
    }

    /// The issue's proof: four shards of the 2,000-site farm at once (one through auto/4, one
    /// killed partway and resumed), merged, equal one unsharded run site for site, each row once,
    /// and exactly the farm's expectations; diff, judge, notices and --baseline take the merged run.
    func testFourShardsMergedEqualOneUnshardedRun() throws {
        try Farm.requireRunning()
        let inventory = Farm.dir.appendingPathComponent("bulk-inventory.csv")
        let rows = try String(contentsOf: inventory, encoding: .utf8).split(separator: "\n").count - 1
        let dir = Farm.tempDir()
        let options = ["--allow-private"] + Farm.scanOptions
        let single = dir.appendingPathComponent("single")
        let unsharded = try Farm.icpaudit(["scan", inventory.path, "--out", single.path, "--concurrency", "300"] + options)
        XCTAssertEqual(unsharded.status, 0, unsharded.stderr)

        let shardDirs = (0..<4).map { dir.appendingPathComponent("shard-\($0)") }
        let shardArgs = { (k: Int) in ["scan", inventory.path, "--out", shardDirs[k].path, "--concurrency", "100"] + options }
        var running = try [0, 1, 2].map { try start(shardArgs($0) + ["--shard", "\($0)/4"]) }
        running.append(try start(shardArgs(3) + ["--shard", "auto/4"], index: 3))
        // Killed partway: once it has written a few sites (the index is built before the first).
        let shard1Findings = shardDirs[1].appendingPathComponent("findings.jsonl")
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, ((try? FileManager.default.attributesOfItem(atPath: shard1Findings.path))?[.size] as? Int ?? 0) < 8_000 {
            usleep(20_000)
        }
        usleep(useconds_t(Int.random(in: 0...300_000)))
        kill(running[1].processIdentifier, SIGKILL)
        for p in running { p.waitUntilExit() }
        XCTAssertEqual(running.map(\.terminationStatus), [0, SIGKILL, 0, 0])
        XCTAssertFalse(FileManager.default.fileExists(atPath: shardDirs[1].appendingPathComponent("summary.json").path), "shard 1 was killed before it finished")

        // An unfinished shard is refused, or merged as far as it got and named.
        let early = try Farm.icpaudit(["merge"] + shardDirs.map(\.path) + ["--out", dir.appendingPathComponent("early").path])
        XCTAssertEqual(early.status, 2)
        XCTAssertTrue(early.stderr.contains("shard-1: shard 1/4 did not finish (no summary.json): continue it with `icpaudit scan INVENTORY --resume "), early.stderr)
        let partial = dir.appendingPathComponent("partial")
        let partialRun = try Farm.icpaudit(["merge"] + shardDirs.map(\.path) + ["--out", partial.path, "--allow-partial"])
        XCTAssertEqual(partialRun.status, 0, partialRun.stderr)
        XCTAssertTrue(partialRun.stdout.contains("unfinished shards (rows written so far merged): 1/4"), partialRun.stdout)
        XCTAssertEqual(try json(partial.appendingPathComponent("run.json"))["unfinished_shards"] as? [String], ["1/4"])
        XCTAssertLessThan(try Farm.records(partial).count, rows)

        // The killed shard resumes without --shard: it keeps the shard it started with.
        let resumed = try Farm.icpaudit(["scan", inventory.path, "--resume", shardDirs[1].path, "--concurrency", "100"] + options)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        for (k, shard) in shardDirs.enumerated() {
            let info = try json(shard.appendingPathComponent("run.json"))
            XCTAssertEqual(info["shard"] as? String, "\(k)/4")
            XCTAssertEqual(info["per_ip_in_shard"] as? String, "2", "--per-ip 8 among 4 shards")
            let domains = try Farm.records(shard).map { "\($0["domain"] ?? "")" }
            XCTAssertGreaterThan(domains.count, rows / 8, "shard \(k) has its part of the rows")
            XCTAssertEqual(domains.filter { documentedShard($0, of: 4) != k }, [], "rows of other shards in shard \(k)")
        }

        let merged = dir.appendingPathComponent("merged")
        let merge = try Farm.icpaudit(["merge", shardDirs[2].path, shardDirs[0].path, shardDirs[3].path, shardDirs[1].path, "--out", merged.path])
        XCTAssertEqual(merge.status, 0, merge.stderr)
        let records = try Farm.records(merged)
        XCTAssertEqual(records.count, rows)
        XCTAssertEqual(Set(records.compactMap { $0["line"] as? Int }).count, rows, "every row exactly once")
        Farm.assertExact(records, try Farm.expected("bulk"))
        let mergedOutcomes = byDomain(records)
        let singleOutcomes = byDomain(try Farm.records(single))
        XCTAssertEqual(mergedOutcomes.count, rows)
        for (domain, expected) in singleOutcomes where mergedOutcomes[domain] != expected {
            XCTFail("\(domain): merged \(mergedOutcomes[domain] ?? "no record"), unsharded \(expected)")
        }

        let info = try json(merged.appendingPathComponent("run.json"))
        XCTAssertNil(info["shard"], "a merged run is not a shard")
        XCTAssertEqual(info["shard_count"] as? Int, 4)
        let named = (info["shards"] as? [[String: String]] ?? []).map { "\($0["shard"] ?? "") \($0["run"] ?? "")" }
        XCTAssertEqual(named, shardDirs.enumerated().map { "\($0)/4 \($1.standardizedFileURL.path)" })
        XCTAssertEqual(try json(merged.appendingPathComponent("summary.json"))["sites"] as? Int, rows)
        let csv = try String(contentsOf: merged.appendingPathComponent("findings.csv"), encoding: .utf8)
        XCTAssertEqual(csv.components(separatedBy: "\r\n").filter { !$0.isEmpty }.count, rows + 1)
        XCTAssertEqual(try String(contentsOf: merged.appendingPathComponent("observations.jsonl"), encoding: .utf8)
            .split(separator: "\n").count, rows)
        for file in ["report.html", "bad_rows.jsonl"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: merged.appendingPathComponent(file).path), file)
        }
        // Every file a scan writes, the merge writes too.
        let scanFiles = Set(try FileManager.default.contentsOfDirectory(atPath: single.path))
        XCTAssertEqual(scanFiles.subtracting(try FileManager.default.contentsOfDirectory(atPath: merged.path)), [])

        let diff = try Farm.icpaudit(["diff", single.path, merged.path])
        XCTAssertEqual(diff.status, 0, diff.stderr)
        for line in ["new: 0", "resolved: 0", "domains added: 0", "domains removed: 0"] {
            XCTAssertTrue(diff.stdout.contains(line + "\n"), diff.stdout)
        }
        let judged = dir.appendingPathComponent("judged")
        let judge = try Farm.icpaudit(["judge", merged.path, "--out", judged.path])
        XCTAssertEqual(judge.status, 0, judge.stderr)
        XCTAssertEqual(byDomain(try Farm.records(judged)), mergedOutcomes)
        XCTAssertEqual(try json(judged.appendingPathComponent("run.json"))["shard_count"] as? Int, 4, "judged again, still the merge of 4 shards")
        let notices = dir.appendingPathComponent("notices")
        let written = try Farm.icpaudit(["notices", merged.path, "--out", notices.path])
        XCTAssertEqual(written.status, 0, written.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: notices.path).count,
                       records.filter { $0["verdict"] as? String != "pass" }.count)
        let small = dir.appendingPathComponent("small.csv")
        try "domain,icp,hosts\nok.test,京ICP备10000001号-1,ok.test\n".write(to: small, atomically: true, encoding: .utf8)
        let next = dir.appendingPathComponent("next")
        let nextRun = try Farm.icpaudit(["scan", small.path, "--out", next.path, "--baseline", merged.path] + options)
        XCTAssertEqual(nextRun.status, 0, nextRun.stderr)
        let trend = try json(next.appendingPathComponent("summary.json"))["trend"] as? [[String: Any]] ?? []
        XCTAssertEqual(trend.compactMap { $0["run"] as? String }, ["merged"])
        XCTAssertEqual(trend.first?["sites"] as? Int, rows)
    }

    /// The scenario farm in four shards at once: redirect-a.test (shard 3) is judged against the
    /// row of redirect-b.test (shard 0), so every scenario keeps its exact findings.
    func testARedirectToAnotherShardsRowIsJudgedAgainstThatRow() throws {
        try Farm.requireRunning()
        XCTAssertEqual(documentedShard("redirect-a.test", of: 4), 3)
        XCTAssertEqual(documentedShard("redirect-b.test", of: 4), 0)
        let inventory = Farm.dir.appendingPathComponent("inventory.csv")
        let dir = Farm.tempDir()
        let shardDirs = (0..<4).map { dir.appendingPathComponent("shard-\($0)") }
        let running = try (0..<4).map { k in
            try start(["scan", inventory.path, "--out", shardDirs[k].path, "--shard", "\(k)/4", "--allow-private", "--timeout", "3"] + Farm.scanOptions)
        }
        for p in running { p.waitUntilExit() }
        XCTAssertEqual(running.map(\.terminationStatus), [0, 0, 0, 0])
        let merged = dir.appendingPathComponent("merged")
        let merge = try Farm.icpaudit(["merge"] + shardDirs.map(\.path) + ["--out", merged.path])
        XCTAssertEqual(merge.status, 0, merge.stderr)
        let records = try Farm.records(merged)
        Farm.assertExact(records, try Farm.expected("scenario"))
        let a = try XCTUnwrap(records.first { $0["domain"] as? String == "redirect-a.test" })
        XCTAssertEqual(a["verdict"] as? String, "pass", outcome(a))
    }

    /// merge refuses what is not one run's full set of shards, with exit code 2 and a message
    /// that says why; --allow-partial merges the shards given and names the missing ones.
    func testMergeRefusesMixedDuplicatedAndMissingShards() throws {
        try Farm.requireRunning()
        let dir = Farm.tempDir()
        let rows = ["ok.test,京ICP备10000001号-1,ok.test", "wrong.test,京ICP备10000006号-1,wrong.test",
                    "redirect-a.test,京ICP备10000018号-1,redirect-a.test", "redirect-b.test,京ICP备10000019号-1,redirect-b.test"]
        let inventoryA = dir.appendingPathComponent("a.csv")
        // Line 6 is a bad row: every shard reports it, the merge once.
        try ("domain,icp,hosts\n" + rows.joined(separator: "\n") + "\nbad.test,not a number,bad.test\n").write(to: inventoryA, atomically: true, encoding: .utf8)
        let inventoryB = dir.appendingPathComponent("b.csv")
        try ("domain,icp,hosts\n" + rows.dropLast().joined(separator: "\n") + "\n").write(to: inventoryB, atomically: true, encoding: .utf8)
        func shard(_ inventory: URL, _ spec: String, _ name: String) throws -> String {
            let out = dir.appendingPathComponent(name)
            let run = try Farm.icpaudit(["scan", inventory.path, "--out", out.path, "--shard", spec, "--allow-private"] + Farm.scanOptions)
            XCTAssertEqual(run.status, 0, run.stderr)
            return out.path
        }
        // ok.test, redirect-a.test hash to shard 1 of 2; wrong.test, redirect-b.test to shard 0.
        XCTAssertEqual(rows.map { documentedShard(String($0.prefix { $0 != "," }), of: 2) }, [1, 0, 1, 0])
        let a0 = try shard(inventoryA, "0/2", "a0"), a1 = try shard(inventoryA, "1/2", "a1")
        let b1 = try shard(inventoryB, "1/2", "b1"), a0of3 = try shard(inventoryA, "0/3", "a0of3")
        let copy = dir.appendingPathComponent("a0-copy").path
        try FileManager.default.copyItem(atPath: a0, toPath: copy)
        let unsharded = dir.appendingPathComponent("unsharded").path
        XCTAssertEqual(try Farm.icpaudit(["scan", inventoryA.path, "--out", unsharded, "--allow-private"] + Farm.scanOptions).status, 0)

        func refused(_ runs: [String], _ message: String) throws {
            let run = try Farm.icpaudit(["merge"] + runs + ["--out", dir.appendingPathComponent("out-\(UUID().uuidString)").path])
            XCTAssertEqual(run.status, 2, "\(runs): \(run.stdout)")
            XCTAssertTrue(run.stderr.contains(message), "expected '\(message)' in: \(run.stderr)")
        }
        try refused([a0, b1], "b1: a shard of another inventory (\(inventoryB.path), checksum ")
        try refused([a0, a1, copy], "shard 0/2 given twice: \(a0) and \(copy)")
        try refused([a0], "shards missing: 1/2 (give every shard's run directory, or --allow-partial to merge these and list the missing ones)")
        try refused([a0, a0of3], "a0of3 is shard 0/3 but \(a0) is shard 0/2: shards of different splits")
        try refused([a0, unsharded], "unsharded: not a shard (its run.json names no shard")
        let resumedAsOther = try Farm.icpaudit(["scan", inventoryA.path, "--resume", a0, "--shard", "1/2", "--allow-private"] + Farm.scanOptions)
        XCTAssertEqual(resumedAsOther.status, 2)
        XCTAssertTrue(resumedAsOther.stderr.contains("this run is shard 0/2; --shard 1/2 does not continue it"), resumedAsOther.stderr)

        let partial = dir.appendingPathComponent("partial")
        let run = try Farm.icpaudit(["merge", a0, "--out", partial.path, "--allow-partial"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("missing shards: 1/2"), run.stdout)
        XCTAssertEqual(try json(partial.appendingPathComponent("run.json"))["missing_shards"] as? [String], ["1/2"])
        XCTAssertEqual(try Farm.records(partial).map { "\($0["domain"] ?? "")" }.sorted(), ["redirect-b.test", "wrong.test"])

        let whole = dir.appendingPathComponent("whole")
        XCTAssertEqual(try Farm.icpaudit(["merge", a1, a0, "--out", whole.path]).status, 0)
        XCTAssertEqual(byDomain(try Farm.records(whole)), byDomain(try Farm.records(URL(fileURLWithPath: unsharded))))
        let badRows = try String(contentsOf: whole.appendingPathComponent("bad_rows.jsonl"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(badRows.count, 1)
        XCTAssertTrue(badRows.first?.contains(#""line":6,"field":"icp""#) == true, "\(badRows)")
        XCTAssertEqual(try json(whole.appendingPathComponent("summary.json"))["bad_rows"] as? Int, 1)
    }

    /// A bad --shard, or auto/N where JOB_COMPLETION_INDEX is missing or out of range, stops
    /// before any run directory is made, with exit code 2 and what is wrong.
    func testABadShardExitsTwoWithoutARun() throws {
        let dir = Farm.tempDir()
        let inventory = dir.appendingPathComponent("inv.csv")
        try "domain,icp\nok.test,京ICP备10000001号-1\n".write(to: inventory, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("run")
        for (shard, index, message) in [("auto/4", nil, "--shard auto/4: JOB_COMPLETION_INDEX is not set"),
                                        ("auto/4", "4", "JOB_COMPLETION_INDEX=4: the shard must be a whole number from 0 to 3 for 4 shards"),
                                        ("4/4", nil, "--shard 4/4: the shard must be a whole number from 0 to 3"),
                                        ("two", nil, "--shard 'two': expected K/N or auto/N")] {
            var env = ProcessInfo.processInfo.environment
            env["JOB_COMPLETION_INDEX"] = index
            let p = Process()
            p.executableURL = Farm.binary
            p.arguments = ["scan", inventory.path, "--out", out.path, "--shard", shard]
            p.environment = env
            let err = Pipe()
            p.standardError = err
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            XCTAssertEqual(p.terminationStatus, 2, shard)
            XCTAssertTrue(stderr.contains(message), stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "\(shard): no run directory")
        }
    }

    /// scripts/shard-scan and shard-fanin, as on plain machines: two shards (one run twice: the
    /// second time resumes it), merged with the previous night as baseline, diffed, notices
    /// written; a night with a shard that never started is merged partially, naming it.
    func testShardScriptsRunANightOnPlainMachines() throws {
        try Farm.requireRunning()
        let dir = Farm.tempDir()
        let inventory = dir.appendingPathComponent("inv.csv")
        try "domain,icp,hosts\nok.test,京ICP备10000001号-1,ok.test\nwrong.test,京ICP备10000006号-1,wrong.test\n"
            .write(to: inventory, atomically: true, encoding: .utf8)
        var env = ProcessInfo.processInfo.environment
        env["ICPAUDIT"] = Farm.binary.path
        func script(_ name: String, _ args: [String]) throws -> Int32 {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/bash")
            p.arguments = [Farm.repo.appendingPathComponent("scripts/\(name)").path] + args
            p.environment = env
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            return p.terminationStatus
        }
        let runs = dir.appendingPathComponent("runs").path
        for night in ["20261201T1800Z", "20261202T1800Z"] {
            let root = dir.appendingPathComponent("shards/\(night)").path
            for shard in ["0/2", "1/2", "0/2"] {
                XCTAssertEqual(try script("shard-scan", [inventory.path, root, shard, "--allow-private"] + Farm.scanOptions), 0, shard)
            }
            XCTAssertEqual(try script("shard-fanin", [root, "2", runs, night]), 0)
        }
        let latest = URL(fileURLWithPath: runs).appendingPathComponent("20261202T1800Z")
        XCTAssertEqual(try Farm.records(latest).map { "\($0["domain"] ?? "") \($0["verdict"] ?? "")" }.sorted(),
                       ["ok.test pass", "wrong.test fail"])
        let diff = try String(contentsOf: latest.appendingPathComponent("diff.txt"), encoding: .utf8)
        XCTAssertTrue(diff.contains("new: 0\nresolved: 0\nstill failing: 1\n  ICP_WRONG (1): wrong.test"), diff)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: latest.appendingPathComponent("notices").path), ["wrong.test.txt"])
        let trend = try json(latest.appendingPathComponent("summary.json"))["trend"] as? [[String: Any]] ?? []
        XCTAssertEqual(trend.compactMap { $0["run"] as? String }, ["20261201T1800Z"])

        let root = dir.appendingPathComponent("shards/20261203T1800Z").path
        XCTAssertEqual(try script("shard-scan", [inventory.path, root, "1/2", "--allow-private"] + Farm.scanOptions), 0)
        XCTAssertEqual(try script("shard-fanin", [root, "2", runs, "20261203T1800Z", "0"]), 0)
        let partial = URL(fileURLWithPath: runs).appendingPathComponent("20261203T1800Z")
        XCTAssertEqual(try json(partial.appendingPathComponent("run.json"))["missing_shards"] as? [String], ["0/2"])
        XCTAssertEqual(try Farm.records(partial).map { "\($0["domain"] ?? "")" }, ["ok.test"])
    }

    /// Four shards at once, --per-ip 4: each takes 1, so the shared server never has more than
    /// 4 connections open (not 4 x 4), and never more than one from a shard; the farm's
    /// connection log names each connection's site, hence its shard.
    func testShardsRunningAtOnceShareThePerIPCap() throws {
        try Farm.requireRunning()
        let log = Farm.dir.appendingPathComponent("connections.log")
        let logged = (try? Data(contentsOf: log).count) ?? 0
        let dir = Farm.tempDir()
        let inventory = dir.appendingPathComponent("shared.csv")
        let domains = (1...40).map { "s\($0).shared.test" }
        try ("domain,icp,service_name\n" + domains.map { "\($0),京ICP备10000049号-1,示例科技\n" }.joined())
            .write(to: inventory, atomically: true, encoding: .utf8)
        let perShard = Dictionary(grouping: domains) { documentedShard($0, of: 4) }
        XCTAssertEqual(perShard.keys.sorted(), [0, 1, 2, 3], "every shard has rows on the shared server")
        let running = try (0..<4).map { k in
            try start(["scan", inventory.path, "--out", dir.appendingPathComponent("shard-\(k)").path, "--shard", "\(k)/4",
                       "--per-ip", "4", "--concurrency", "8", "--timeout", "15", "--allow-private"] + Farm.scanOptions)
        }
        for p in running { p.waitUntilExit() }
        XCTAssertEqual(running.map(\.terminationStatus), [0, 0, 0, 0])
        for k in 0..<4 {
            let records = try Farm.records(dir.appendingPathComponent("shard-\(k)"))
            XCTAssertEqual(records.count, perShard[k]?.count)
            // About 10 sites one at a time, three requests of 300 ms each: within --timeout 15, which the wait counts against.
            XCTAssertEqual(records.filter { $0["verdict"] as? String != "pass" }.map(outcome), [])
        }

        let connections = try Data(contentsOf: log).dropFirst(logged).split(separator: UInt8(ascii: "\n")).map { line in
            let fields = String(decoding: line, as: UTF8.self).split(separator: "\t").map(String.init)
            return (ip: fields[0], opened: Double(fields[1])!, answered: Double(fields[2])!,
                    host: fields.count > 3 ? String(fields[3].prefix { $0 != ":" }) : "")
        }.filter { $0.ip == "127.0.0.10" }
        // Each site is asked three times: its page, the phone probe of `--mobile auto` and
        // Baiduspider's request of `--cloak-check` (the farm's flags), each through the per-IP gate.
        XCTAssertEqual(connections.count, 3 * domains.count)
        XCTAssertEqual(Set(connections.map(\.host)), Set(domains))
        let all = Farm.mostOpenAtOnce(connections.map { ($0.opened, $0.answered) })
        XCTAssertLessThanOrEqual(all, 4, "the shared server saw more than --per-ip 4")
        XCTAssertGreaterThan(all, 1, "the shards did not run at the same time")
        for k in 0..<4 {
            let mine = connections.filter { documentedShard($0.host, of: 4) == k }
            XCTAssertEqual(Farm.mostOpenAtOnce(mine.map { ($0.opened, $0.answered) }), 1, "shard \(k)")
        }
    }
}
