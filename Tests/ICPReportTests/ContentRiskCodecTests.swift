import Foundation
import XCTest
@testable import ICPReport
import ICPModel

/// The content-risk facts survive observations.jsonl, so `judge` gives the scan's findings; an
/// observation saved before they were read decodes, marked as not read for them.
final class ContentRiskCodecTests: XCTestCase {
    private func observation(_ page: PageFacts) -> SiteObservation {
        SiteObservation(domain: "example.cn", line: 2, checkedAt: "2026-12-07T00:00:00Z",
                        hosts: [HostObservation(host: "example.cn", dns: DNSAnswer(), page: page)])
    }

    private func base() -> PageFacts {
        PageFacts(title: "示例", numbers: [], scriptNumbers: [], shownCharacters: 300, textLength: 400, scriptCount: 0, charset: nil)
    }

    func testRiskWordsAndHiddenLinksRoundTrip() throws {
        var page = base()
        page.riskWords = [RiskWordHit(word: "百家乐", category: "gambling", weight: 10, place: .title, count: 2)]
        page.riskWordsDropped = 3
        page.hiddenLinks = [HiddenLink(href: "http://a.example/", how: "font-size:0 on <div>", text: "澳门", riskWord: "百家乐"),
                            HiddenLink(href: "//b.example/", how: "display:none on <div>", text: "")]
        page.hiddenLinksDropped = 7
        var codec = RecordCodec()
        let line = codec.encode(observation(page))
        let back = try XCTUnwrap(RecordCodec.decodeObservation(Data(line)).hosts.first?.page)
        XCTAssertEqual(back.riskWords, page.riskWords)
        XCTAssertEqual(back.riskWordsDropped, 3)
        XCTAssertEqual(back.hiddenLinks, page.hiddenLinks)
        XCTAssertEqual(back.hiddenLinksDropped, 7)
        XCTAssertTrue(back.contentRead)
    }

    func testAPageWithNoRiskIsStillMarkedRead() throws {
        var codec = RecordCodec()
        let back = try XCTUnwrap(RecordCodec.decodeObservation(Data(codec.encode(observation(base())))).hosts.first?.page)
        XCTAssertTrue(back.contentRead)
        XCTAssertEqual(back.riskWords, [])
    }

    func testAnOldObservationDecodesAsNotRead() throws {
        var codec = RecordCodec()
        let text = String(decoding: codec.encode(observation(base())), as: UTF8.self)
        let old = text.replacingOccurrences(of: ",\"risk_words\":[]", with: "")
        XCTAssertNotEqual(old, text, "the fixture must lose its risk_words key")
        let back = try XCTUnwrap(RecordCodec.decodeObservation(Data(old.utf8)).hosts.first?.page)
        XCTAssertFalse(back.contentRead)
    }
}
