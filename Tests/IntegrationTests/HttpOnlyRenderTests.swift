import Foundation
import XCTest

/// SPEC: "A rendered page is the page the static walk ended on, loaded by the browser as a
/// person's browser would; the browser makes no upgrade or request that the crawler cannot
/// complete for it." The farm's script shells on sites served over http only (farmgen): nothing
/// listens for TLS on 127.0.0.13's https port, and 127.0.0.14's https serves a certificate for
/// another name. Their names are under a public suffix (home.arpa), as a real site's are, so a
/// browser that upgrades http to https would try them; scripts/farm/hostile.py appends every
/// connection to either https port, with its SNI, to farm/https-attempts.log.
final class HttpOnlyRenderTests: XCTestCase {
    static let domains = ["httponly.home.arpa", "httponly-unlinked.home.arpa", "httponly-mobile.home.arpa", "othercert.home.arpa"]

    private var attemptsLog: URL { Farm.dir.appendingPathComponent("https-attempts.log") }

    private func attempts() throws -> [String] {
        try String(contentsOf: attemptsLog, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    private func inventory() throws -> URL {
        let rows = try String(contentsOf: Farm.dir.appendingPathComponent("inventory.csv"), encoding: .utf8).split(separator: "\n")
        let picked = rows.filter { row in Self.domains.contains { row.hasPrefix($0 + ",") } }
        XCTAssertEqual(picked.count, Self.domains.count)
        let file = Farm.tempDir().appendingPathComponent("httponly.csv")
        try ([String(rows[0])] + picked.map(String.init)).joined(separator: "\n").appending("\n").write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    /// `--render auto`: every http-only shell is drawn, as desktop and as phone where the phone
    /// gets another page (an m. site, `Vary: User-Agent`), and judged as drawn with the farm's
    /// hand-written findings; the browser never asked for any of them over https.
    func testHttpOnlyShellsAreDrawnOverHttpOnBothViews() throws {
        try Farm.requireRunning()
        let inventory = try inventory()
        let before = try attempts()
        let out = Farm.tempDir().appendingPathComponent("run")
        let run = try Farm.icpaudit(["scan", inventory.path, "--out", out.path, "--allow-private", "--timeout", "5",
                                     "--render", "auto", "--mobile", "auto"] + Farm.scanOptions)
        XCTAssertEqual(run.status, 0, run.stderr)
        let made = try attempts().dropFirst(before.count)

        let expected = try Farm.expected("scenario").filter { Self.domains.contains($0.key) }
        XCTAssertEqual(expected.count, Self.domains.count)
        let records = try Farm.records(out)
        Farm.assertExact(records, expected)
        var drawn: [String] = []
        for r in records {
            for h in r["hosts"] as? [[String: Any]] ?? [] {
                let view = "\(h["host"] ?? "?")@\(h["view"] ?? "desktop")"
                XCTAssertEqual(h["rendered"] as? Bool, true, "\(view) was drawn")
                // Phones are sent to httponly-mobile's m. site; every other view ends where it began.
                let end = view == "httponly-mobile.home.arpa@mobile" ? "http://m.httponly-mobile.home.arpa/" : "http://\(h["host"] ?? "?")/"
                XCTAssertEqual(h["final_url"] as? String, end, "\(view) ends on http")
                drawn.append(view)
            }
        }
        XCTAssertEqual(drawn.sorted(), ["httponly-mobile.home.arpa@desktop", "httponly-mobile.home.arpa@mobile",
                                        "httponly-unlinked.home.arpa@desktop", "httponly.home.arpa@desktop",
                                        "othercert.home.arpa@desktop", "othercert.home.arpa@mobile"])
        for o in try Farm.records(out, "observations.jsonl") {
            for h in o["hosts"] as? [[String: Any]] ?? [] {
                XCTAssertNil(h["render_failure"], "\(o["domain"] ?? "?") \(h["view"] ?? "?"): \(h["render_failure"] ?? "")")
            }
        }
        XCTAssertEqual(Array(made), [], "https connections to the http-only sites while they were drawn")
    }

    /// The control: the log does record icpaudit's https connections. With http refused (a
    /// port where nothing listens), the static walk falls back to https (SPEC) on both
    /// addresses, and each attempt is logged with the host it was for.
    func testTheHttpsListenersLogEveryConnection() throws {
        try Farm.requireRunning()
        let inventory = try inventory()
        let before = try attempts()
        let closedHTTP = Farm.scanOptions.map { $0 == "18080" ? "18079" : $0 }
        XCTAssertNotEqual(closedHTTP, Farm.scanOptions)
        let run = try Farm.icpaudit(["scan", inventory.path, "--out", Farm.tempDir().appendingPathComponent("run").path,
                                     "--allow-private", "--timeout", "3", "--render", "never", "--mobile", "never"] + closedHTTP)
        XCTAssertEqual(run.status, 0, run.stderr)
        let made = Set(try attempts().dropFirst(before.count))
        for line in ["127.0.0.13\thttponly.home.arpa", "127.0.0.13\thttponly-unlinked.home.arpa",
                     "127.0.0.13\thttponly-mobile.home.arpa", "127.0.0.14\tothercert.home.arpa"] {
            XCTAssertTrue(made.contains(line), "\(line) not logged: \(made.sorted())")
        }
    }
}
