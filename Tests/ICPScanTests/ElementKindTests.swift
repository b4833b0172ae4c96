import XCTest
@testable import ICPScan

/// The packed names written as literals are what `pack` makes of those names.
final class ElementKindTests: XCTestCase {
    func testLiteralKeysArePackedNames() {
        let keys: [(String, UInt64)] = [
            ("href", ElementKind.hrefKey), ("id", ElementKind.idKey), ("class", ElementKind.classKey),
            ("style", ElementKind.styleKey), ("hidden", ElementKind.hiddenKey), ("meta", ElementKind.metaKey),
            ("link", ElementKind.linkKey), ("frame", ElementKind.frameKey), ("iframe", ElementKind.iframeKey),
            ("img", ElementKind.imgKey), ("noscript", ElementKind.noscriptKey), ("script", ElementKind.scriptKey),
        ]
        for (name, key) in keys {
            let packed = name.withCString { ElementKind.pack(UnsafeRawPointer($0).assumingMemoryBound(to: UInt8.self)) }
            XCTAssertEqual(packed, key, name)
        }
        XCTAssertEqual(Set(keys.map(\.1)).count, keys.count, "two names share a key")
    }
}
