import XCTest
import ICPModel
@testable import ICPScan

/// Issue 20: scripts that cannot draw a footer (analytics tags, libraries on their own, data
/// blocks) are told apart from scripts that may, so `--render auto` need not draw a page whose
/// only scripts are these. Expectations written from what each script can do in a browser.
final class InertScriptsTests: XCTestCase {
    private let baidu = """
        <script>
        var _hmt = _hmt || [];
        (function() {
          var hm = document.createElement("script");
          hm.src = "https://hm.baidu.com/hm.js?8eb1533491dd67c83f8cff0c82eb29c6";
          var s = document.getElementsByTagName("script")[0];
          s.parentNode.insertBefore(hm, s);
        })();
        </script>
        """

    private func facts(_ scripts: String) -> PageFacts {
        PageReader.read(Array("<html><head><title>t</title>\(scripts)</head><body><p>正文</p><div class=\"footer\">版权所有</div></body></html>".utf8))
    }

    func testBaiduAnalyticsAndJQueryOnTheirOwnCannotDraw() {
        let page = facts(baidu + #"<script src="/static/js/jquery-3.6.0.min.js"></script><script src="https://hm.baidu.com/hm.js?abc"></script>"#)
        XCTAssertEqual(page.scriptCount, 3)
        XCTAssertEqual(page.inertScripts, 3)
    }

    func testAScriptThatLoadsOrWritesTheFooterMayDraw() {
        let loads = facts(##"<script src="/jquery.min.js"></script><script>$(function(){ $("#foot").load("/foot.html"); });</script>"##)
        XCTAssertEqual(loads.scriptCount, 2)
        XCTAssertEqual(loads.inertScripts, 1, "the jQuery file alone is inert, the .load() call is not")
        let writes = facts(baidu.replacingOccurrences(of: "})();", with: "document.write('京ICP备12345678号-1');})();"))
        XCTAssertEqual(writes.inertScripts, 0, "an analytics snippet that also writes the page may draw")
        let app = facts(#"<script src="/js/app.4f3a.js"></script><script src="/js/jquery-ui.min.js"></script>"#)
        XCTAssertEqual(app.inertScripts, 0, "an application bundle, a widget library")
        let named = facts(#"<script src="/js/jquery.footer.js"></script><script src="/js/jquery-common.min.js"></script>"#)
        XCTAssertEqual(named.inertScripts, 0, "a plugin or a site's own file named after jQuery")
        let bundles = facts(#"<script src="/js/bootstrap.bundle.min.js"></script><script src="/js/jquery.slim.min.js"></script>"#)
        XCTAssertEqual(bundles.inertScripts, 2)
    }

    func testDataBlocksAreInert() {
        let page = facts(#"<script type="application/ld+json">{"@context":"https://schema.org","@type":"Organization"}</script>"#)
        XCTAssertEqual(page.inertScripts, 1)
    }
}
