import Foundation
import XCTest

/// Runs the real binary against the real farm (dnsmasq + nginx on loopback) and asserts the
/// findings of every scenario, host by host, against expectations written in scripts/farm.
final class FarmScanTests: XCTestCase {
    private func scan(_ inventory: URL, extra: [String] = ["--allow-private", "--timeout", "3"]) throws -> (URL, Farm.Run) {
        try Farm.requireRunning()
        let out = Farm.tempDir()
        let run = try Farm.icpaudit(["scan", inventory.path, "--out", out.path] + Farm.scanOptions + extra)
        return (out, run)
    }

    func testEveryScenarioGivesItsExactFindings() throws {
        let (out, run) = try scan(Farm.dir.appendingPathComponent("inventory.csv"))
        XCTAssertEqual(run.status, 0, run.stderr)
        let records = try Farm.records(out)
        let expected = try Farm.expected("scenario")
        Farm.assertExact(records, expected)

        // Every SPEC code but IP_PRIVATE and PAGE_SCRIPT_RENDERED (their own tests; the browser
        // draws the scenarios' script pages) is raised by some scenario.
        let raised = Set(records.flatMap { ($0["findings"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String } })
        let all: Set<String> = ["DNS_NO_RECORD", "DNS_ERROR", "CONNECT_FAILED", "TLS_FAILED", "HTTP_ERROR", "TIMEOUT",
                                "IP_NOT_PROVIDER", "IP_NOT_FILED", "ICP_MISSING", "ICP_WRONG", "ICP_SUBJECT_LEVEL",
                                "ICP_NOT_LINKED", "ICP_LINK_WRONG", "PSB_MISSING", "PSB_WRONG", "PSB_NOT_LINKED",
                                "TITLE_MISMATCH", "TITLE_RESTRICTED", "PAGE_PLACEHOLDER", "REDIRECT_OFFSITE", "IP_VIA_CDN",
                                "CONTENT_HIDDEN_LINKS", "CONTENT_RISK_WORDS"]
        XCTAssertEqual(all.subtracting(raised), [])

        func host(_ domain: String, _ name: String? = nil) throws -> [String: Any] {
            let r = try XCTUnwrap(records.first { $0["domain"] as? String == domain }, domain)
            let hosts = r["hosts"] as? [[String: Any]] ?? []
            return try XCTUnwrap(hosts.first { $0["host"] as? String == (name ?? domain) }, domain)
        }
        // Behind CDNs (SPEC "CDN"): each host's CNAME chain as the resolver saw it, www's too; the
        // host record names the CDN; IP_VIA_CDN names the CDN and the CNAME that matched.
        let observed = try Farm.records(out, "observations.jsonl").flatMap { $0["hosts"] as? [[String: Any]] ?? [] }
        func chain(_ name: String) -> [String]? {
            (observed.first { $0["host"] as? String == name }?["dns"] as? [String: Any])?["cnames"] as? [String]
        }
        XCTAssertEqual(chain("www.cdnown.test"), ["www.cdnown.test", "www.cdnown.test.cdn.dnsv1.com"])
        XCTAssertEqual(chain("cdnmiddle.test"), ["cdnmiddle.test", "cdnmiddle.test.w.alikunlun.com", "edge7.cdnmiddle-node.test"])
        XCTAssertEqual(try host("cdnown.test")["cdn"] as? String, "tencent-cdn")
        XCTAssertEqual(try host("cdnown.test", "www.cdnown.test")["cdn"] as? String, "tencent-cdn")
        XCTAssertEqual(try host("cdnmiddle.test")["cdn"] as? String, "alibaba-cdn")
        XCTAssertNil(try host("cdnlike.test")["cdn"])
        let middle = (records.first { $0["domain"] as? String == "cdnmiddle.test" }?["findings"] as? [[String: Any]])?.first
        let detail = middle?["detail"] as? String ?? ""
        XCTAssertTrue(detail.contains("（alibaba-cdn）") && detail.contains("CNAME cdnmiddle.test.w.alikunlun.com 匹配 alikunlun.com"), detail)
        XCTAssertEqual(middle?["severity"] as? String, "warn")

        // Charset decided as a zh-CN browser does, and recorded.
        XCTAssertEqual(try host("gbk.test")["charset"] as? String, "GB18030")
        XCTAssertEqual(try host("gbk.test")["charset_source"] as? String, "meta")
        XCTAssertEqual(try host("gbk-nodecl.test")["charset_source"] as? String, "sniff")
        XCTAssertEqual(try host("gbk-nodecl.test")["icp"] as? [String], ["京ICP备10000003号-1"])
        XCTAssertEqual(try host("gbk-nodecl.test")["title"] as? String, "示例科技")
        // http that cannot connect falls back to https; redirects are recorded.
        XCTAssertEqual(try host("httpsonly.test")["final_url"] as? String, "https://httpsonly.test/")
        XCTAssertEqual(try host("redirect-a.test")["final_url"] as? String, "http://redirect-b.test/")
        XCTAssertEqual(try host("tlsbad.test")["final_url"] as? String, "https://tlsbad.test/")
        // The large page (gzip on the wire) is read to its footer.
        XCTAssertGreaterThan(try host("large.test")["bytes"] as? Int ?? 0, 2_000_000)
        let ok = try host("ok.test", "www.ok.test")
        XCTAssertEqual(ok["icp_links"] as? [String], ["https://beian.miit.gov.cn/"])
        XCTAssertEqual(ok["ips"] as? [String], ["127.0.0.1"])
        XCTAssertEqual(ok["status"] as? Int, 200)
        XCTAssertEqual(try host("xn--fsqu00a.test")["icp"] as? [String], ["京ICP备10000032号-1"])

        // The browser's own hops and the frames it shows are recorded with their kind; a phone's
        // view is audited only where the site has one (SPEC "What a person sees").
        let observations = try Farm.records(out, "observations.jsonl")
        func seen(_ domain: String, view: String = "desktop") throws -> [String: Any] {
            let o = try XCTUnwrap(observations.first { $0["domain"] as? String == domain }, domain)
            let hosts = o["hosts"] as? [[String: Any]] ?? []
            return try XCTUnwrap(hosts.first { $0["view"] as? String == view }, "\(domain) \(view)")
        }
        func hops(_ domain: String, view: String = "desktop") throws -> [String] {
            try (seen(domain, view: view)["hops"] as? [[String: Any]] ?? []).map { "\($0["kind"] ?? "?") \($0["url"] ?? "?")" }
        }
        XCTAssertEqual(try hops("refresh.test"), ["http http://refresh.test/", "meta-refresh http://refresh.test/cn/index.html"])
        XCTAssertEqual(try hops("jsredirect.test"), ["http http://jsredirect.test/", "script http://jsredirect.test/home/"])
        XCTAssertEqual(try hops("clickredirect.test"), ["http http://clickredirect.test/"])
        XCTAssertEqual(try hops("frameset.test"), ["http http://frameset.test/", "frame http://frameset.test/top.html",
                                                   "frame http://frameset.test/main.html"])
        XCTAssertEqual(try host("frameset.test")["title"] as? String, "示例科技", "the top document's title")
        XCTAssertEqual(try hops("iframe.test"), ["http http://iframe.test/", "frame http://iframe.test/site/index.html"])
        XCTAssertEqual(try hops("mobile.test", view: "mobile"), ["http http://mobile.test/", "http http://m.mobile.test/"])
        let probe = try XCTUnwrap(try seen("mobile.test")["mobile_probe"] as? [String: Any])
        XCTAssertEqual(probe["status"] as? Int, 302)
        XCTAssertNil(try seen("ok.test")["mobile_probe"].flatMap { ($0 as? [String: Any])?["location"] }, "ok.test sends phones nowhere")
        XCTAssertEqual(records.filter { ($0["hosts"] as? [[String: Any]] ?? []).contains { $0["view"] as? String == "mobile" } }
                           .compactMap { $0["domain"] as? String }.sorted(),
                       ["httponly-mobile.home.arpa", "mobile.test", "othercert.home.arpa", "uasniff.test", "vary.test"])
        // Real single-page-app builds (Vue 2, React 18): judged on the page their footer
        // component drew.
        for (domain, icp, linked, psb) in [("vue.test", "京ICP备10000082号-1", true, ["京公网安备11010502000001号"]),
                                           ("vue-nopsb.test", "京ICP备10000083号-1", true, []),
                                           ("react.test", "京ICP备10000084号-1", true, ["京公网安备11010502000001号"]),
                                           ("react-unlinked.test", "京ICP备10000085号-1", false, ["京公网安备11010502000001号"])] {
            let drawn = try host(domain)
            XCTAssertEqual(drawn["rendered"] as? Bool, true, domain)
            XCTAssertEqual(drawn["icp"] as? [String], [icp], domain)
            XCTAssertEqual(drawn["icp_links"] as? [String], linked ? ["https://beian.miit.gov.cn/"] : [], domain)
            XCTAssertEqual(drawn["psb"] as? [String], psb, domain)
            XCTAssertEqual(drawn["title"] as? String, "示例科技", domain)
            XCTAssertNotNil(drawn["number_placement"], "\(domain): where the drawn numbers are")
        }
        XCTAssertNil(try host("ok.test")["rendered"], "a page static reading judges is not drawn")
        let hiddenDetail = try XCTUnwrap(records.first { $0["domain"] as? String == "hiddenfooter.test" }?["findings"] as? [[String: Any]])
            .first { $0["code"] as? String == "ICP_MISSING" }?["detail"] as? String
        XCTAssertTrue(hiddenDetail?.contains("display:none") ?? false, hiddenDetail ?? "no detail")

        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as? [String: Any])
        XCTAssertEqual(summary["sites"] as? Int, records.count)
        // Hostile servers (endless body, gzip bomb, silent TLS, …) cost bounded time: the whole
        // scan, and every host in it, ends within --timeout plus a margin.
        // The browser's start and the twenty-one pages it draws (--render auto, two at a time) come
        // on top: 20 s for fifteen pages, as it was, and as much again for each page since.
        XCTAssertLessThan(summary["wall_seconds"] as? Double ?? 99, 3 + 2.5 + 20 * 21 / 15)
        for r in records {
            for h in r["hosts"] as? [[String: Any]] ?? [] {
                XCTAssertLessThan(h["ms"] as? Int ?? 99_999, 3000 + 1500, "\(h["host"] ?? "?") took too long")
            }
        }
        XCTAssertEqual(try host("bomb.test")["bytes"] as? Int, 8 << 20, "the body cap stops the gzip bomb")
        // No ICP number, and only 百度统计 and jQuery: not drawn (drawing changes no finding), and
        // the observation says why.
        XCTAssertNil(try host("analytics.test")["rendered"], "a page whose scripts cannot draw was drawn")
        let analytics = try Farm.records(out, "observations.jsonl").first { $0["domain"] as? String == "analytics.test" }
        let skipped = (analytics?["hosts"] as? [[String: Any]])?.first?["render_skipped"] as? String ?? ""
        XCTAssertTrue(skipped.contains("cannot draw"), skipped)
        // Failures that may pass are retried within the deadline; the record says how often.
        XCTAssertEqual(try host("flaky.test")["attempts"] as? Int, 2, "a 503, then the page")
        XCTAssertEqual(try host("http500.test")["attempts"] as? Int, 3)
        XCTAssertEqual(try host("refused.test")["attempts"] as? Int, 3)
        XCTAssertEqual(try host("wrong.test")["attempts"] as? Int, 1, "a page finding is not retried")
        let csv = try Data(contentsOf: out.appendingPathComponent("findings.csv"))
        XCTAssertEqual(Array(csv.prefix(3)), [0xEF, 0xBB, 0xBF])
        let csvLines = String(decoding: csv.dropFirst(3), as: UTF8.self).split(separator: "\r\n")
        XCTAssertEqual(csvLines.first, "domain,verdict,codes,hosts_ok,hosts_total,title,icp_found,psb_found,final_url,detail,notice")
        XCTAssertEqual(csvLines.count, records.count + 1)
        XCTAssertTrue(csvLines.contains { $0.hasPrefix("notlinked.test,fail,ICP_NOT_LINKED,") && $0.hasSuffix(",经核查，您备案的网站【备案号未链接至工信部备案官网首页】。请您将ICP备案号链接至工信部备案官网首页(https://beian.miit.gov.cn/)。") })

        // One notice file per domain that did not pass, none for one that did.
        let noticeDir = Farm.tempDir().appendingPathComponent("notices")
        let notices = try Farm.icpaudit(["notices", out.path, "--out", noticeDir.path])
        XCTAssertEqual(notices.status, 0, notices.stderr)
        let files = try FileManager.default.contentsOfDirectory(atPath: noticeDir.path)
        XCTAssertEqual(files.count, records.filter { $0["verdict"] as? String != "pass" }.count)
        XCTAssertFalse(files.contains("ok.test.txt"))
        let letter = try String(contentsOf: noticeDir.appendingPathComponent("psbunlinked.test.txt"), encoding: .utf8)
        XCTAssertTrue(letter.contains("1. 经核查，您备案的网站【公安备案号未链接至全国互联网安全管理服务平台】。"), letter)
    }

    /// Pages only scripts draw: without a browser (`--render never`, or `auto` with none to
    /// start) they are PAGE_SCRIPT_RENDERED (warn) only, never ICP_MISSING / PSB_MISSING; with
    /// one, they are judged as drawn (the scenario scan above: both pass).
    func testScriptPagesWithoutABrowserArePageScriptRenderedOnly() throws {
        try Farm.requireRunning()
        let dir = Farm.tempDir()
        let inventory = dir.appendingPathComponent("scripts.csv")
        try "domain,icp,hosts\nspa.test,京ICP备10000016号-1,spa.test\ndocwrite.test,京ICP备10000074号-1,docwrite.test\n"
            .write(to: inventory, atomically: true, encoding: .utf8)
        for (name, flags) in [("never", ["--render", "never"]), ("nobrowser", ["--browser", "/nonexistent/chromium"])] {
            let out = dir.appendingPathComponent(name)
            let run = try Farm.icpaudit(["scan", inventory.path, "--out", out.path, "--allow-private"] + Farm.scanOptions + flags)
            XCTAssertEqual(run.status, 0, run.stderr)
            XCTAssertEqual(run.stderr.contains("warning: no browser"), name == "nobrowser", run.stderr)
            for record in try Farm.records(out) {
                let findings = record["findings"] as? [[String: Any]] ?? []
                XCTAssertEqual(findings.compactMap { $0["code"] as? String }, ["PAGE_SCRIPT_RENDERED"], "\(name): \(record)")
                XCTAssertEqual(findings.first?["severity"] as? String, "warn")
                XCTAssertEqual(record["verdict"] as? String, "review")
                XCTAssertTrue((findings.first?["detail"] as? String ?? "").contains("京ICP备"), "the number is in the detail")
            }
        }
        let always = try Farm.icpaudit(["scan", inventory.path, "--out", dir.appendingPathComponent("always").path,
                                        "--allow-private", "--render", "always", "--browser", "/nonexistent/chromium"] + Farm.scanOptions)
        XCTAssertEqual(always.status, 2, "--render always cannot do what it was asked without a browser")
    }

    /// The bulk farm (`scripts/sitefarm start --bulk N`): every generated site, exact.
    func testBulkFarmGivesExactFindingsForEverySite() throws {
        let (out, run) = try scan(Farm.dir.appendingPathComponent("bulk-inventory.csv"), extra: ["--allow-private", "--concurrency", "300"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let records = try Farm.records(out)
        let expected = try Farm.expected("bulk")
        XCTAssertGreaterThanOrEqual(expected.count, 12)
        XCTAssertEqual(records.count, expected.count)
        Farm.assertExact(records, expected)
    }

    /// 200 hostile sites at once: bounded memory, and exactly one record per inventory row.
    func testTwoHundredHostileSitesAtOnceStayBounded() throws {
        try Farm.requireRunning()
        let hostile = ["endless.test", "bomb.test", "chain.test", "bigline.test", "bigtitle.test", "badbytes.test",
                       "badgbk.test", "nested.test", "tlshang.test", "headers.test", "slow.test", "refused.test"]
        let dir = Farm.tempDir()
        let inventory = dir.appendingPathComponent("hostile.csv")
        var rows = "domain,icp,hosts\n"
        for i in 0..<200 { rows += "\(hostile[i % hostile.count]),京ICP备10000040号-1,\(hostile[i % hostile.count])\n" }
        try rows.write(to: inventory, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("run")
        let rss = dir.appendingPathComponent("rss")
        let run = try Farm.command("/usr/bin/time", ["-f", "%M", "-o", rss.path, Farm.binary.path, "scan", inventory.path,
                                                     "--out", out.path, "--concurrency", "200", "--per-ip", "200",
                                                     "--allow-private", "--timeout", "3"]
                                                    + Farm.scanOptions)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(try Farm.records(out).count, 200)
        XCTAssertEqual(Set(try Farm.records(out).compactMap { $0["line"] as? Int }).count, 200)
        let peakKB = Int(try String(contentsOf: rss, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)) ?? .max
        XCTAssertLessThan(peakKB, Farm.hostileRSSBoundKB, "peak RSS \(peakKB) KB")
    }

    /// `--per-ip`: a slow shared server never has more than its cap of connections open, and the
    /// sites of another server, listed after all of the shared server's rows, are not held up
    /// behind them.
    func testPerIPCapsConnectionsWithoutHoldingUpOtherServers() throws {
        try Farm.requireRunning()
        let log = Farm.dir.appendingPathComponent("connections.log")
        let logged = (try? Data(contentsOf: log).count) ?? 0
        let dir = Farm.tempDir()
        let inventory = dir.appendingPathComponent("shared.csv")
        var rows = "domain,icp,service_name\n"
        for i in 1...24 { rows += "s\(i).shared.test,京ICP备10000049号-1,示例科技\n" }
        for i in 1...24 { rows += "q\(i).quick.test,京ICP备10000049号-1,示例科技\n" }
        try rows.write(to: inventory, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("run")
        let run = try Farm.icpaudit(["scan", inventory.path, "--out", out.path, "--concurrency", "8", "--per-ip", "2",
                                     "--timeout", "10", "--allow-private"] + Farm.scanOptions)
        XCTAssertEqual(run.status, 0, run.stderr)
        let records = try Farm.records(out)
        XCTAssertEqual(records.count, 48)
        // One host each (a subdomain has no www host): the shared server's 24 take about 3.6 s
        // two at a time, within --timeout 10 (the wait counts against it: wall time).
        let notPassing = records.filter { $0["verdict"] as? String != "pass" }.map { "\($0["domain"] ?? "")" }
        XCTAssertEqual(notPassing, [])

        let connections = try Data(contentsOf: log).dropFirst(logged).split(separator: UInt8(ascii: "\n")).map { line in
            let fields = String(decoding: line, as: UTF8.self).split(separator: "\t")
            return (ip: String(fields[0]), opened: Double(fields[1])!, answered: Double(fields[2])!)
        }
        let shared = connections.filter { $0.ip == "127.0.0.10" }.sorted { $0.opened < $1.opened }
        let quick = connections.filter { $0.ip == "127.0.0.11" }
        // Each host is asked three times: its page, the phone probe of `--mobile auto` and
        // Baiduspider's request of `--cloak-check` (the farm's flags), each through the per-IP gate.
        XCTAssertEqual(shared.count, 72)
        XCTAssertEqual(quick.count, 72)
        guard shared.count == 72 else { return }
        XCTAssertEqual(Farm.mostOpenAtOnce(shared.map { ($0.opened, $0.answered) }), 2)
        XCTAssertEqual(Farm.mostOpenAtOnce(quick.map { ($0.opened, $0.answered) }), 2)
        let quickDone = try XCTUnwrap(quick.map(\.answered).max())
        XCTAssertLessThan(quickDone, shared[24].opened, "the quick server's sites waited behind the shared server's")
    }

    /// Several `--dns-server`s: a lookup the first answers with SERVFAIL is answered by the
    /// next. With only the failing server, the same host is DNS_ERROR after all its attempts.
    func testALookupThatFailsOnOneDNSServerIsAnsweredByAnother() throws {
        try Farm.requireRunning()
        let dir = Farm.tempDir()
        let inventory = dir.appendingPathComponent("inv.csv")
        try "domain,icp,hosts\nok.test,京ICP备10000001号-1,ok.test\n".write(to: inventory, atomically: true, encoding: .utf8)
        let servfail = "127.0.0.12:15354"  // scripts/farm/hostile.py
        func host(_ servers: [String]) throws -> [String: Any] {
            let out = dir.appendingPathComponent("run-\(servers.count)")
            let run = try Farm.icpaudit(["scan", inventory.path, "--out", out.path, "--allow-private", "--timeout", "5"]
                                        + servers.flatMap { ["--dns-server", $0] } + Farm.fetchOptions)
            XCTAssertEqual(run.status, 0, run.stderr)
            return try XCTUnwrap((try Farm.records(out).first?["hosts"] as? [[String: Any]])?.first)
        }
        let failing = try host([servfail])
        XCTAssertEqual(failing["opened"] as? Bool, false)
        XCTAssertEqual(failing["attempts"] as? Int, 3)
        let answered = try host([servfail, Farm.dns])
        XCTAssertEqual(answered["opened"] as? Bool, true)
        XCTAssertEqual(answered["attempts"] as? Int, 1)
        XCTAssertEqual(answered["ips"] as? [String], ["127.0.0.1"])
    }

    /// kill -9 at random moments, several times, resuming each time: the run ends with exactly
    /// one record per inventory row, in findings.jsonl, findings.csv and summary.json.
    func testResumeAfterKillsWritesEveryRowOnce() throws {
        try Farm.requireRunning()
        let inventory = Farm.dir.appendingPathComponent("bulk-inventory.csv")
        let rows = try String(contentsOf: inventory, encoding: .utf8).split(separator: "\n").count - 1
        let out = Farm.tempDir().appendingPathComponent("run")
        let baseline = Farm.tempDir().appendingPathComponent("lastnight")
        try FileManager.default.createDirectory(at: baseline, withIntermediateDirectories: true)
        try #"{"sites": 3, "verdicts": {"pass": 2, "fail": 1}, "finished_at": "2026-11-23T02:05:00Z"}"#
            .write(to: baseline.appendingPathComponent("summary.json"), atomically: true, encoding: .utf8)
        let common = ["--concurrency", "2", "--allow-private"] + Farm.scanOptions
        var written: [Int] = []
        for attempt in 0..<4 {
            let p = Process()
            p.executableURL = Farm.binary
            p.arguments = ["scan", inventory.path] + (attempt == 0 ? ["--out", out.path, "--baseline", baseline.path] : ["--resume", out.path]) + common
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            usleep(useconds_t(Int.random(in: 300_000...900_000)))
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            let text = (try? String(contentsOf: out.appendingPathComponent("findings.jsonl"), encoding: .utf8)) ?? ""
            written.append(text.split(separator: "\n").count)
        }
        XCTAssertLessThan(written.first ?? rows, rows, "the first run was killed before it finished")
        let finish = try Farm.icpaudit(["scan", inventory.path, "--resume", out.path] + common)
        XCTAssertEqual(finish.status, 0, finish.stderr)

        let lines = try Farm.records(out).compactMap { $0["line"] as? Int }
        XCTAssertEqual(lines.count, rows, "records after kills at \(written)")
        XCTAssertEqual(Set(lines).count, rows, "no row written twice")
        let csv = try Data(contentsOf: out.appendingPathComponent("findings.csv"))
        XCTAssertEqual(String(decoding: csv, as: UTF8.self).components(separatedBy: "\r\n").filter { !$0.isEmpty }.count, rows + 1)
        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as? [String: Any])
        XCTAssertEqual(summary["sites"] as? Int, rows)
        let trend = summary["trend"] as? [[String: Any]] ?? []
        XCTAssertEqual(trend.compactMap { $0["run"] as? String }, ["lastnight"], "the resumed run kept its baseline")

        // A changed inventory is refused rather than mixed in.
        let changed = Farm.tempDir().appendingPathComponent("changed.csv")
        try (String(contentsOf: inventory, encoding: .utf8) + "extra.test,京ICP备12345678号-1,\n").write(to: changed, atomically: true, encoding: .utf8)
        let refused = try Farm.icpaudit(["scan", changed.path, "--resume", out.path] + common)
        XCTAssertEqual(refused.status, 2)
        XCTAssertTrue(refused.stderr.contains("inventory changed"), refused.stderr)
    }

    /// scripts/nightly twice: the second run is compared with the first and has its notices.
    func testNightlyScriptDiffsAgainstThePreviousRun() throws {
        try Farm.requireRunning()
        let dir = Farm.tempDir()
        let inventory = dir.appendingPathComponent("inv.csv")
        try "domain,icp,hosts\nok.test,京ICP备10000001号-1,ok.test\nwrong.test,京ICP备10000006号-1,wrong.test\n"
            .write(to: inventory, atomically: true, encoding: .utf8)
        let runs = dir.appendingPathComponent("runs")
        let script = Farm.repo.appendingPathComponent("scripts/nightly").path
        var env = ProcessInfo.processInfo.environment
        env["ICPAUDIT"] = Farm.binary.path
        for _ in 0..<2 {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/bash")
            p.arguments = [script, inventory.path, runs.path, "--allow-private"] + Farm.scanOptions
            p.environment = env
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            XCTAssertEqual(p.terminationStatus, 0)
            sleep(1)  // run directories are named by the second
        }
        let made = try FileManager.default.contentsOfDirectory(atPath: runs.path).sorted()
        XCTAssertEqual(made.count, 2)
        let latest = runs.appendingPathComponent(made[1])
        XCTAssertFalse(FileManager.default.fileExists(atPath: runs.appendingPathComponent(made[0]).appendingPathComponent("diff.json").path))
        let diff = try String(contentsOf: latest.appendingPathComponent("diff.txt"), encoding: .utf8)
        XCTAssertTrue(diff.contains("still failing: 1\n  ICP_WRONG (1): wrong.test"), diff)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: latest.appendingPathComponent("notices").path), ["wrong.test.txt"])
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: latest.appendingPathComponent("summary.json"))) as? [String: Any]
        let trend = summary?["trend"] as? [[String: Any]] ?? []
        XCTAssertEqual(trend.compactMap { $0["run"] as? String }, [made[0]], "the previous run is the report's baseline")
        XCTAssertTrue(FileManager.default.fileExists(atPath: latest.appendingPathComponent("report.html").path))
    }

    func testNonPublicAddressesAreNotFetchedByDefault() throws {
        let dir = Farm.tempDir()
        let inventory = dir.appendingPathComponent("inv.csv")
        try "domain,icp\nok.test,京ICP备10000001号-1\n".write(to: inventory, atomically: true, encoding: .utf8)
        let (out, run) = try scan(inventory, extra: [])
        XCTAssertEqual(run.status, 0, run.stderr)
        let r = try XCTUnwrap(try Farm.records(out).first)
        XCTAssertEqual(r["verdict"] as? String, "unreachable")
        let findings = r["findings"] as? [[String: Any]] ?? []
        XCTAssertEqual(findings.compactMap { $0["code"] as? String }, ["IP_PRIVATE", "IP_PRIVATE"])
        XCTAssertEqual(Set(findings.compactMap { $0["host"] as? String }), ["ok.test", "www.ok.test"])
        XCTAssertTrue((r["hosts"] as? [[String: Any]] ?? []).allSatisfy { $0["bytes"] as? Int == 0 && $0["status"] is NSNull })
    }

    /// `--allow-private-range`: a page drawn in the browser whose scripts ask for private addresses
    /// (fetch, XHR, an image, an iframe; farm/www/leak.test) is drawn and judged, and none of its
    /// requests reaches the farm's tattle listener (127.0.2.1, outside the allowed range), which
    /// logs every connection it accepts. The control: the range widened to 127.0.0.0/8, the same
    /// scripts do reach it. The metadata (169.254.169.254) and intranet (10.99.0.1) requests are
    /// outside both ranges, so no scan here sends anything off loopback.
    func testAPagesScriptsReachNoPrivateAddressOutsideTheAllowedRange() throws {
        try Farm.requireRunning()
        let dir = Farm.tempDir()
        let inventory = dir.appendingPathComponent("leak.csv")
        try "domain,icp,hosts\nleak.test,京ICP备10000086号-1,leak.test\nnotprovider.test,京ICP备10000030号-1,notprovider.test\n"
            .write(to: inventory, atomically: true, encoding: .utf8)
        let tattle = Farm.dir.appendingPathComponent("tattle.log")
        func tattled() throws -> [String] {
            try String(contentsOf: tattle, encoding: .utf8).split(separator: "\n").map(String.init)
        }

        let before = try tattled()
        let out = dir.appendingPathComponent("scoped")
        let run = try Farm.icpaudit(["scan", inventory.path, "--out", out.path, "--allow-private-range", "127.0.0.0/24",
                                     "--timeout", "5"] + Farm.scanOptions)
        XCTAssertEqual(run.status, 0, run.stderr)
        let records = try Farm.records(out)
        let leak = try XCTUnwrap(records.first { $0["domain"] as? String == "leak.test" })
        XCTAssertEqual(leak["verdict"] as? String, "pass", "\(leak)")
        let drawn = try XCTUnwrap((leak["hosts"] as? [[String: Any]])?.first)
        XCTAssertEqual(drawn["rendered"] as? Bool, true)
        XCTAssertEqual(drawn["icp"] as? [String], ["京ICP备10000086号-1"])
        // A site outside the range (127.0.1.1, outside the provider's ranges too) is not fetched at all.
        let outside = try XCTUnwrap(records.first { $0["domain"] as? String == "notprovider.test" })
        XCTAssertEqual((outside["findings"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }.sorted(),
                       ["IP_NOT_PROVIDER", "IP_PRIVATE"])
        XCTAssertEqual(outside["verdict"] as? String, "unreachable")
        XCTAssertEqual(try tattled(), before, "a request reached 127.0.2.1")

        let widened = try Farm.icpaudit(["scan", inventory.path, "--out", dir.appendingPathComponent("widened").path,
                                         "--allow-private-range", "127.0.0.0/8", "--timeout", "5"] + Farm.scanOptions)
        XCTAssertEqual(widened.status, 0, widened.stderr)
        let reached = try tattled().dropFirst(before.count)
        for request in ["18080\tGET /fetch HTTP/1.1", "18080\tGET /xhr HTTP/1.1", "18080\tGET /frame HTTP/1.1"] {
            XCTAssertTrue(reached.contains(request), "\(request) not seen: \(reached)")
        }
        XCTAssertTrue(reached.contains("18443\taccepted"), "the https image: \(reached)")

        let bad = try Farm.icpaudit(["scan", inventory.path, "--allow-private-range", "10.0.0.0/33"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("The value '10.0.0.0/33' is invalid for '--allow-private-range <CIDR>'"), bad.stderr)
    }

    func testBadRowsAreReportedWithLineAndFieldAndSkipped() throws {
        let dir = Farm.tempDir()
        let inventory = dir.appendingPathComponent("bad.csv")
        try """
        domain,icp,ips
        ok.test,京ICP备10000001号-1,
        ,京ICP备10000001号-1,
        wrong.test,not a number,
        notfiled.test,京ICP备10000031号-1,999.1.1.1
        "yue.test",粤ICP备10000008号-1,"127.0.0.1"

        """.write(to: inventory, atomically: true, encoding: .utf8)
        let (out, run) = try scan(inventory)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stderr.contains("bad.csv:3: field 'domain': missing"), run.stderr)
        XCTAssertTrue(run.stderr.contains("bad.csv:4: field 'icp'"), run.stderr)
        XCTAssertTrue(run.stderr.contains("bad.csv:5: field 'ips': not an IP address: '999.1.1.1'"), run.stderr)
        let records = try Farm.records(out)
        XCTAssertEqual(Set(records.compactMap { $0["domain"] as? String }), ["ok.test", "yue.test"])
        XCTAssertEqual(records.first { $0["domain"] as? String == "yue.test" }?["line"] as? Int, 6)
        let bad = try String(contentsOf: out.appendingPathComponent("bad_rows.jsonl"), encoding: .utf8)
        XCTAssertEqual(bad.split(separator: "\n").count, 3)
    }

    func testAFileThatIsNotAnInventoryExitsTwo() throws {
        let dir = Farm.tempDir()
        let notInventory = dir.appendingPathComponent("notes.csv")
        try "name,phone\nzhang,123\n".write(to: notInventory, atomically: true, encoding: .utf8)
        let run = try Farm.icpaudit(["scan", notInventory.path, "--out", dir.appendingPathComponent("run").path])
        XCTAssertEqual(run.status, 2)
        XCTAssertTrue(run.stderr.contains("notes.csv:1: not an inventory"), run.stderr)
        let badOption = try Farm.icpaudit(["scan", notInventory.path, "--concurrency", "0"])
        XCTAssertEqual(badOption.status, 2, badOption.stderr)
        XCTAssertTrue(badOption.stderr.contains("--concurrency"), badOption.stderr)
        XCTAssertEqual(try Farm.icpaudit(["--help"]).status, 0)
        let missing = try Farm.icpaudit(["scan", dir.appendingPathComponent("absent.csv").path])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("absent.csv: cannot open"), missing.stderr)
    }

    func testShippedSampleInventoryIsTheFarms() throws {
        try Farm.requireRunning()
        let shipped = try String(contentsOf: Farm.repo.appendingPathComponent("inventories/sample.csv"), encoding: .utf8)
        let farm = try String(contentsOf: Farm.dir.appendingPathComponent("inventory.csv"), encoding: .utf8)
        XCTAssertEqual(shipped, farm, "regenerate inventories/sample.csv from farm/inventory.csv")
    }

    func testPageCommandAuditsASavedPage() throws {
        let corpus = Farm.repo.deletingLastPathComponent().appendingPathComponent("shared/corpus/048.html")
        let run = try Farm.icpaudit(["page", corpus.path, "--icp", "京ICP备05004340号-1"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("ICP_LINK_WRONG [error] 京ICP备05004340号-1 链接至 http://www.miitbeian.gov.cn/，而非工信部备案官网首页"), run.stdout)
        XCTAssertTrue(run.stdout.contains("PSB_NOT_LINKED"), run.stdout)
        let english = try Farm.icpaudit(["page", corpus.path, "--icp", "京ICP备05004340号-1", "--lang", "en"])
        XCTAssertTrue(english.stdout.contains("ICP_LINK_WRONG [error] 京ICP备05004340号-1 links to http://www.miitbeian.gov.cn/"), english.stdout)
    }

    /// The content rules' findings are written out like the page rules' (they once printed
    /// "(Function)" in place of their detail).
    func testPageCommandWritesContentFindingsWithTheirDetail() throws {
        let page = Farm.tempDir().appendingPathComponent("bet.html")
        try #"<html><head><title>北京pk10 网上投注</title><meta name="description" content="北京赛车 网上投注"></head><body><p>hello</p></body></html>"#
            .write(to: page, atomically: true, encoding: .utf8)
        let run = try Farm.icpaudit(["page", page.path, "--lang", "en"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let line = run.stdout.split(separator: "\n").first { $0.hasPrefix("CONTENT_RISK_WORDS [warn] ") }
        XCTAssertNotNil(line, run.stdout)
        for word in ["gambling", "北京pk10", "网上投注", "北京赛车"] { XCTAssertTrue(line?.contains(word) == true, "\(word): \(run.stdout)") }
    }

    func testDiffReportsNewAndResolvedFindings() throws {
        let dir = Farm.tempDir()
        let old = dir.appendingPathComponent("old"), new = dir.appendingPathComponent("new")
        for d in [old, new] { try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true) }
        try """
        {"domain":"a.cn","verdict":"fail","checked_at":"2026-11-23T02:00:00Z","findings":[{"code":"ICP_MISSING","host":"a.cn","severity":"error","detail":""}],"hosts":[]}
        {"domain":"b.cn","verdict":"fail","checked_at":"2026-11-23T02:00:00Z","findings":[{"code":"PSB_MISSING","host":"b.cn","severity":"error","detail":""}],"hosts":[]}
        {"domain":"gone.cn","verdict":"pass","checked_at":"2026-11-23T02:00:00Z","findings":[],"hosts":[]}

        """.write(to: old.appendingPathComponent("findings.jsonl"), atomically: true, encoding: .utf8)
        try """
        {"domain":"a.cn","verdict":"fail","checked_at":"2026-11-23T02:00:00Z","findings":[{"code":"ICP_NOT_LINKED","host":"a.cn","severity":"error","detail":""}],"hosts":[]}
        {"domain":"b.cn","verdict":"fail","checked_at":"2026-11-23T02:00:00Z","findings":[{"code":"PSB_MISSING","host":"b.cn","severity":"error","detail":""}],"hosts":[]}
        {"domain":"new.cn","verdict":"pass","checked_at":"2026-11-23T02:00:00Z","findings":[],"hosts":[]}

        """.write(to: new.appendingPathComponent("findings.jsonl"), atomically: true, encoding: .utf8)
        let run = try Farm.icpaudit(["diff", old.path, new.path])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("new: 1\n  ICP_NOT_LINKED (1): a.cn"), run.stdout)
        XCTAssertTrue(run.stdout.contains("resolved: 1\n  ICP_MISSING (1): a.cn"), run.stdout)
        XCTAssertTrue(run.stdout.contains("still failing: 1\n  PSB_MISSING (1): b.cn"), run.stdout)
        XCTAssertTrue(run.stdout.contains("domains added: 1 (new.cn)"), run.stdout)
        XCTAssertTrue(run.stdout.contains("domains removed: 1 (gone.cn)"), run.stdout)
        XCTAssertFalse(run.stdout.contains("flapping"), "two runs show no flapping")

        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: new.appendingPathComponent("diff.json"))) as? [String: Any])
        XCTAssertEqual((json["new"] as? [[String: String]])?.first, ["domain": "a.cn", "code": "ICP_NOT_LINKED"])
        XCTAssertEqual(json["domains_removed"] as? [String], ["gone.cn"])
        let csv = try Data(contentsOf: new.appendingPathComponent("diff.csv"))
        XCTAssertEqual(Array(csv.prefix(3)), [0xEF, 0xBB, 0xBF])
        let rows = String(decoding: csv.dropFirst(3), as: UTF8.self).split(separator: "\r\n")
        XCTAssertEqual(rows, ["status,domain,code", "new,a.cn,ICP_NOT_LINKED", "resolved,a.cn,ICP_MISSING",
                              "still_failing,b.cn,PSB_MISSING", "domain_added,new.cn,", "domain_removed,gone.cn,"])
    }

    /// Given more than two runs, a code that went on, off and on again is shown as flapping.
    func testDiffShowsFlappingCodesAcrossRuns() throws {
        let dir = Farm.tempDir()
        let present = [true, false, true]
        var runs: [String] = []
        for (i, on) in present.enumerated() {
            let run = dir.appendingPathComponent("run\(i)")
            try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
            let findings = on ? "[{\"code\":\"PSB_NOT_LINKED\",\"host\":\"a.cn\",\"severity\":\"error\",\"detail\":\"\"}]" : "[]"
            try "{\"domain\":\"a.cn\",\"verdict\":\"fail\",\"checked_at\":\"2026-11-23T02:00:00Z\",\"findings\":\(findings),\"hosts\":[]}\n"
                .write(to: run.appendingPathComponent("findings.jsonl"), atomically: true, encoding: .utf8)
            runs.append(run.path)
        }
        let run = try Farm.icpaudit(["diff"] + runs)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("new: 1\n  PSB_NOT_LINKED (1): a.cn"), run.stdout)
        XCTAssertTrue(run.stdout.contains("flapping: 1\n  PSB_NOT_LINKED (1): a.cn"), run.stdout)
        let tooFew = try Farm.icpaudit(["diff", runs[0]])
        XCTAssertEqual(tooFew.status, 2, "bad usage exits 2 (SPEC): \(tooFew.stderr)")
    }
}
