import Foundation
import XCTest
import ICPModel
@testable import ICPInventory

final class InventoryTests: XCTestCase {
    private func write(_ text: String, _ name: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("inv-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent(name).path
        FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }

    private func rows(_ path: String) throws -> [Result<Site, BadRow>] { Array(try InventoryReader(path: path)) }

    func testCSVWithBOMQuotingAndCRLF() throws {
        let text = "\u{FEFF}Domain,ICP,service_name,ips\r\nexample.cn,京ICP备12345678号-1,\"示例, 科技\",\"203.0.113.1; 2001:db8::1\"\r\n\"multi.cn\",\"京ICP备12345679号-1\",\"line\none\",\r\nlast.cn,京ICP备12345670-2号,,\r\n"
        let r = try rows(write(text, "a.csv"))
        XCTAssertEqual(r.count, 3)
        let first = try r[0].get()
        XCTAssertEqual(first.serviceName, "示例, 科技")
        XCTAssertEqual(first.ips.map(\.description), ["203.0.113.1", "2001:db8::1"])
        XCTAssertEqual(first.hosts, ["example.cn", "www.example.cn"])
        XCTAssertEqual(try r[1].get().line, 3)
        XCTAssertEqual(try r[2].get().line, 5, "a quoted field spanning two lines moves the next row's line")
        XCTAssertEqual(try r[2].get().icp, "京ICP备12345670号-2")
    }

    func testTSVAndJSONLinesReadTheSameRows() throws {
        let tsv = try rows(write("domain\ticp\thosts\nexample.cn\t京ICP备12345678号-1\texample.cn;m.example.cn\n", "a.tsv"))
        let jsonl = try rows(write("{\"domain\":\"example.cn\",\"icp\":\"京ICP备12345678号-1\",\"hosts\":[\"example.cn\",\"m.example.cn\"]}\n", "a.jsonl"))
        var fromJSON = try jsonl[0].get()
        fromJSON.line = 2  // the TSV header takes line 1
        XCTAssertEqual(try tsv[0].get(), fromJSON)
        XCTAssertEqual(try tsv[0].get().hosts, ["example.cn", "m.example.cn"])
    }

    func testIDNAndPublicSuffixDecideHosts() throws {
        let r = try rows(write("domain,icp\n例子.中国,京ICP备12345678号-1\nwww.example.cn,京ICP备12345678号-1\nshop.example.com.cn,京ICP备12345678号-1\nexample.com.cn,京ICP备12345678号-1\n", "b.csv"))
        XCTAssertEqual(try r[0].get().domain, "xn--fsqu00a.xn--fiqs8s")
        XCTAssertEqual(try r[0].get().hosts, ["xn--fsqu00a.xn--fiqs8s", "www.xn--fsqu00a.xn--fiqs8s"])
        XCTAssertEqual(try r[1].get().hosts, ["www.example.cn"])
        XCTAssertEqual(try r[2].get().hosts, ["shop.example.com.cn"])
        XCTAssertEqual(try r[3].get().hosts, ["example.com.cn", "www.example.com.cn"])
    }

    func testBadRowsNameLineAndFieldAndDoNotShiftOthers() throws {
        let r = try rows(write("domain,icp,ips,psb\n,京ICP备1234567号-1,,\nbad domain,京ICP备1234567号-1,,\nok.cn,京ICP证030173号,,\nok.cn,京ICP备1234567号-1,1.2.3,\nok.cn,京ICP备1234567号-1,,公安\ngood.cn,京ICP备1234567号-1,,\n", "c.csv"))
        let bad = r.compactMap { if case .failure(let b) = $0 { return b } else { return nil } }
        XCTAssertEqual(bad.map(\.line), [2, 3, 4, 5, 6])
        XCTAssertEqual(bad.map(\.field), ["domain", "domain", "icp", "ips", "psb"])
        XCTAssertTrue(bad[0].description.hasSuffix("c.csv:2: field 'domain': missing"))
        XCTAssertEqual(try r[5].get().domain, "good.cn")
        XCTAssertEqual(try r[5].get().line, 7)
    }

    func testNotAnInventory() {
        XCTAssertThrowsError(try InventoryReader(path: write("name,phone\na,1\n", "d.csv"))) { error in
            XCTAssertTrue("\(error)".contains("d.csv:1: not an inventory"), "\(error)")
        }
        XCTAssertThrowsError(try InventoryReader(path: write("", "e.csv")))
        XCTAssertThrowsError(try InventoryReader(path: "/nonexistent/inv.csv"))
    }

    func testProviderRanges() throws {
        let set = try ProviderRanges.parse("# ranges\n203.0.113.0/24\n2001:db8::/32  # v6\n\n", file: "r.txt")
        XCTAssertTrue(set.contains(IPAddress("203.0.113.77")!))
        XCTAssertFalse(set.contains(IPAddress("203.0.114.1")!))
        XCTAssertTrue(set.contains(IPAddress("2001:db8:1::5")!))
        XCTAssertThrowsError(try ProviderRanges.parse("10.0.0.0/8\n10.0.0.0/33\n", file: "r.txt")) { error in
            XCTAssertEqual("\(error)", "r.txt:2: field 'cidr': not a CIDR block: '10.0.0.0/33'")
        }
    }

    func testNonPublicAddresses() {
        for ip in ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "fe80::1", "fd00::1", "::ffff:10.0.0.1"] {
            XCTAssertTrue(IPAddress(ip)!.isNonPublic, ip)
        }
        for ip in ["114.114.114.114", "223.5.5.5", "2400:3200::1"] {
            XCTAssertFalse(IPAddress(ip)!.isNonPublic, ip)
        }
    }
}

final class InventoryIndexTests: XCTestCase {
    /// 40,000 rows of two hosts each: more than one sorted run, so the merge is exercised.
    func testFindsRowsByHostAcrossMergedRuns() throws {
        var text = "domain,icp,service_name\n"
        for i in 0..<40_000 { text += "s\(i).cn,京ICP备\(10_000_000 + i)号-1,站点\(i)\n" }
        text += "shop.cn,京ICP备99999999号-2,商店\n"
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("idx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("inv.csv").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertGreaterThan(80_000, InventoryIndex.runLength)

        let index = try InventoryIndex(inventory: path)
        for i in [0, 1, 12_345, 32_767, 32_768, 39_999] {
            let site = try XCTUnwrap(index.site(forHost: "s\(i).cn"), "s\(i).cn")
            XCTAssertEqual(site.icp, "京ICP备\(10_000_000 + i)号-1")
            XCTAssertEqual(index.site(forHost: "www.s\(i).cn")?.domain, "s\(i).cn")
        }
        XCTAssertEqual(index.site(forHost: "m.shop.cn")?.serviceName, "商店", "falls back to the registrable domain")
        XCTAssertNil(index.site(forHost: "elsewhere.cn"))
    }
}

/// Inputs the fuzzers (scripts/fuzz) once crashed on, read again on every test run; under
/// `scripts/sanitize address` a memory error in them fails the run.
final class FuzzRegressionTests: XCTestCase {
    func testInventoryReproducersReadToTheEnd() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("FuzzRegressions/inventory")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        XCTAssertFalse(files.isEmpty)
        for name in files {
            let reader = try InventoryReader(path: dir.appendingPathComponent(name).path)
            var rows = 0
            while let row = reader.next() {
                if case .success(let site) = row { XCTAssertFalse(site.hosts.isEmpty) }
                rows += 1
            }
            XCTAssertGreaterThan(rows, 0, name)
        }
        // The crash: libpsl's answer read after the C string it points into was freed.
        XCTAssertEqual(Domains.registrableDomain("www.shop.example.com.cn"), "example.com.cn")
        XCTAssertTrue(Domains.isRegistrable("example.com.cn"))
    }
}
