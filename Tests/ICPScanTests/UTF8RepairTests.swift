import XCTest
@testable import ICPScan

/// The repair a browser's decoder makes (bad bytes become U+FFFD, NULs vanish), the same
/// however curl happens to cut the body into chunks.
final class UTF8RepairTests: XCTestCase {
    private func repaired(_ bytes: [UInt8], cuts: [Int]) -> [UInt8] {
        var repair = UTF8Repair()
        var out: [UInt8] = []
        var start = 0
        bytes.withUnsafeBytes { all in
            for end in cuts + [bytes.count] where end >= start {
                repair.feed(UnsafeRawBufferPointer(rebasing: all[start..<end])) { out.append(contentsOf: $0) }
                start = end
            }
        }
        repair.finish { out.append(contentsOf: $0) }
        return out
    }

    /// Every way of cutting `bytes` in two or three pieces, and byte by byte.
    private func assertRepairs(_ bytes: [UInt8], to expected: String, file: StaticString = #filePath, line: UInt = #line) {
        let want = Array(expected.utf8)
        XCTAssertEqual(repaired(bytes, cuts: []), want, "whole", file: file, line: line)
        XCTAssertEqual(repaired(bytes, cuts: Array(0...bytes.count)), want, "byte by byte", file: file, line: line)
        for a in 0...bytes.count {
            XCTAssertEqual(repaired(bytes, cuts: [a]), want, "cut at \(a)", file: file, line: line)
            for b in a...bytes.count {
                XCTAssertEqual(repaired(bytes, cuts: [a, b]), want, "cut at \(a) and \(b)", file: file, line: line)
            }
        }
    }

    func testValidTextPassesUnchanged() {
        assertRepairs(Array("京ICP备12345678号-1 𠀀é".utf8), to: "京ICP备12345678号-1 𠀀é")
    }

    func testBadBytesBecomeReplacementCharactersAndNULsVanish() {
        assertRepairs([0x61, 0xFF, 0x62], to: "a\u{FFFD}b")
        assertRepairs([0x61, 0x00, 0x00, 0x62], to: "ab")
        assertRepairs(Array("备".utf8) + [0x80] + Array("号".utf8), to: "备\u{FFFD}号")
        assertRepairs([0xC3, 0x28] + Array("号".utf8), to: "\u{FFFD}(号")
    }

    /// WHATWG's decoder, which a browser uses: a lead byte and the continuation bytes it allows
    /// show as one U+FFFD, and the byte that broke the sequence is read again.
    func testAnIllFormedSequenceIsOneReplacementAsABrowserShowsIt() {
        assertRepairs([0xF0, 0xA0, 0x80, 0x41], to: "\u{FFFD}A")
        assertRepairs([0xE4, 0xB8, 0x41], to: "\u{FFFD}A")
        assertRepairs([0xE4, 0x00, 0x00, 0x41], to: "\u{FFFD}A")  // NULs right after a lead byte
        assertRepairs([0xED, 0xA0, 0x80], to: "\u{FFFD}\u{FFFD}\u{FFFD}")  // a surrogate: ED allows only 80–9F next
        assertRepairs([0xF4, 0x90, 0x80, 0x80], to: "\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}")  // past U+10FFFF
        assertRepairs([0xC0, 0xAF], to: "\u{FFFD}\u{FFFD}")  // C0 never starts a sequence
    }

    func testASequenceCutOffByTheEndOfTheBodyIsOneReplacement() {
        assertRepairs(Array("号".utf8) + [0xE4, 0xB8], to: "号\u{FFFD}")
    }

    /// The bodies' common case: Chinese text whose chunks end inside a character. Each chunk's
    /// whole characters go to the parser straight from curl's buffer, not through a copy.
    func testAValidChunkEndingInACutCharacterIsPassedOnWithoutACopy() {
        let text = Array("备案号".utf8)  // 9 bytes, cut inside the third character
        var repair = UTF8Repair()
        var pieces: [(UnsafeRawPointer?, Int)] = []
        text.withUnsafeBytes { all in
            repair.feed(UnsafeRawBufferPointer(rebasing: all[0..<7])) { pieces.append(($0.baseAddress, $0.count)) }
            XCTAssertEqual(pieces.count, 1)
            XCTAssertEqual(pieces.first?.0, all.baseAddress, "the chunk's own bytes")
            XCTAssertEqual(pieces.first?.1, 6, "the two whole characters")
        }
    }
}
