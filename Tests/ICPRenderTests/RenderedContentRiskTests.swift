import Foundation
import ICPModel
import ICPRender
import XCTest

/// Content risks on drawn pages (SPEC "Content risks": static and rendered alike): links a
/// script writes into a box a person cannot see, risk words in the drawn title and meta, and a
/// menu the page opens on hover, which is not hidden.
final class RenderedContentRiskTests: XCTestCase {
    static let browser = "/usr/bin/chromium"
    private var pool: BrowserPool!

    override func setUp() async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.browser) else { throw XCTSkip("no chromium") }
        pool = BrowserPool(options: .init(executable: Self.browser, concurrency: 1))
    }

    override func tearDown() async throws {
        await pool?.shutdown()
    }

    func testLinksAScriptHidesAndWordsItWritesAreRead() async throws {
        let sites = FakeSites([
            "http://drawn.test/": .init(body: """
                <html><head><title>示例</title><script src="/inject.js"></script></head><body><p>正文</p>
                <ul><li><a href="/">首页</a><ul class="sub" style="display:none"><li><a href="https://partner.example/">伙伴</a></li></ul></li></ul>
                <script>document.write('<div style="font-size:0"><a href="//bet-one.example/">体育</a><a href="https://bet-two.example/">娱乐</a></div>')</script>
                </body></html>
                """),
            "http://drawn.test/inject.js": .init(contentType: "application/javascript", body: """
                document.title = '澳门威尼斯人';
                var m = document.createElement('meta'); m.name = 'keywords'; m.content = '百家乐'; document.head.appendChild(m);
                """),
        ])
        let page = try await pool.render(url: "http://drawn.test/", device: .desktop(userAgent: "icpaudit-test"), timeout: .seconds(10),
                                         network: sites.network)
        let facts = page.facts()
        XCTAssertEqual(facts.hiddenLinks.map(\.href), ["http://bet-one.example/", "https://bet-two.example/"], "the dropdown's link is not hidden")
        XCTAssertTrue(facts.hiddenLinks.allSatisfy { $0.how.hasPrefix("font-size:0") }, "\(facts.hiddenLinks)")
        XCTAssertEqual(facts.riskWords.map { "\($0.word)@\($0.place.rawValue)" }, ["澳门威尼斯人@title", "百家乐@meta"])
    }
}
