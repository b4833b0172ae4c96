import Foundation
import XCTest
import ICPModel
@testable import ICPInventory

/// SPEC "Numbers": app (`…号-2A`), mini-program (`-3X`) and quick-app (`-4K`) numbers are not
/// website numbers, so an inventory row filed with one is a bad row naming its `icp` field; the
/// rows around it are read as usual.
final class ServiceNumberRowTests: XCTestCase {
    func testARowFiledWithAServiceNumberIsRefusedNamingTheField() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("svc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("inventory.csv").path
        let text = "domain,icp\napp.cn,京ICP备12345678号-2A\nsite.cn,京ICP备12345678号-2\nmini.cn,京ICP备12345679号-3X\nquick.cn,京ICP备12345670号-4K\nlast.cn,京ICP备12345671号-1\n"
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(text.utf8)))

        let rows = Array(try InventoryReader(path: path))
        XCTAssertEqual(rows.count, 5)
        let bad = rows.compactMap { if case .failure(let b) = $0 { return b } else { return nil } }
        XCTAssertEqual(bad.map(\.line), [2, 4, 5])
        XCTAssertEqual(bad.map(\.field), ["icp", "icp", "icp"])
        XCTAssertTrue(bad.first?.description.hasPrefix("\(path):2: field 'icp'") ?? false, bad.first?.description ?? "")
        XCTAssertTrue(bad.first?.description.contains("京ICP备12345678号-2A") ?? false, "the message names the value refused")
        let good = rows.compactMap { try? $0.get() }
        XCTAssertEqual(good.map(\.domain), ["site.cn", "last.cn"])
        XCTAssertEqual(good.map(\.icp), ["京ICP备12345678号-2", "京ICP备12345671号-1"])
        XCTAssertEqual(good.map(\.line), [3, 6])
    }
}
