import XCTest
@testable import ICPScan

/// The hosts a page's links go to (`--cloak-check` compares them), read from each href's bytes.
final class LinkHostsTests: XCTestCase {
    func testTheHostOfAnAbsoluteOrSchemeRelativeLink() {
        let cases: [(String, String?)] = [
            ("http://Example.CN/a", "example.cn"),
            ("  https://user:pw@A.b:8080/x", "a.b"),
            ("//cdn.x.com/y.js", "cdn.x.com"),
            ("HTTP://A.test?x=1", "a.test"),
            ("https://a.test#top", "a.test"),
            ("http://[::1]:8080/", "[::1]"),
            ("http://例子.中国/", "例子.中国"),
            ("/path/page.html", nil),
            ("#top", nil),
            ("javascript:;", nil),
            ("httpx://a.test/", nil),
            ("mailto:a@b.test", nil),
            ("http:///nohost", nil),
        ]
        for (href, host) in cases { XCTAssertEqual(PageScanner.host(ofAbsolute: href), host, href) }
    }

    func testAPageKeepsEachHostOnceUpToItsCap() {
        var html = "<p>"
        for i in 0..<(PageScanner.maxLinkHosts + 10) { html += "<a href=\"http://s\(i).example/\">s</a><a href=\"http://s\(i).example/b\">b</a>" }
        html += "<a href=\"/local\">l</a></p>"
        let page = PageReader.read(Array(html.utf8))
        XCTAssertEqual(page.linkHosts.count, PageScanner.maxLinkHosts)
        XCTAssertEqual(Array(page.linkHosts.prefix(2)), ["s0.example", "s1.example"])
    }
}
