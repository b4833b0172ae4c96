import Foundation
import XCTest
@testable import ICPRules
@testable import ICPNumbers
@testable import ICPScan

/// The labelled real-world footers of ../shared/corpus (see its README). Where a label and
/// SPEC disagree, SPEC wins; those cases are listed in `specOverrides` with the reason.
final class CorpusTests: XCTestCase {
    struct Label: Decodable {
        struct ICP: Decodable {
            var normalized: String
            var linked: Bool
            var href: String?
            var link_ok: Bool
            var level: String
            var missing_icp_token: Bool?
        }
        struct PSB: Decodable {
            var code: String
            var linked: Bool
            var href: String?
            var link_ok: Bool
            var href_code_matches: Bool?
        }
        var icp: [ICP]
        var psb: [PSB]
        var in_script_only: Bool?
        var title: String?
    }

    /// Cases whose label SPEC overrides, and why.
    static let specOverrides: [String: String] = [
        // SPEC's grammar requires "ICP备"; "冀备…" is not a filing number as SPEC writes it.
        "051": "icp without the ICP token",
    ]

    static var corpusDir: URL {
        let here = URL(fileURLWithPath: #filePath)
        return here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/corpus")
    }

    static func cases() throws -> [(String, [UInt8], Label)] {
        let files = try FileManager.default.contentsOfDirectory(atPath: corpusDir.path).filter { $0.hasSuffix(".json") }.sorted()
        return try files.map { name in
            let id = String(name.dropLast(5))
            let html = try Data(contentsOf: corpusDir.appendingPathComponent(id + ".html"))
            let label = try JSONDecoder().decode(Label.self, from: Data(contentsOf: corpusDir.appendingPathComponent(name)))
            return (id, [UInt8](html), label)
        }
    }

    func testCorpusIsPresent() throws {
        XCTAssertGreaterThanOrEqual(try Self.cases().count, 50, "corpus at \(Self.corpusDir.path)")
    }

    /// Every labelled ICP number and licence is found, with its link state; nothing else is.
    func testICPNumbersMatchLabels() throws {
        for (id, html, label) in try Self.cases() where Self.specOverrides[id] == nil {
            // Read in small chunks so numbers that straddle chunk boundaries are exercised.
            let facts = PageReader.read(html, chunkSize: 97)
            let found = facts.numbers.filter { $0.kind != .psb }
            let expected = label.icp.filter { _ in label.in_script_only != true }
            XCTAssertEqual(Set(found.map(\.text)), Set(expected.map { fold($0.normalized) }), "case \(id): numbers")
            for e in expected {
                let matches = found.filter { $0.text == fold(e.normalized) }
                XCTAssertTrue(matches.contains { $0.isLinked == e.linked }, "case \(id): \(e.normalized) linked=\(e.linked)")
                if e.linked, let href = e.href, let m = matches.first(where: { $0.href?.trimmingCharacters(in: .whitespacesAndNewlines) == href.trimmingCharacters(in: .whitespacesAndNewlines) }) {
                    let expectOK = e.link_ok
                    XCTAssertEqual(LinkRules.isMIITHome(m.href!), expectOK, "case \(id): link \(href)")
                }
                if e.level != "licence" {
                    XCTAssertEqual(matches.first?.suffix != nil, e.level == "site", "case \(id): level of \(e.normalized)")
                }
            }
            if label.in_script_only == true {
                XCTAssertFalse(facts.scriptNumbers.filter { $0.kind != .psb }.isEmpty, "case \(id): numbers in script")
            }
        }
    }

    func testPSBNumbersMatchLabels() throws {
        for (id, html, label) in try Self.cases() {
            let facts = PageReader.read(html, chunkSize: 61)
            let found = facts.numbers.filter { $0.kind == .psb }
            XCTAssertEqual(Set(found.map(\.digits)), Set(label.psb.map(\.code)), "case \(id): psb codes")
            for e in label.psb {
                guard let m = found.first(where: { $0.digits == e.code }) else { continue }
                XCTAssertEqual(m.isLinked, e.linked, "case \(id): psb \(e.code) linked")
                if let href = m.href, e.linked {
                    XCTAssertEqual(LinkRules.isPSBPlatform(href), e.link_ok, "case \(id): psb link \(href)")
                    if let matches = e.href_code_matches {
                        XCTAssertEqual(LinkRules.psbCode(inLink: href) == e.code, matches, "case \(id): psb href code")
                    }
                }
            }
        }
    }

    func testTitlesAreRead() throws {
        for (id, html, label) in try Self.cases() {
            guard let title = label.title else { continue }
            XCTAssertEqual(PageReader.read(html).title, PageReader.displayTitle(title), "case \(id)")
        }
    }

    /// The label's normalisation, plus the case and dash folding the grammar adds.
    private func fold(_ s: String) -> String {
        String(decoding: Normalizer.normalize(s), as: UTF8.self)
    }
}
