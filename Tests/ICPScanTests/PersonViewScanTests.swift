import XCTest
@testable import ICPScan
import ICPModel

/// What the scanner knows about the page a person sees (SPEC "What a person sees", "Numbers"):
/// text its markup hides, the redirects and frames a browser follows, how a page announces a
/// mobile variant, service numbers, and pages that list hundreds of numbers. Every expectation
/// is written from SPEC and issue 10, not from the scanner's output.
final class PersonViewScanTests: XCTestCase {
    static let icp = "京ICP备12345678号-1"
    static let psb = "京公网安备11010502030143号"
    /// Well over `PageFacts.shellCharacters` (200) characters of ordinary text.
    static let content = "<p>" + String(repeating: "我们是一家专注于企业信息化服务的科技公司，为客户提供网站建设与运维。", count: 10) + "</p>"

    private func read(_ html: String) -> PageFacts { PageReader.read(Array(html.utf8)) }

    /// A content page whose footer is `footer` (markup around the filed ICP number).
    private func page(head: String = "", footer: String) -> PageFacts {
        read("<html><head><title>示例科技</title>\(head)</head><body>\(Self.content)\(footer)</body></html>")
    }

    // MARK: visibility: each way markup hides a number

    /// The filed number is not among the shown numbers, and is among the hidden ones with a
    /// `hiddenBy` that names every one of `how`.
    private func assertHidden(_ facts: PageFacts, by how: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(facts.numbers.contains { $0.digits == "12345678" }, "a hidden number counted as shown: \(facts.numbers.map(\.text))",
                       file: file, line: line)
        guard let hidden = facts.hiddenNumbers.first(where: { $0.digits == "12345678" }) else {
            return XCTFail("the hidden number was not recorded as hidden: \(facts.hiddenNumbers)", file: file, line: line)
        }
        XCTAssertEqual(hidden.canonical, Self.icp, file: file, line: line)
        let by = hidden.hiddenBy ?? ""
        for word in how {
            XCTAssertTrue(by.lowercased().contains(word.lowercased()), "hiddenBy '\(by)' does not say '\(word)'", file: file, line: line)
        }
    }

    /// The filed number is shown, and nothing is called hidden.
    private func assertShown(_ facts: PageFacts, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(facts.numbers.filter { $0.digits == "12345678" }.map(\.canonical), [Self.icp], file: file, line: line)
        XCTAssertEqual(facts.hiddenNumbers.map(\.text), [], "called hidden though a browser shows it", file: file, line: line)
    }

    func testInlineDisplayNoneHides() {
        assertHidden(page(footer: "<div class=\"footer\" style=\"display:none\">\(Self.icp)</div>"), by: ["display:none"])
        // Written with spaces and capitals, as pages do.
        assertHidden(page(footer: "<div class=\"footer\" style=\"color:#999; DISPLAY : None ;\">\(Self.icp)</div>"), by: ["display:none"])
    }

    func testInlineVisibilityHiddenHides() {
        assertHidden(page(footer: "<p style=\"visibility: hidden\">\(Self.icp)</p>"), by: ["visibility:hidden"])
    }

    func testZeroFontSizeHides() {
        assertHidden(page(footer: "<span style=\"font-size:0\">\(Self.icp)</span>"), by: ["font-size"])
        assertHidden(page(footer: "<span style=\"font-size: 0px\">\(Self.icp)</span>"), by: ["font-size"])
    }

    func testZeroOpacityHides() {
        assertHidden(page(footer: "<div style=\"opacity:0\">\(Self.icp)</div>"), by: ["opacity"])
    }

    func testOffScreenPositionHides() {
        assertHidden(page(footer: "<div style=\"position:absolute;left:-9999px\">\(Self.icp)</div>"), by: ["left"])
        assertHidden(page(footer: "<div style=\"position:absolute; top:-9999px\">\(Self.icp)</div>"), by: ["top"])
        assertHidden(page(footer: "<div style=\"text-indent:-9999px\">\(Self.icp)</div>"), by: ["text-indent"])
    }

    func testHiddenAttributeHides() {
        assertHidden(page(footer: "<div hidden>\(Self.icp)</div>"), by: ["hidden"])
    }

    func testAClassHiddenByThePagesStyleRuleHides() {
        let facts = page(head: "<style>body{margin:0} .beian { display: none; }</style>",
                         footer: "<div class=\"foot beian\">\(Self.icp)</div>")
        assertHidden(facts, by: ["display:none", "beian"])
    }

    func testAnIdHiddenByThePagesStyleRuleHides() {
        let facts = page(head: "<style>#icp{visibility:hidden}</style>", footer: "<p id=\"icp\">\(Self.icp)</p>")
        assertHidden(facts, by: ["visibility:hidden", "icp"])
    }

    func testATagAndClassRuleHidesThatTagOnly() {
        assertHidden(page(head: "<style>div.x{display:none}</style>", footer: "<div class=\"x\">\(Self.icp)</div>"), by: ["display:none"])
        // `div.x` says nothing about a <p class="x">.
        assertShown(page(head: "<style>div.x{display:none}</style>", footer: "<p class=\"x\">\(Self.icp)</p>"))
    }

    func testARuleUnderMediaIsNotCertainAndDoesNotHide() {
        let facts = page(head: "<style>@media (max-width: 600px) { .beian { display:none } } .other{color:red}</style>",
                         footer: "<div class=\"beian\">\(Self.icp)</div>")
        assertShown(facts)
    }

    func testADescendantSelectorDoesNotHide() {
        let facts = page(head: "<style>.a .b{display:none}</style>",
                         footer: "<div class=\"a\"><span class=\"b\">\(Self.icp)</span></div>")
        assertShown(facts)
    }

    func testHalfOpacityDoesNotHide() {
        assertShown(page(footer: "<div style=\"opacity:0.5\">\(Self.icp)</div>"))
    }

    func testASmallFontSizeDoesNotHide() {
        assertShown(page(footer: "<div style=\"font-size:0.8em\">\(Self.icp)</div>"))
    }

    func testZeroLineHeightDoesNotHide() {
        assertShown(page(footer: "<div style=\"line-height:0\">\(Self.icp)</div>"))
    }

    func testDisplayNoneOnASiblingDoesNotHide() {
        assertShown(page(footer: "<div class=\"footer\"><div style=\"display:none\">广告</div><div>\(Self.icp)</div></div>"))
    }

    func testARuleAfterAnAtRuleBlockStillHides() {
        let facts = page(head: "<style>@media print { .nav { color: #000 } } @font-face { font-family: x; src: url(x.woff) } .beian{display:none}</style>",
                         footer: "<div class=\"beian\">\(Self.icp)</div>")
        assertHidden(facts, by: ["display:none", "beian"])
    }

    func testEveryRuleInsideAMediaBlockIsLeftAlone() {
        let facts = page(head: "<style>@media (max-width: 600px) { .nav{display:none} .beian{display:none} }</style>",
                         footer: "<div class=\"beian\">\(Self.icp)</div>")
        assertShown(facts)
    }

    func testAriaHiddenAndAClassNoRuleOfThePageHidesDoNotHide() {
        assertShown(page(footer: "<div aria-hidden=\"true\">\(Self.icp)</div>"))
        // Bootstrap's `.hidden` lives in a stylesheet the scanner does not read: not certain.
        assertShown(page(footer: "<div class=\"hidden-xs hidden\">\(Self.icp)</div>"))
    }

    /// `left` and `top` move only a positioned element; a static one stays where it is.
    func testLeftOrTopWithoutPositionDoNotMoveTheText() {
        assertShown(page(footer: "<div style=\"left:-9999px\">\(Self.icp)</div>"))
        assertShown(page(footer: "<div style=\"top:-9999px\">\(Self.icp)</div>"))
    }

    /// `font-size:0` on a row of inline blocks (to drop the gaps between them) with the text's
    /// own size set on the children is a common footer layout: the text is shown. So is a
    /// `visibility:visible` child of a `visibility:hidden` parent.
    func testHidingAChildUndoesIsNotHiding() {
        assertShown(page(footer: "<div class=\"footer\" style=\"font-size:0\"><span style=\"font-size:12px\">\(Self.icp)</span></div>"))
        assertShown(page(footer: "<div style=\"visibility:hidden\"><p style=\"visibility:visible\">\(Self.icp)</p></div>"))
    }

    func testFontSizeZeroFromAStyleRuleIsNotCertainWhenOtherRulesSizeTheChildren() {
        let facts = page(head: "<style>.foot{font-size:0} .foot span{display:inline-block;font-size:12px}</style>",
                         footer: "<div class=\"foot\"><span>\(Self.icp)</span></div>")
        assertShown(facts)
    }

    func testNoscriptTextIsNotShown() {
        let facts = page(footer: "<noscript>\(Self.icp)</noscript>")
        assertHidden(facts, by: ["noscript"])
    }

    // MARK: meta refresh

    private func refresh(_ content: String, attribute: String = "http-equiv=\"refresh\"") -> PageRedirect? {
        read("<html><head><meta \(attribute) content=\"\(content)\"></head><body></body></html>").redirect
    }

    func testMetaRefreshFormsAreFollowed() {
        XCTAssertEqual(refresh("0; url=/cn/index.html"), PageRedirect(kind: .metaRefresh, url: "/cn/index.html", delay: 0))
        XCTAssertEqual(refresh("0;URL=/cn/index.html"), PageRedirect(kind: .metaRefresh, url: "/cn/index.html", delay: 0))
        XCTAssertEqual(refresh("3; Url='http://www.example.cn/home/'"),
                       PageRedirect(kind: .metaRefresh, url: "http://www.example.cn/home/", delay: 3))
        XCTAssertEqual(refresh("10,url=https://example.cn/cn/"), PageRedirect(kind: .metaRefresh, url: "https://example.cn/cn/", delay: 10))
        XCTAssertEqual(refresh("1; url=&quot;cn/index.html&quot;"), PageRedirect(kind: .metaRefresh, url: "cn/index.html", delay: 1))
        // The attribute's value in any case.
        XCTAssertEqual(refresh("0; url=/a", attribute: "HTTP-EQUIV=\"Refresh\""), PageRedirect(kind: .metaRefresh, url: "/a", delay: 0))
        // A browser also takes a URL written without `url=`.
        XCTAssertEqual(refresh("2; /b.html"), PageRedirect(kind: .metaRefresh, url: "/b.html", delay: 2))
    }

    func testMetaRefreshInTheBodyIsFollowed() {
        let facts = read("<html><head></head><body><meta http-equiv=\"refresh\" content=\"0;url=/cn/\"></body></html>")
        XCTAssertEqual(facts.redirect, PageRedirect(kind: .metaRefresh, url: "/cn/", delay: 0))
    }

    func testMetaRefreshAfterMoreThanTenSecondsIsNotFollowed() {
        XCTAssertNil(refresh("11; url=/cn/"))
        XCTAssertNil(refresh("600;url=/cn/"))
    }

    func testMetaRefreshWithoutATargetIsNotARedirect() {
        XCTAssertNil(refresh("5"), "a refresh of the page itself sends the browser nowhere else")
    }

    func testMetaRefreshInsideNoscriptIsNotFollowed() {
        let facts = read("<html><head></head><body><noscript><meta http-equiv=\"refresh\" content=\"0; url=/nojs.html\"></noscript></body></html>")
        XCTAssertNil(facts.redirect)
    }

    // MARK: script redirects

    private func scripted(_ script: String, body: String = "") -> PageFacts {
        read("<html><head><title></title></head><body>\(body)<script>\(script)</script></body></html>")
    }

    func testPlainScriptRedirectsInAnEmptyPageAreFollowed() {
        let forms: [(String, String)] = [
            ("location.href = \"/home/\";", "/home/"),
            ("location.replace('/cn/index.html')", "/cn/index.html"),
            ("window.location = \"http://www.example.cn/\";", "http://www.example.cn/"),
            ("top.location.href=\"/top/\"", "/top/"),
            ("self.location.assign(\"/self/\");", "/self/"),
            ("\n  // go to the real home page\n  window.location.href = '/w/';\n", "/w/"),
        ]
        for (script, url) in forms {
            XCTAssertEqual(scripted(script).redirect, PageRedirect(kind: .script, url: url), script)
        }
    }

    /// `<noscript>` text is not shown to a browser that runs the script: the page is still empty.
    func testARedirectBesideNoscriptTextIsFollowed() {
        let facts = scripted("location.replace(\"/cn/\");", body: "<noscript>\(Self.content)</noscript>")
        XCTAssertEqual(facts.redirect, PageRedirect(kind: .script, url: "/cn/"))
    }

    func testARedirectInAFunctionOrClickHandlerIsNotFollowed() {
        let facts = scripted("function go() { location.href = \"/x/\"; }", body: "<button onclick=\"go()\">进入</button>")
        XCTAssertNil(facts.redirect)
        XCTAssertNil(scripted("document.getElementById('b').onclick = function () { window.location = '/x/'; };").redirect)
    }

    func testARedirectUnderAConditionIsNotFollowed() {
        XCTAssertNil(scripted("if (document.cookie.indexOf('seen') < 0) { location.href = \"/welcome/\"; }").redirect)
        XCTAssertNil(scripted("if (!window.seen) location.href = \"/welcome/\";").redirect)
    }

    func testARedirectToAURLBuiltAtRunTimeIsNotFollowed() {
        XCTAssertNil(scripted("var x = location.search; location.href = \"/a\" + x;").redirect)
        XCTAssertNil(scripted("location.href = base;").redirect)
    }

    func testAJavascriptURLIsNotARedirect() {
        XCTAssertNil(scripted("location.href = \"javascript:void(0)\";").redirect)
    }

    func testARedirectScriptInAPageWithRealContentIsNotFollowed() {
        let facts = scripted("location.href = \"/home/\";", body: Self.content)
        XCTAssertGreaterThanOrEqual(facts.shownCharacters, PageFacts.shellCharacters)
        XCTAssertNil(facts.redirect)
    }

    func testAUserAgentSniffingRedirectIsConditionalAndAMobileSignal() {
        let facts = scripted("if(/iPhone|Android/.test(navigator.userAgent)) location.href=\"/m/\";")
        XCTAssertNil(facts.redirect, "where it sends the browser depends on the device")
        XCTAssertTrue(facts.conditionalRedirect?.lowercased().contains("useragent") ?? false, "\(String(describing: facts.conditionalRedirect))")
        XCTAssertFalse(facts.mobileSignals.isEmpty, "a redirect by User-Agent announces a mobile variant")
    }

    func testUserAgentSniffingWrittenOverSeveralLinesIsNotFollowed() {
        let forms = [
            "if (/iPhone|Android/i.test(navigator.userAgent))\n    window.location.href = \"http://m.example.cn/\";\n",
            "var ua = navigator.userAgent.toLowerCase();\nif (/iphone|android|mobile/.test(ua)) {\n  location.replace(\"/m/\");\n}\n",
            "if (screen.width < 768)\n  location.href = '/m/';\nelse\n  location.href = '/pc/';\n",
        ]
        for script in forms {
            let facts = scripted(script)
            XCTAssertNil(facts.redirect, "followed a redirect that depends on the device: \(script)")
            XCTAssertNotNil(facts.conditionalRedirect, script)
            XCTAssertFalse(facts.mobileSignals.isEmpty, script)
        }
    }

    // MARK: frames

    func testFramesetFramesAreThePage() {
        let facts = read("<html><head><title>示例科技</title></head><frameset rows=\"80,*\"><frame src=\"/top.html\"><frame src=\"/main.html\"></frameset></html>")
        XCTAssertEqual(facts.frames, ["/top.html", "/main.html"])
        XCTAssertEqual(facts.title, "示例科技")
    }

    func testAFullPageIframeIsThePage() {
        let sized = read("<html><body><p>示例</p><iframe src=\"/real/index.html\" width=\"100%\" height=\"100%\" frameborder=\"0\"></iframe></body></html>")
        XCTAssertEqual(sized.frames, ["/real/index.html"])
        let styled = read("<html><body>\(Self.content)<iframe src=\"http://www.example.cn/\" style=\"width: 100%; height: 100vh; border: 0\"></iframe></body></html>")
        XCTAssertEqual(styled.frames, ["http://www.example.cn/"])
    }

    func testTheOnlyIframeOfAnEmptyPageIsThePage() {
        let facts = read("<html><body><iframe src=\"/site/\"></iframe></body></html>")
        XCTAssertEqual(facts.frames, ["/site/"])
    }

    func testASmallIframeInAContentPageIsNotThePage() {
        let facts = read("<html><body>\(Self.content)<iframe src=\"/map.html\" width=\"300\" height=\"200\"></iframe><div class=\"footer\">\(Self.icp)</div></body></html>")
        XCTAssertEqual(facts.frames, [])
    }

    // MARK: mobile signals

    func testMobileAgentMetaIsAMobileSignal() {
        let facts = read("<html><head><meta name=\"mobile-agent\" content=\"format=html5;url=http://m.example.cn/\"></head><body>\(Self.content)</body></html>")
        XCTAssertEqual(facts.mobileSignals.count, 1)
        XCTAssertTrue(facts.mobileSignals.first?.contains("mobile-agent") ?? false, "\(facts.mobileSignals)")
    }

    func testApplicableDeviceForPCOnlyIsAMobileSignal() {
        let pcOnly = read("<html><head><meta name=\"applicable-device\" content=\"pc\"></head><body>\(Self.content)</body></html>")
        XCTAssertEqual(pcOnly.mobileSignals.count, 1, "a page for PCs only has a mobile variant elsewhere")
        let both = read("<html><head><meta name=\"applicable-device\" content=\"pc,mobile\"></head><body>\(Self.content)</body></html>")
        XCTAssertEqual(both.mobileSignals, [], "one page for both devices")
    }

    func testAnAlternateLinkForSmallScreensIsAMobileSignal() {
        let facts = read("<html><head><link rel=\"alternate\" media=\"only screen and (max-width: 640px)\" href=\"http://m.example.cn/\"></head><body>\(Self.content)</body></html>")
        XCTAssertEqual(facts.mobileSignals.count, 1)
        XCTAssertTrue(facts.mobileSignals.first?.contains("http://m.example.cn/") ?? false, "\(facts.mobileSignals)")
    }

    func testAnOrdinaryPageHasNoMobileSignal() {
        let facts = read("<html><head><meta name=\"viewport\" content=\"width=device-width\"><link rel=\"alternate\" hreflang=\"en\" href=\"/en/\"><link rel=\"stylesheet\" href=\"/s.css\"></head><body>\(Self.content)</body></html>")
        XCTAssertEqual(facts.mobileSignals, [])
        XCTAssertNil(facts.conditionalRedirect)
    }

    // MARK: service numbers

    private func footerNumber(_ text: String) -> ShownNumber? {
        page(footer: "<div class=\"footer\">\(text)</div>").numbers.first { $0.kind == .record }
    }

    func testAppMiniProgramAndQuickAppNumbers() throws {
        let app = try XCTUnwrap(footerNumber("京ICP备12345678号-2A"))
        XCTAssertEqual(app.suffix, "2A")
        XCTAssertEqual(app.service, .app)
        XCTAssertEqual(app.digits, "12345678")
        let mini = try XCTUnwrap(footerNumber("京ICP备12345678号-3X"))
        XCTAssertEqual(mini.suffix, "3X")
        XCTAssertEqual(mini.service, .miniProgram)
        let quick = try XCTUnwrap(footerNumber("京ICP备12345678号-4K"))
        XCTAssertEqual(quick.suffix, "4K")
        XCTAssertEqual(quick.service, .quickApp)
        // The letter follows the serial directly; a space after it ends the word.
        let beforeWord = try XCTUnwrap(footerNumber("京ICP备12345678号-2A Copyright 2024"))
        XCTAssertEqual(beforeWord.suffix, "2A")
        XCTAssertEqual(beforeWord.service, .app)
    }

    func testAServiceLetterBeforeTheTrailingHao() throws {
        let n = try XCTUnwrap(footerNumber("京ICP备12345678-2A号"))
        XCTAssertEqual(n.suffix, "2A")
        XCTAssertEqual(n.service, .app)
    }

    func testALetterStartingAWordIsNotAServiceLetter() throws {
        for text in ["京ICP备12345678号-2 All Rights Reserved", "京ICP备12345678号-2All Rights Reserved", "京ICP备12345678号-2All"] {
            let n = try XCTUnwrap(footerNumber(text), text)
            XCTAssertEqual(n.suffix, "2", text)
            XCTAssertNil(n.service, text)
            XCTAssertEqual(n.canonical, "京ICP备12345678号-2", text)
        }
    }

    // MARK: a page that lists hundreds of numbers

    static let partnerCount = 300
    static func partnerDigits(_ i: Int) -> String { String(20_000_000 + i) }

    static let trailingCount = 100

    /// A "友情链接" block of 300 other sites' numbers above a compliant footer, and 100 more
    /// below it (pages put such blocks at the very bottom too).
    static var directoryPage: String {
        var html = "<html><head><title>示例科技</title></head><body>\(content)<div class=\"links\"><h3>友情链接</h3><ul>"
        for i in 0..<partnerCount {
            html += "<li><a href=\"http://site\(i).cn/\">合作站点\(i) 浙ICP备\(partnerDigits(i))号-1</a></li>"
        }
        html += "</ul></div><div class=\"footer\"><a href=\"https://beian.miit.gov.cn/\">\(icp)</a> "
        html += "<a href=\"http://www.beian.gov.cn/portal/registerSystemInfo?recordcode=11010502030143\">\(psb)</a></div><div class=\"partners\">"
        for i in partnerCount..<(partnerCount + trailingCount) {
            html += "<a href=\"http://site\(i).cn/\">合作伙伴\(i) 沪ICP备\(partnerDigits(i))号-1</a> "
        }
        return html + "</div></body></html>"
    }

    func testFooterNumbersAreKeptPastALongDirectory() throws {
        let facts = read(Self.directoryPage)
        let icp = try XCTUnwrap(facts.numbers.first { $0.digits == "12345678" }, "the footer's ICP number was lost")
        XCTAssertTrue(icp.inFooter)
        XCTAssertEqual(icp.href, "https://beian.miit.gov.cn/")
        let psb = try XCTUnwrap(facts.numbers.first { $0.kind == .psb }, "the footer's 公安 number was lost")
        XCTAssertEqual(psb.digits, "11010502030143")
        XCTAssertTrue(psb.inFooter)
        XCTAssertGreaterThan(facts.numbersDropped, 0, "300 partner numbers are counted, not all kept")
        let total = Self.partnerCount + 2 + Self.trailingCount
        XCTAssertLessThan(facts.numbers.count, total)
        XCTAssertEqual(facts.numbers.count + facts.numbersDropped, total, "every number is either kept or counted")
    }

    func testTheFiledNumberIsKeptInTheMiddleOfALongDirectory() throws {
        let filed = Self.partnerDigits(210)  // past the first numbers of the list, before its last ones
        let reader = PageReader(contentType: nil, keepDigits: [filed])
        Array(Self.directoryPage.utf8).withUnsafeBytes { reader.feed($0) }
        let facts = reader.finish()
        XCTAssertEqual(facts.numbers.filter { $0.digits == filed }.map(\.canonical), ["浙ICP备\(filed)号-1"])
        XCTAssertTrue(facts.numbers.contains { $0.digits == "12345678" && $0.inFooter })
        XCTAssertGreaterThan(facts.numbersDropped, 0)
    }

    /// "However many numbers a page lists": a footer that itself holds a directory of
    /// hundreds of partner sites still keeps the site's filed number after it.
    func testTheFiledNumberIsKeptAfterAHugeDirectoryInTheFooter() throws {
        var html = "<html><body>\(Self.content)<div class=\"footer\"><p>友情链接：</p>"
        for i in 0..<1500 { html += "<a href=\"http://site\(i).cn/\">站点\(i) 浙ICP备\(Self.partnerDigits(i))号-1</a> " }
        html += "<p><a href=\"https://beian.miit.gov.cn/\">\(Self.icp)</a></p></div></body></html>"
        let reader = PageReader(contentType: nil, keepDigits: ["12345678"])
        Array(html.utf8).withUnsafeBytes { reader.feed($0) }
        let facts = reader.finish()
        XCTAssertEqual(facts.numbers.filter { $0.digits == "12345678" }.map(\.canonical), [Self.icp], "the filed number was lost")
    }

    // MARK: sample and empty pages

    func testAShortPageKeepsASample() {
        let facts = read("<html><head><title>建设中</title></head><body><h1>网站建设中</h1><p>敬请期待</p></body></html>")
        XCTAssertTrue(facts.sample.contains("网站建设中"), facts.sample)
        XCTAssertTrue(facts.sample.contains("敬请期待"), facts.sample)
    }

    func testALongPageKeepsNoSample() {
        let long = String(repeating: Self.content, count: 40)  // about 40 KB of text
        let facts = read("<html><body>\(long)</body></html>")
        XCTAssertEqual(facts.sample, "")
    }

    func testAnEmptyBodyShowsNothing() {
        XCTAssertEqual(read("<html><head><title>首页</title></head><body></body></html>").shownCharacters, 0)
        XCTAssertEqual(read("").shownCharacters, 0)
        XCTAssertEqual(read("<html><body>  \n\t &nbsp; </body></html>").shownCharacters, 0, "whitespace is not text")
    }
}
