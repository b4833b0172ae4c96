import XCTest
import ICPModel
@testable import ICPRules

/// SPEC "CDN": the catalogue file, which CDN a chain goes through, and the IP rules behind a CDN.
/// Expectations written from SPEC, against a small catalogue written here.
final class CDNCatalogueTests: XCTestCase {
    static let tsv = """
        # a test catalogue
        own-cdn\tlabel\t自有 CDN
        own-cdn\tsuffix\tcdn.dnsv1.com
        other\tlabel\tOther CDN
        other\tsuffix\tedgekey.net
        other\trange\t198.51.100.0/24
        broad\tsuffix\tdnsv1.com
        special\tsuffix\tdsa.dnsv1.com

        """

    static func catalogue() throws -> CDNCatalogue { try CDNCatalogue.parse(tsv, file: "test.tsv") }
    func catalogue() throws -> CDNCatalogue { try Self.catalogue() }

    func testParsesNamesLabelsSuffixesAndRanges() throws {
        let c = try catalogue()
        XCTAssertEqual(c.names, ["own-cdn", "other", "broad", "special"])
        XCTAssertEqual(c.cdn(named: "own-cdn")?.label, "自有 CDN")
        XCTAssertEqual(c.cdn(named: "broad")?.label, "broad", "without a label line, the name")
        XCTAssertEqual(c.cdn(named: "other")?.ranges.map(\.description), ["198.51.100.0/24"])
        XCTAssertEqual(try CDNCatalogue.parse("a\tsuffix\tExample.COM\r\n", file: "f").cdn(named: "a")?.suffixes, ["example.com"],
                       "CRLF lines and upper case are read")
        XCTAssertEqual(try CDNCatalogue.parse(c.text, file: "again"), c, "the comment-free text run.json keeps reads back the same")
    }

    func testABadLineNamesFileLineAndField() {
        let cases: [(String, Int, String)] = [
            ("# c\na\tsufix\tx.com\n", 2, "kind"),
            ("a\tsuffix\n", 1, "value"),
            ("a suffix x.com\n", 1, "kind"),
            ("a\tsuffix\tx.com\textra\n", 1, "value"),
            ("A_b\tsuffix\tx.com\n", 1, "name"),
            ("a\tsuffix\t.x.com\n", 1, "suffix"),
            ("a\tsuffix\t*.x.com\n", 1, "suffix"),
            ("a\tsuffix\tcom\n", 1, "suffix"),
            ("a\tsuffix\tx..com\n", 1, "suffix"),
            ("a\tsuffix\t例子.com\n", 1, "suffix"),
            ("a\trange\t10.0.0.0/33\n", 1, "range"),
            ("a\tlabel\tA\na\tlabel\tB\n", 2, "label"),
            ("a\tsuffix\tx.com\n\nb\tsuffix\tX.com\n", 3, "suffix"),
        ]
        for (text, line, field) in cases {
            XCTAssertThrowsError(try CDNCatalogue.parse(text, file: "cat.tsv"), text) { error in
                guard let bad = error as? BadRow else { return XCTFail("\(error)") }
                XCTAssertEqual(bad.file, "cat.tsv")
                XCTAssertEqual(bad.line, line, text)
                XCTAssertEqual(bad.field, field, "\(text): \(bad)")
            }
        }
    }

    func testASuffixMatchesAnyNameOfTheChainAtALabelBoundary() throws {
        let c = try catalogue()
        XCTAssertEqual(c.match(chain: ["a.example.cn.cdn.dnsv1.com"], addresses: [])?.cdn.name, "own-cdn")
        XCTAssertEqual(c.match(chain: ["cdn.dnsv1.com"], addresses: [])?.cdn.name, "own-cdn", "the suffix itself")
        XCTAssertEqual(c.match(chain: ["A.Example.CN.CDN.DNSV1.COM."], addresses: [])?.via, "a.example.cn.cdn.dnsv1.com",
                       "case and the root dot do not matter")
        XCTAssertNil(c.match(chain: ["x.notedgekey.net", "edgekey.net.example.cn"], addresses: []),
                     "not inside a label, not in the middle of a name")
        // In the middle of the chain, with a name of no CDN after it.
        let middle = try XCTUnwrap(c.match(chain: ["a.example.cn.edgekey.net", "e1.node.example.org"], addresses: []))
        XCTAssertEqual(middle.cdn.name, "other")
        XCTAssertEqual(middle.via, "a.example.cn.edgekey.net")
        XCTAssertEqual(middle.entry, "edgekey.net")
        XCTAssertFalse(middle.byAddress)
    }

    func testTheLongerSuffixDecidesNotTheRegistrableDomain() throws {
        let c = try catalogue()
        XCTAssertEqual(c.match(chain: ["a.dsa.dnsv1.com"], addresses: [])?.cdn.name, "special")
        XCTAssertEqual(c.match(chain: ["a.cdn.dnsv1.com"], addresses: [])?.cdn.name, "own-cdn")
        XCTAssertEqual(c.match(chain: ["a.other.dnsv1.com"], addresses: [])?.cdn.name, "broad")
        let multi = try CDNCatalogue.parse("x\tsuffix\tcdn.example.com\n", file: "f")
        XCTAssertNil(multi.match(chain: ["www.example.com", "img.example.com"], addresses: []),
                     "a multi-label suffix is not its registrable domain")
    }

    func testTheNameNearestTheAddressesDecides() throws {
        let c = try catalogue()
        // The addresses are the last CDN's edge.
        XCTAssertEqual(c.match(chain: ["a.cdn.dnsv1.com", "a.edgekey.net"], addresses: [])?.cdn.name, "other")
        XCTAssertEqual(c.match(chain: ["a.edgekey.net", "a.cdn.dnsv1.com"], addresses: [])?.cdn.name, "own-cdn")
    }

    func testAnAddressInAPublishedRangeWhenNoCNAMEMatches() throws {
        let c = try catalogue()
        let m = try XCTUnwrap(c.match(chain: [], addresses: [IPAddress("203.0.113.1")!, IPAddress("198.51.100.7")!]))
        XCTAssertEqual(m.cdn.name, "other")
        XCTAssertEqual(m.via, "198.51.100.7")
        XCTAssertEqual(m.entry, "198.51.100.0/24")
        XCTAssertTrue(m.byAddress)
        XCTAssertNil(c.match(chain: ["www.example.cn"], addresses: [IPAddress("203.0.113.1")!]))
    }

    func testOwnCDNsMustBeInTheCatalogue() throws {
        XCTAssertThrowsError(try CDNPolicy(catalogue: catalogue(), own: ["own-cdn", "nope"])) { error in
            XCTAssertEqual(error as? UnknownCDN, UnknownCDN(name: "nope", known: ["own-cdn", "other", "broad", "special"]))
        }
        XCTAssertEqual(try CDNPolicy(catalogue: catalogue(), own: ["other", "other"]).own, ["other"])
    }

    /// The issue's list of CDNs, each by a name its customers' CNAMEs take.
    func testTheBuiltInCatalogueCoversTheCDNsOfTheIssue() {
        let c = CDNCatalogue.builtIn
        let expected: [(String, String)] = [
            ("www.example.cn.cdn.dnsv1.com", "tencent-cdn"), ("www.example.cn.dsa.dnsv1.com", "tencent-ecdn"),
            ("www.example.cn.eo.dnse2.com", "tencent-edgeone"), ("www.example.cn.w.alikunlun.com", "alibaba-cdn"),
            ("www.example.cn.w.kunlungr.com", "alibaba-dcdn"), ("www.example.cn.c.cdnhwc1.com", "huawei-cdn"),
            ("www.example.cn.a.bdydns.com", "baidu"), ("www.example.cn.wscdns.com", "wangsu"),
            ("www.example.cn.ccgslb.com.cn", "chinacache"), ("www.example.cn.ctadns.cn", "ctyun"),
            ("www.example.cn.jcloud-cdn.com", "jdcloud-cdn"), ("www.example.cn.cdn.cloudflare.net", "cloudflare"),
            ("www.example.cn.edgekey.net", "akamai"), ("a.global.ssl.fastly.net", "fastly"),
        ]
        for (name, cdn) in expected {
            XCTAssertEqual(c.match(chain: [name], addresses: [])?.cdn.name, cdn, name)
        }
        XCTAssertNil(c.match(chain: ["my-elb.cn-north-1.elb.amazonaws.com"], addresses: []),
                     "a cloud's load balancer is hosting, not a CDN edge")
        XCTAssertEqual(c.match(chain: [], addresses: [IPAddress("104.16.1.1")!])?.cdn.name, "cloudflare")
    }
}

final class CDNRulesTests: XCTestCase {
    static let edge = IPAddress("203.0.113.9")!
    static let ranges = CIDRSet(blocks: [CIDR("47.95.0.0/16")!])
    static let row = Site(line: 2, domain: "example.cn", icp: "京ICP备12345678号-1", ips: [IPAddress("47.95.10.1")!],
                          hosts: ["example.cn", "www.example.cn"])

    func policy(own: [String]) throws -> CDNPolicy {
        try CDNPolicy(catalogue: CDNCatalogueTests.catalogue(), own: own)
    }

    /// A host whose chain (the host first, as the resolver gives it) ends at the CDN's edge and
    /// that could not be opened: only the address rules speak.
    func seen(_ host: String, chain: [String]) -> HostObservation {
        HostObservation(host: host, dns: DNSAnswer(addresses: [Self.edge], cnames: chain.isEmpty ? [] : [host] + chain),
                        hops: [Hop(url: "http://\(host)/", addresses: [Self.edge], failure: AccessFailure(.connect, "refused"))])
    }

    func judge(_ hosts: [HostObservation], own: [String], ranges: CIDRSet? = CDNRulesTests.ranges, row: Site = CDNRulesTests.row) throws -> SiteRecord {
        let seen = SiteObservation(domain: "example.cn", line: 2, checkedAt: "2026-12-01T00:00:00Z", hosts: hosts)
        return Judge(ranges: ranges, cdn: try policy(own: own), siteForHost: { _ in nil }).judge(seen, row: row)
    }

    func codes(_ r: SiteRecord, _ host: String) -> [FindingCode] { r.findings.filter { $0.host == host }.map(\.code) }

    func testThroughAnOwnCDNTheIPRulesAreNotRaisedAndTheHostRecordNamesIt() throws {
        let r = try judge([seen("example.cn", chain: ["example.cn.cdn.dnsv1.com"]),
                           seen("www.example.cn", chain: ["www.example.cn.cdn.dnsv1.com"])], own: ["own-cdn"])
        XCTAssertEqual(codes(r, "example.cn"), [.connectFailed])
        XCTAssertEqual(codes(r, "www.example.cn"), [.connectFailed])
        XCTAssertEqual(r.hosts.map(\.cdn), ["own-cdn", "own-cdn"])
    }

    func testThroughAnotherCDNIPViaCDNNamesItAndTheCNAMEInPlaceOfBothIPRules() throws {
        let r = try judge([seen("example.cn", chain: ["example.cn.edgekey.net", "e1.node.example.org"])], own: ["own-cdn"])
        XCTAssertEqual(codes(r, "example.cn"), [.ipViaCDN, .connectFailed])
        let f = try XCTUnwrap(r.findings.first { $0.code == .ipViaCDN })
        XCTAssertEqual(f.severity, .warn)
        XCTAssertTrue(f.detail.contains("Other CDN") && f.detail.contains("[other]"), f.detail)
        XCTAssertTrue(f.detail.contains("example.cn.edgekey.net") && f.detail.contains("edgekey.net"), f.detail)
        XCTAssertEqual(r.hosts.map(\.cdn), ["other"])
    }

    func testAnAddressInACDNsRangeIsThroughItToo() throws {
        let inRange = HostObservation(host: "example.cn", dns: DNSAnswer(addresses: [IPAddress("198.51.100.7")!]))
        let r = try judge([inRange], own: [])
        XCTAssertEqual(codes(r, "example.cn"), [.ipViaCDN])
        XCTAssertTrue(r.findings[0].detail.contains("198.51.100.0/24"), r.findings[0].detail)
        XCTAssertEqual(try judge([inRange], own: ["other"]).findings, [], "an own CDN's edge by its range")
    }

    func testWithoutACDNTheIPRulesStand() throws {
        let r = try judge([seen("example.cn", chain: ["example.cn.notedgekey.net"]), seen("www.example.cn", chain: [])], own: ["own-cdn"])
        XCTAssertEqual(codes(r, "example.cn"), [.ipNotProvider, .ipNotFiled, .connectFailed])
        XCTAssertEqual(codes(r, "www.example.cn"), [.ipNotProvider, .ipNotFiled, .connectFailed])
        XCTAssertEqual(r.hosts.map(\.cdn), [nil, nil])
    }

    func testTheHostItselfIsNotACNAMEOfItsChain() throws {
        // A filed name under a CDN's suffix, resolving without a CNAME: no CDN in its chain.
        let host = HostObservation(host: "shop.edgekey.net", dns: DNSAnswer(addresses: [Self.edge]))
        let r = try judge([host], own: [])
        XCTAssertEqual(codes(r, "shop.edgekey.net"), [.ipNotProvider, .ipNotFiled])
    }

    func testIPViaCDNOnlyReplacesRulesInForce() throws {
        let unfiled = Site(line: 2, domain: "example.cn", icp: "京ICP备12345678号-1", hosts: ["example.cn"])
        let r = try judge([seen("example.cn", chain: ["example.cn.edgekey.net"])], own: [], ranges: nil, row: unfiled)
        XCTAssertEqual(codes(r, "example.cn"), [.connectFailed], "no ranges and no filed IPs: no IP rule to replace")
        XCTAssertEqual(r.hosts.map(\.cdn), ["other"])
    }

    func testWithoutACatalogueTheIPRulesAreAsBefore() {
        let seen = SiteObservation(domain: "example.cn", line: 2, checkedAt: "2026-12-01T00:00:00Z",
                                   hosts: [seen("example.cn", chain: ["example.cn.cdn.dnsv1.com"])])
        let r = Judge(ranges: Self.ranges, siteForHost: { _ in nil }).judge(seen, row: Self.row)
        XCTAssertEqual(codes(r, "example.cn"), [.ipNotProvider, .ipNotFiled, .connectFailed], "a run from before the catalogue")
    }
}
