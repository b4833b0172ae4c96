import XCTest
import ICPModel
@testable import ICPReport

/// SPEC "CDN" in the records: the CNAME chain in observations.jsonl (an old run has none) and
/// the CDN a host record names.
final class CDNRecordTests: XCTestCase {
    func testTheChainIsKeptAndAnObservationWithoutOneReadsAsNoChain() throws {
        let ip = try XCTUnwrap(IPAddress("127.0.1.1"))
        let chain = ["www.example.cn", "www.example.cn.cdn.dnsv1.com", "edge.example.net"]
        let seen = SiteObservation(domain: "example.cn", line: 2, checkedAt: "2026-12-01T00:00:00Z", hosts: [
            HostObservation(host: "www.example.cn", dns: DNSAnswer(addresses: [ip], cnames: chain)),
            HostObservation(host: "example.cn", dns: DNSAnswer(addresses: [ip])),
        ])
        var codec = RecordCodec()
        let bytes = codec.encode(seen)
        XCTAssertFalse(String(decoding: bytes, as: UTF8.self).contains("\"cnames\":[]"), "no chain, no key: as runs before it")
        let back = try RecordCodec.decodeObservation(Data(bytes))
        XCTAssertEqual(back.hosts.map(\.dns.cnames), [chain, []])
    }

    func testTheHostRecordNamesTheCDN() throws {
        var behind = HostRecord(host: "example.cn")
        behind.cdn = "tencent-cdn"
        let record = SiteRecord(domain: "example.cn", line: 2, verdict: .review, checkedAt: "2026-12-01T00:00:00Z",
                                findings: [Finding(.ipViaCDN, host: "example.cn", .ipViaCDN)], hosts: [behind, HostRecord(host: "www.example.cn")])
        var codec = RecordCodec()
        let bytes = codec.encode(record)
        let hosts = try XCTUnwrap((JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])?["hosts"] as? [[String: Any]])
        XCTAssertEqual(hosts.map { $0["cdn"] as? String }, ["tencent-cdn", nil])
        let back = try RecordCodec.decodeRecord(Data(bytes))
        XCTAssertEqual(back.hosts.map(\.cdn), ["tencent-cdn", nil])
        XCTAssertEqual(back.findings.first?.severity, .warn)
        XCTAssertEqual(Notices.problem(.ipViaCDN), "经非本接入商的CDN解析，无法核实网站服务器是否在本公司接入")
    }
}
