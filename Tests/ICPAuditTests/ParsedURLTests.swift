import XCTest
import ICPFetch

/// URLs as a browser sends them (WHATWG URL): redirect targets and page links written with
/// spaces or Chinese are followed, not refused as bad URLs.
final class ParsedURLTests: XCTestCase {
    func testSpacesAndNonASCIIInPathAndQueryArePercentEncoded() {
        XCTAssertEqual(ParsedURL("http://a.test/home page/")?.text, "http://a.test/home%20page/")
        XCTAssertEqual(ParsedURL("http://a.test/关于.html?q=备案 号")?.text,
                       "http://a.test/%E5%85%B3%E4%BA%8E.html?q=%E5%A4%87%E6%A1%88%20%E5%8F%B7")
        XCTAssertEqual(ParsedURL("http://a.test/a\"<b>`{c}")?.text, "http://a.test/a%22%3Cb%3E%60%7Bc%7D")
    }

    func testWhatIsAlreadyEncodedOrPlainStaysAsItIs() {
        XCTAssertEqual(ParsedURL("http://a.test/home%20page/?a=1&b=%E5%A4%87")?.text, "http://a.test/home%20page/?a=1&b=%E5%A4%87")
        XCTAssertEqual(ParsedURL("https://a.test:8443/x/y.html?z=(1)|[2]")?.text, "https://a.test:8443/x/y.html?z=(1)|[2]")
    }

    func testTabsAndNewlinesAreDroppedAsABrowserDrops()  {
        XCTAssertEqual(ParsedURL("http://a.test/ho\tme\n/")?.text, "http://a.test/home/")
    }

    func testRelativeTargetsResolveAndAreEncoded() {
        let base = ParsedURL("http://a.test/dir/index.html")!
        XCTAssertEqual(base.resolving("home page/")?.text, "http://a.test/dir/home%20page/")
        XCTAssertEqual(base.resolving("/新 页/")?.text, "http://a.test/%E6%96%B0%20%E9%A1%B5/")
    }
}
