#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
import ICPDomains
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

    private func failures(_ r: [Result<Site, BadRow>]) -> [BadRow] {
        r.compactMap { if case .failure(let b) = $0 { return b } else { return nil } }
    }

    private func sites(_ r: [Result<Site, BadRow>]) -> [Site] { r.compactMap { try? $0.get() } }

    func testUnclosedQuoteIsOneBadRowAndSwallowsNothing() throws {
        let path = write("domain,icp\n\"a.cn,京ICP备1号-1\nb.cn,京ICP备12345678号-1\nc.cn,京ICP备12345679号-1\n", "q.csv")
        let r = try rows(path)
        XCTAssertEqual(r.count, 3)
        let bad = failures(r)
        XCTAssertEqual(bad.count, 1)
        XCTAssertEqual(bad.first?.description, "\(path):2: field 'domain': quote never closed")
        XCTAssertEqual(sites(r).map(\.domain), ["b.cn", "c.cn"])
        XCTAssertEqual(sites(r).map(\.line), [3, 4])
        XCTAssertEqual(sites(r).map(\.icp), ["京ICP备12345678号-1", "京ICP备12345679号-1"])
    }

    func testUnclosedQuoteOnTheLastRow() throws {
        for end in ["\n", ""] {
            let r = try rows(write("domain,icp,service_name\na.cn,京ICP备12345678号-1,甲\nb.cn,京ICP备12345679号-1,\"乙" + end, "l.csv"))
            XCTAssertEqual(r.count, 2, end.debugDescription)
            XCTAssertEqual(sites(r).map(\.line), [2])
            XCTAssertEqual(failures(r).map(\.line), [3])
            XCTAssertEqual(failures(r).map(\.field), ["service_name"])
        }
    }

    /// ~100 KB of rows before a quote that would close the unclosed one properly: the 64 KiB
    /// bound ends the field first, and reading goes back across a block boundary to line 3.
    func testUnclosedQuoteBeforeMoreThanTheBound() throws {
        var text = "domain,icp\n\"a.cn,京ICP备12345678号-1\n"
        for i in 0..<3_000 { text += "s\(10_000 + i).cn,京ICP备\(10_000_000 + i)号-1\n" }
        text += "z.cn,京ICP备99999999号-1,尾\"\n"
        let r = try rows(write(text, "bound.csv"))
        XCTAssertEqual(failures(r).map(\.line), [2])
        XCTAssertEqual(sites(r).count, 3_001)
        XCTAssertEqual(sites(r).first?.line, 3)
        XCTAssertEqual(sites(r).last?.line, 3_003)
        XCTAssertEqual(sites(r).last?.domain, "z.cn")
    }

    /// The quote that opens the next row's quoted field must not pass for the closing one.
    func testUnclosedQuoteInTSVBeforeAQuotedField() throws {
        let r = try rows(write("domain\ticp\tservice_name\na.cn\t京ICP备12345678号-1\t\"甲\nb.cn\t京ICP备12345679号-1\t\"乙\t丙\"\nc.cn\t京ICP备12345670号-1\t\n", "q.tsv"))
        XCTAssertEqual(r.count, 3)
        XCTAssertEqual(failures(r).map(\.line), [2])
        XCTAssertEqual(failures(r).map(\.field), ["service_name"])
        XCTAssertEqual(sites(r).map(\.domain), ["b.cn", "c.cn"])
        XCTAssertEqual(sites(r).map(\.line), [3, 4])
        XCTAssertEqual(sites(r).first?.serviceName, "乙\t丙")
    }

    func testMultiLineQuotedFieldThenRows() throws {
        let r = try rows(write("domain,icp,service_name\r\nm.cn,京ICP备12345678号-1,\"第一行\r\n第二行\r\n第三行\"\r\nb.cn,京ICP备12345679号-1,\"乙, 丙\"\r\nc.cn,京ICP备12345670号-1,\r\n", "m.csv"))
        XCTAssertEqual(failures(r), [])
        XCTAssertEqual(sites(r).map(\.domain), ["m.cn", "b.cn", "c.cn"])
        XCTAssertEqual(sites(r).map(\.line), [2, 5, 6])
        XCTAssertEqual(sites(r).map(\.serviceName), ["第一行\r\n第二行\r\n第三行", "乙, 丙", ""])
    }

    func testManyBlankLinesBeforeARow() throws {
        let blanks = String(repeating: "\n", count: 200_000)
        let csv = try rows(write("domain,icp\n" + blanks + "a.cn,京ICP备12345678号-1\n", "blank.csv"))
        XCTAssertEqual(csv.count, 1)
        XCTAssertEqual(try csv.first?.get().line, 200_002)
        let row = "{\"domain\":\"a.cn\",\"icp\":\"京ICP备12345678号-1\"}\n"
        let jsonl = try rows(write(row + blanks + row, "blank.jsonl"))
        XCTAssertEqual(jsonl.count, 2)
        XCTAssertEqual(try jsonl.last?.get().line, 200_002)
    }

    func testSiteAtOffsetAfterBlankLines() throws {
        let before = "domain,icp\na.cn,京ICP备12345678号-1\n"
        let reader = try InventoryReader(path: write(before + "\n \n\r\nb.cn,京ICP备12345679号-1\nc.cn,京ICP备12345670号-1\n", "s.csv"))
        var offsets: [(Int, String)] = []
        while let row = reader.next() { offsets.append((reader.rowOffset, try row.get().domain)) }
        XCTAssertEqual(offsets.map(\.1), ["a.cn", "b.cn", "c.cn"])
        for (offset, domain) in offsets { XCTAssertEqual(reader.site(at: offset)?.domain, domain) }
        XCTAssertEqual(reader.site(at: before.utf8.count)?.icp, "京ICP备12345679号-1", "from the blank lines on: the row after them")
    }

    /// A read error is a bad row that ends the stream, never a row cut short or a quiet end.
    func testReadErrorsAreReported() throws {
        let dir = FileManager.default.temporaryDirectory.path
        XCTAssertThrowsError(try InventoryReader(path: dir)) { error in
            XCTAssertTrue("\(error)".contains("cannot read"), "\(error)")
        }
        // 33-byte rows: the first 64 KiB block holds the 11-byte header and 1,985 whole rows.
        var text = "domain,icp\n"
        for i in 0..<3_000 { text += "s\(10_000 + i).cn,京ICP备\(10_000_000 + i)号-1\n" }
        let path = write(text, "big.csv")
        let reader = try InventoryReader(path: path)
        // The reader's descriptor now reads a directory: the next block fails with EISDIR.
        let fd = try XCTUnwrap(FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").compactMap(Int32.init).first {
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\($0)")) == path
        })
        let dirFD = open(dir, O_RDONLY)
        XCTAssertEqual(dup2(dirFD, fd), fd)
        close(dirFD)
        let r = Array(reader)
        XCTAssertEqual(sites(r).count, 1_985)
        XCTAssertEqual(sites(r).last?.line, 1_986)
        XCTAssertEqual(r.count, 1_986)
        XCTAssertEqual(failures(r).first?.description, "\(path):1987: field '-': cannot read the rest of the file: \(String(cString: strerror(EISDIR)))")
    }

    func testNotAnInventory() {
        XCTAssertThrowsError(try InventoryReader(path: write("name,phone\na,1\n", "d.csv"))) { error in
            XCTAssertTrue("\(error)".contains("d.csv:1: not an inventory"), "\(error)")
        }
        XCTAssertThrowsError(try InventoryReader(path: write("", "e.csv")))
        XCTAssertThrowsError(try InventoryReader(path: write("domain,\"icp\na.cn,京ICP备12345678号-1\n", "f.csv"))) { error in
            XCTAssertTrue("\(error)".contains("f.csv:1: not an inventory: a quote in the header is never closed"), "\(error)")
        }
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
