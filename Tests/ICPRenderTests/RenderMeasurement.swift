import Foundation
import ICPModel
import ICPRender
import XCTest

/// Render time and browser memory at several concurrencies, to size `--render-concurrency`.
/// A measurement, not part of scripts/test: runs only with ICPAUDIT_RENDER_BENCH=1
/// (`ICPAUDIT_RENDER_BENCH=1 swift test --skip-build --filter RenderMeasurement`).
final class RenderMeasurement: XCTestCase {
    /// A single-page app: a shell, a 150 KB bundle that draws 300 items and the footer, a
    /// stylesheet, each answered after 20 ms as from a nearby server.
    private func sites(count: Int) -> FakeSites {
        let filler = "var pad='" + String(repeating: "x", count: 150_000) + "';\n"
        var pages: [String: FakeSites.Page] = [:]
        for i in 0..<count {
            let host = "http://site\(i).test"
            pages[host + "/"] = .init(body: """
                <!DOCTYPE html><html><head><title>app</title><link rel="stylesheet" href="/app.css"></head>
                <body><div id="app"></div><script src="/app.js"></script></body></html>
                """, delay: 20)
            pages[host + "/app.css"] = .init(contentType: "text/css", body: ".item{padding:4px} footer{text-align:center}", delay: 20)
            pages[host + "/app.js"] = .init(contentType: "application/javascript", body: filler + """
                document.title = '站点\(i)';
                let html = '';
                for (let k = 0; k < 300; k++) html += '<div class="item">产品 ' + k + ' 的介绍文字</div>';
                html += '<footer><a href="https://beian.miit.gov.cn/">京ICP备12345678号-1</a></footer>';
                document.getElementById('app').innerHTML = html;
                """, delay: 20)
        }
        return FakeSites(pages)
    }

    func testRenderTimeAndMemoryByConcurrency() async throws {
        guard ProcessInfo.processInfo.environment["ICPAUDIT_RENDER_BENCH"] != nil else { throw XCTSkip("set ICPAUDIT_RENDER_BENCH=1") }
        let renders = 50
        for concurrency in [1, 2, 4] {
            let pool = BrowserPool(options: .init(concurrency: concurrency))
            try await pool.start()
            let sites = sites(count: renders)
            let sampling = Task {
                var peak = (pss: 0, rss: 0)
                while !Task.isCancelled {
                    let now = await pool.browserMemory()
                    peak = (max(peak.pss, now.proportional), max(peak.rss, now.resident))
                    try? await Task.sleep(for: .milliseconds(100))
                }
                return peak
            }
            let started = ContinuousClock.now
            let times = try await withThrowingTaskGroup(of: Int.self) { group in
                for i in 0..<renders {
                    group.addTask {
                        let page = try await pool.render(url: "http://site\(i).test/", device: .desktop(userAgent: "bench"),
                                                         timeout: .seconds(15), network: sites.network)
                        XCTAssertEqual(page.facts().numbers.map(\.canonical), ["京ICP备12345678号-1"])
                        return page.milliseconds
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let wall = ContinuousClock.now - started
            sampling.cancel()
            let peak = await sampling.value
            await pool.shutdown()
            let sorted = times.sorted()
            let seconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
            print(String(format: "render-bench concurrency=%d renders=%d wall=%.1fs rate=%.2f/s median=%dms p95=%dms peakPSS=%dMB peakRSSsum=%dMB",
                         concurrency, renders, seconds, Double(renders) / seconds, sorted[sorted.count / 2],
                         sorted[Int(Double(sorted.count) * 0.95) - 1], peak.pss >> 20, peak.rss >> 20)
                  + " loadavg=" + ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8).split(separator: " ").prefix(3).joined(separator: ",")) ?? "?"))
            XCTAssertLessThanOrEqual(sites.peakConcurrent, concurrency * 3, "each render asks for at most 3 resources at once")
        }
    }
}
