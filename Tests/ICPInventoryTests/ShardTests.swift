import XCTest
import ICPModel
@testable import ICPInventory

/// `--shard`: the hash docs/operations.md documents (values computed by hand with its Python one-liner),
/// the K/N and auto/N forms and their errors, and a shard's part of `--per-ip`.
final class ShardTests: XCTestCase {
    func testTheDocumentedHashOfTheNormalisedDomain() throws {
        XCTAssertEqual(FNV1a64.hash("example.cn"), 0x7bb5_5d3e_9c22_379c)
        XCTAssertEqual(FNV1a64.hash("example.cn") % 4, 0)
        XCTAssertEqual(FNV1a64.hash("xn--fsqu00a.xn--fiqs8s"), 0xba29_f918_2283_fde3)
        XCTAssertEqual(Shard.of(domain: "redirect-a.test", count: 4), 3)
        XCTAssertEqual(Shard.of(domain: "redirect-b.test", count: 4), 0)

        // A row's domain is hashed as the inventory reader normalises it: an IDN in punycode,
        // upper case and a trailing dot folded away.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("shard-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("inv.csv").path
        try "domain,icp\n例子.中国,京ICP备12345678号-1\nExample.CN.,京ICP备12345678号-1\n".write(toFile: path, atomically: true, encoding: .utf8)
        let domains = try Array(InventoryReader(path: path)).map { try $0.get().domain }
        XCTAssertEqual(domains, ["xn--fsqu00a.xn--fiqs8s", "example.cn"])
        XCTAssertTrue(Shard(index: 3, count: 4).contains(domain: domains[0]))
        XCTAssertTrue(Shard(index: 0, count: 4).contains(domain: domains[1]))
    }

    func testKOfNAndAutoFromTheIndexedJobsVariable() throws {
        XCTAssertEqual(try Shard.parse("2/4", environment: [:]), Shard(index: 2, count: 4))
        XCTAssertEqual(try Shard.parse("auto/4", environment: ["JOB_COMPLETION_INDEX": "3"]), Shard(index: 3, count: 4))
        XCTAssertEqual(try Shard.parse("0/1", environment: [:]), Shard(index: 0, count: 1))
        func message(_ text: String, _ env: [String: String] = [:]) -> String {
            do { _ = try Shard.parse(text, environment: env); return "parsed" } catch { return error.description }
        }
        XCTAssertEqual(message("auto/4"), "--shard auto/4: JOB_COMPLETION_INDEX is not set (a Kubernetes Indexed Job sets it; elsewhere give --shard K/4)")
        XCTAssertEqual(message("auto/4", ["JOB_COMPLETION_INDEX": "4"]), "JOB_COMPLETION_INDEX=4: the shard must be a whole number from 0 to 3 for 4 shards")
        XCTAssertEqual(message("auto/4", ["JOB_COMPLETION_INDEX": ""]), "JOB_COMPLETION_INDEX=: the shard must be a whole number from 0 to 3 for 4 shards")
        XCTAssertEqual(message("4/4"), "--shard 4/4: the shard must be a whole number from 0 to 3 for 4 shards")
        XCTAssertEqual(message("-1/4"), "--shard -1/4: the shard must be a whole number from 0 to 3 for 4 shards")
        for bad in ["4", "1/0", "a/b", "1/4/2", "1/"] {
            XCTAssertTrue(message(bad).hasPrefix("--shard '\(bad)': expected K/N or auto/N"), message(bad))
        }
    }

    func testShardsDivideThePerIPCapWithAFloorOfOne() {
        XCTAssertEqual(Shard(index: 0, count: 4).perIP(of: 8), 2)
        XCTAssertEqual(Shard(index: 0, count: 4).perIP(of: 10), 2, "rounded down: 4 shards x 2 stay within 10")
        XCTAssertEqual(Shard(index: 0, count: 4).perIP(of: 2), 1)
        XCTAssertEqual(Shard(index: 0, count: 1).perIP(of: 8), 8)
    }
}
