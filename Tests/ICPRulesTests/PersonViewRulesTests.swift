import Foundation
import XCTest
@testable import ICPRules
import ICPModel
import ICPNumbers
import ICPScan
import ICPReport

/// The target's tests read details in English (`--lang en`); `DetailsTests` checks both languages.
extension Finding {
    var detail: String { detail(in: .en) }
}

/// The page rules judged on the page a person sees (SPEC "What a person sees", "Numbers", the
/// rule table): hidden numbers, numbers only scripts write, service numbers, long directories,
/// placeholder pages, and the mobile view. Expectations are written from SPEC and issue 10.
final class PersonViewRulesTests: XCTestCase {
    static let icp = "京ICP备12345678号-1"
    static let psb = "京公网安备11010502030143号"
    static let miit = "https://beian.miit.gov.cn/"
    static let psbLink = "http://www.beian.gov.cn/portal/registerSystemInfo?recordcode=11010502030143"
    static let content = "<p>" + String(repeating: "我们是一家专注于企业信息化服务的科技公司，为客户提供网站建设与运维。", count: 10) + "</p>"
    /// A footer that meets every rule for `filed()`.
    static let compliantFooter = "<div class=\"footer\"><a href=\"\(miit)\">\(icp)</a> <a href=\"\(psbLink)\">\(psb)</a></div>"

    static func filed(_ icp: String = icp) -> FiledSite {
        FiledSite(icp: RecordNumber.parse(icp)!, psbCode: "11010502030143", serviceName: "示例科技")
    }

    private func read(_ html: String) -> PageFacts { PageReader.read(Array(html.utf8)) }

    private func page(head: String = "", body: String) -> PageFacts {
        read("<html><head><title>示例科技</title>\(head)</head><body>\(Self.content)\(body)</body></html>")
    }

    private func evaluate(_ page: PageFacts, _ filed: FiledSite = filed()) -> [Finding] {
        PageRules.evaluate(page, against: filed, host: "example.cn")
    }

    func testTheCompliantPageItselfPasses() {
        XCTAssertEqual(evaluate(page(body: Self.compliantFooter)).map(\.code), [], "the control page of these tests")
    }

    // MARK: hidden numbers

    func testAHiddenFooterIsMissingNumbersAndSaysHowItIsHidden() throws {
        let hidden = Self.compliantFooter.replacingOccurrences(of: "<div class=\"footer\">", with: "<div class=\"footer\" style=\"display:none\">")
        let findings = evaluate(page(body: hidden))
        let icp = try XCTUnwrap(findings.first { $0.code == .icpMissing }, "\(findings.map(\.code))")
        XCTAssertEqual(icp.severity, .error)
        XCTAssertTrue(icp.detail.contains(Self.icp), icp.detail)
        XCTAssertTrue(icp.detail.contains("display:none"), icp.detail)
        XCTAssertTrue(icp.detail.contains("footer"), "does not say where it is: \(icp.detail)")
        let psb = try XCTUnwrap(findings.first { $0.code == .psbMissing }, "\(findings.map(\.code))")
        XCTAssertTrue(psb.detail.contains("11010502030143"), psb.detail)
        XCTAssertTrue(psb.detail.contains("display:none"), psb.detail)
        XCTAssertFalse(findings.contains { $0.code == .icpNotLinked || $0.code == .psbNotLinked || $0.code == .icpWrong },
                       "a hidden number is judged as not there: \(findings.map(\.code))")
    }

    func testAFooterHiddenByAStyleRuleNamesTheRule() throws {
        let findings = evaluate(page(head: "<style>.beian{visibility:hidden}</style>",
                                     body: "<div class=\"beian\"><a href=\"\(Self.miit)\">\(Self.icp)</a></div>"))
        let icp = try XCTUnwrap(findings.first { $0.code == .icpMissing }, "\(findings.map(\.code))")
        XCTAssertTrue(icp.detail.contains(Self.icp), icp.detail)
        XCTAssertTrue(icp.detail.contains("visibility:hidden"), icp.detail)
        XCTAssertTrue(icp.detail.contains("beian"), icp.detail)
    }

    // MARK: numbers that only scripts write

    func testANumberOnlyInAScriptIsPAGE_SCRIPT_RENDEREDOnly() throws {
        let script = "<div id=\"foot\"></div><script>document.getElementById('foot').innerHTML = '<a href=\"\(Self.miit)\">\(Self.icp)</a> \(Self.psb)';</script>"
        let findings = evaluate(page(body: script))
        XCTAssertEqual(findings.map(\.code), [.pageScriptRendered])
        let warning = try XCTUnwrap(findings.first)
        XCTAssertEqual(warning.severity, .warn)
        XCTAssertTrue(warning.detail.contains(Self.icp), warning.detail)
        XCTAssertFalse(findings.contains { $0.severity == .error }, "an error a browser would contradict")
    }

    func testAScriptShellIsPAGE_SCRIPT_RENDEREDOnly() {
        let shell = read("<html><head><title>示例科技</title><script src=\"/static/js/app.3f9a.js\"></script></head><body><div id=\"app\"></div></body></html>")
        let findings = evaluate(shell)
        XCTAssertEqual(findings.map(\.code), [.pageScriptRendered])
        XCTAssertEqual(findings.first?.severity, .warn)
    }

    func testARenderedPageWithoutNumbersIsICP_MISSING() {
        var rendered = page(body: "<div id=\"foot\"></div><script>document.title = '示例科技';</script>")
        rendered.rendered = true
        let codes = evaluate(rendered).map(\.code)
        XCTAssertTrue(codes.contains(.icpMissing), "\(codes)")
        XCTAssertTrue(codes.contains(.psbMissing), "\(codes)")
        XCTAssertFalse(codes.contains(.pageScriptRendered), "a rendered page was run: \(codes)")
    }

    // MARK: service numbers

    func testAnAppNumberAloneOnAWebsiteIsICP_WRONG() throws {
        let footer = "<div class=\"footer\"><a href=\"\(Self.miit)\">京ICP备12345678号-2A</a> <a href=\"\(Self.psbLink)\">\(Self.psb)</a></div>"
        let findings = evaluate(page(body: footer), Self.filed("京ICP备12345678号-2"))
        let wrong = try XCTUnwrap(findings.first { $0.code == .icpWrong }, "\(findings.map(\.code))")
        XCTAssertTrue(wrong.detail.contains("京ICP备12345678号-2A"), wrong.detail)
        XCTAssertTrue(wrong.detail.lowercased().contains("app"), "does not say it is an app's number: \(wrong.detail)")
        XCTAssertFalse(findings.contains { $0.code == .icpMissing })
    }

    func testAnAppNumberBesideTheWebsitesNumberPasses() {
        let footer = "<div class=\"footer\"><a href=\"\(Self.miit)\">京ICP备12345678号-2</a> 本公司App：京ICP备12345678号-2A "
            + "<a href=\"\(Self.psbLink)\">\(Self.psb)</a></div>"
        XCTAssertEqual(evaluate(page(body: footer), Self.filed("京ICP备12345678号-2")).map(\.code), [])
    }

    // MARK: a directory of hundreds of numbers

    private func directory(footer: String) -> PageFacts {
        var html = "<div class=\"links\"><h3>友情链接</h3><ul>"
        for i in 0..<300 { html += "<li><a href=\"http://site\(i).cn/\">合作站点\(i) 浙ICP备\(20_000_000 + i)号-1</a></li>" }
        return page(body: html + "</ul></div>" + footer)
    }

    func testADirectoryAboveACompliantFooterPasses() {
        let codes = evaluate(directory(footer: Self.compliantFooter)).map(\.code)
        XCTAssertFalse(codes.contains(.icpWrong), "\(codes)")
        XCTAssertFalse(codes.contains(.icpNotLinked), "\(codes)")
        XCTAssertFalse(codes.contains(.psbMissing), "\(codes)")
        XCTAssertEqual(codes, [])
    }

    func testICP_WRONGOverADirectoryStaysShort() throws {
        let wrongFooter = Self.compliantFooter.replacingOccurrences(of: Self.icp, with: "京ICP备87654321号-1")
        let findings = evaluate(directory(footer: wrongFooter))
        let wrong = try XCTUnwrap(findings.first { $0.code == .icpWrong }, "\(findings.map(\.code))")
        XCTAssertLessThan(wrong.detail.count, 300, wrong.detail)
        // At most three shown numbers named, and the filed one.
        XCTAssertLessThanOrEqual(wrong.detail.components(separatedBy: "ICP备").count - 1, 4, wrong.detail)
        XCTAssertTrue(wrong.detail.contains(Self.icp), "does not name the filed number: \(wrong.detail)")
        // 301 distinct numbers shown (300 partners and the footer's): three named, 298 more.
        XCTAssertTrue(wrong.detail.contains("and 298 more"), wrong.detail)
    }

    /// The number the customer must correct is the one in their footer; SPEC: the footer's
    /// numbers are never lost, whatever a page lists above them.
    func testICP_WRONGOverADirectoryNamesTheFootersNumber() throws {
        let wrongFooter = Self.compliantFooter.replacingOccurrences(of: Self.icp, with: "京ICP备87654321号-1")
        let findings = evaluate(directory(footer: wrongFooter))
        let wrong = try XCTUnwrap(findings.first { $0.code == .icpWrong }, "\(findings.map(\.code))")
        XCTAssertTrue(wrong.detail.contains("京ICP备87654321号-1"), wrong.detail)
    }

    // MARK: placeholder pages

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let placeholders = repository.appendingPathComponent("Tests/Fixtures/placeholders")

    private func htmlFiles(_ dir: URL) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "html" }.sorted { $0.path < $1.path }
    }

    func testAnEmptyPageIsPAGE_PLACEHOLDER() {
        for html in ["", "<html><head><title></title></head><body></body></html>", "<html><body>\n  </body></html>"] {
            let findings = evaluate(read(html))
            XCTAssertEqual(findings.map(\.code), [.pagePlaceholder], "'\(html)'")
            XCTAssertEqual(findings.first?.severity, .error)
        }
    }

    func testAPageOfPicturesIsNotEmpty() {
        let codes = evaluate(read("<html><head><title>示例科技</title></head><body><img src=\"/banner.jpg\"><img src=\"/footer.png\"></body></html>")).map(\.code)
        XCTAssertFalse(codes.contains(.pagePlaceholder), "\(codes)")
        XCTAssertTrue(codes.contains(.icpMissing), "\(codes)")
    }

    func testEveryRealDefaultPageIsPAGE_PLACEHOLDERAndNothingElse() throws {
        let files = try htmlFiles(Self.placeholders)
        XCTAssertGreaterThanOrEqual(files.count, 10, "fixtures at \(Self.placeholders.path)")
        for file in files {
            let facts = try XCTUnwrap(PageReader.read(file: file.path), file.lastPathComponent)
            // The filed service name and numbers are nowhere on these pages: had the page been
            // judged, TITLE_MISMATCH, ICP_MISSING and PSB_MISSING would all be raised.
            XCTAssertEqual(evaluate(facts).map(\.code), [.pagePlaceholder], file.lastPathComponent)
        }
    }

    func testPagesThatMerelyMentionDefaultPagesAreNotPlaceholders() throws {
        let files = try htmlFiles(Self.placeholders.appendingPathComponent("negative"))
        XCTAssertGreaterThanOrEqual(files.count, 3)
        for file in files {
            let facts = try XCTUnwrap(PageReader.read(file: file.path), file.lastPathComponent)
            XCTAssertNil(Placeholders.match(facts), file.lastPathComponent)
            XCTAssertFalse(evaluate(facts).contains { $0.code == .pagePlaceholder }, file.lastPathComponent)
        }
    }

    func testNoCorpusPageIsAPlaceholder() throws {
        let files = try htmlFiles(CorpusTests.corpusDir)
        XCTAssertGreaterThanOrEqual(files.count, 50, "corpus at \(CorpusTests.corpusDir.path)")
        for file in files {
            let facts = try XCTUnwrap(PageReader.read(file: file.path), file.lastPathComponent)
            XCTAssertFalse(evaluate(facts).contains { $0.code == .pagePlaceholder }, file.lastPathComponent)
        }
    }

    // MARK: the judge: placeholders per host, and the mobile view

    static let ip = IPAddress("47.95.10.1")!
    static let row = Site(line: 2, domain: "example.cn", icp: icp, serviceName: "示例科技", psb: psb,
                          hosts: ["example.cn", "www.example.cn"])

    /// A host that answered `url` (after `redirects`) with `page`.
    private func host(_ name: String, view: View = .desktop, redirects: [String] = [], page: PageFacts?) -> HostObservation {
        var hops: [Hop] = []
        var url = "http://\(name)/"
        for target in redirects {
            hops.append(Hop(url: url, addresses: [Self.ip], status: 302, location: target))
            url = target
        }
        hops.append(Hop(url: url, addresses: [Self.ip], status: 200, bytes: 4000))
        return HostObservation(host: name, view: view, dns: DNSAnswer(addresses: [Self.ip]), hops: hops, page: page)
    }

    private func judge(_ hosts: [HostObservation]) -> SiteRecord {
        let seen = SiteObservation(domain: "example.cn", line: 2, checkedAt: "2026-12-01T00:00:00Z", hosts: hosts)
        return Judge(ranges: nil, siteForHost: { _ in nil }).judge(seen, row: Self.row)
    }

    func testAPlaceholderStandsForItsHostsOtherPageFindings() throws {
        let nginx = try XCTUnwrap(PageReader.read(file: Self.placeholders.appendingPathComponent("nginx-debian.html").path))
        let record = judge([host("example.cn", page: nginx), host("www.example.cn", page: page(body: "<p>无备案号</p>"))])
        XCTAssertEqual(record.findings.filter { $0.host == "example.cn" }.map(\.code), [.pagePlaceholder])
        let www = Set(record.findings.filter { $0.host == "www.example.cn" }.map(\.code))
        XCTAssertEqual(www, [.icpMissing, .psbMissing], "the other host is judged on its own page")
        XCTAssertEqual(record.verdict, .fail)
    }

    func testMobileFindingsCarryTheMobileView() throws {
        let compliant = page(body: Self.compliantFooter)
        let bare = page(body: "<p>手机版</p>")
        let record = judge([host("example.cn", page: compliant), host("www.example.cn", page: compliant),
                            host("www.example.cn", view: .mobile, redirects: ["http://m.example.cn/"], page: bare)])
        XCTAssertFalse(record.findings.isEmpty)
        for f in record.findings {
            XCTAssertEqual(f.view, .mobile, "\(f.code) on \(f.host): only the mobile page lacks the numbers")
            XCTAssertEqual(f.host, "www.example.cn")
        }
        XCTAssertEqual(Set(record.findings.map(\.code)), [.icpMissing, .psbMissing],
                       "m.example.cn is the same site (not REDIRECT_OFFSITE): \(record.findings.map(\.code))")
        XCTAssertEqual(record.verdict, .fail)
        XCTAssertEqual(record.hosts.map(\.view), [.desktop, .desktop, .mobile], "the host record keeps both views")
    }

    /// SPEC: a B under A's registrable domain (`m.`, `wap.`) is judged against A's row, also
    /// when the row is filed for its `www.` host.
    func testAMobileRedirectUnderTheRegistrableDomainOfAWWWRowIsTheSameSite() {
        let row = Site(line: 2, domain: "www.example.cn", icp: Self.icp, serviceName: "示例科技", psb: Self.psb, hosts: ["www.example.cn"])
        let compliant = page(body: Self.compliantFooter)
        let seen = SiteObservation(domain: "www.example.cn", line: 2, checkedAt: "2026-12-01T00:00:00Z", hosts: [
            host("www.example.cn", page: compliant),
            host("www.example.cn", view: .mobile, redirects: ["http://m.example.cn/"], page: compliant),
        ])
        let record = Judge(ranges: nil, siteForHost: { _ in nil }).judge(seen, row: row)
        XCTAssertEqual(record.findings.map(\.code), [], "\(record.findings.map(\.detail))")
    }

    func testDesktopHostsThatOpenMakeASiteReachableWhateverTheMobileViewDoes() {
        let compliant = page(body: Self.compliantFooter)
        let mobileFailed = HostObservation(host: "www.example.cn", view: .mobile, dns: DNSAnswer(addresses: [Self.ip]),
                                           hops: [Hop(url: "http://www.example.cn/", addresses: [Self.ip], failure: AccessFailure(.connect, "Connection refused"))])
        let record = judge([host("example.cn", page: compliant), host("www.example.cn", page: compliant), mobileFailed])
        XCTAssertNotEqual(record.verdict, .unreachable)
        let failed = record.findings.filter { $0.code == .connectFailed }
        XCTAssertEqual(failed.map(\.view), [.mobile], "\(record.findings.map(\.code))")
        XCTAssertEqual(failed.map(\.host), ["www.example.cn"])
    }
}
