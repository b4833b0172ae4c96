#if canImport(Glibc)
import Glibc
#endif
import Foundation
import ICPModel
import ICPRender
import XCTest

/// Pages drawn by scripts, rendered in the real Debian Chromium; the sites are served from a
/// dictionary through the pool's network closure (the browser sends nothing itself).
final class RenderTests: XCTestCase {
    static let browser = "/usr/bin/chromium"
    static let desktopUA = "Mozilla/5.0 (compatible; icpaudit-test desktop)"
    static let mobileUA = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1"
    static let icp = "京ICP备12345678号-1"
    static let psb = "京公网安备11010502000001号"
    static let footer = """
        <footer><a href="https://beian.miit.gov.cn/">京ICP备12345678号-1</a>
        <a href="http://www.beian.gov.cn/portal/registerSystemInfo?recordcode=11010502000001">京公网安备11010502000001号</a></footer>
        """

    private var pool: BrowserPool!

    override func setUp() async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.browser) else {
            XCTFail("chromium is not installed: run scripts/install-deps")
            throw XCTSkip("no chromium")
        }
        pool = BrowserPool(options: .init(executable: Self.browser, concurrency: 2))
    }

    override func tearDown() async throws {
        await pool?.shutdown()
    }

    private func render(_ url: String, _ sites: FakeSites, device: RenderDevice = .desktop(userAgent: desktopUA),
                        timeout: Duration = .seconds(10)) async throws -> RenderedPage {
        try await pool.render(url: url, device: device, timeout: timeout, network: sites.network)
    }

    private func numbers(_ page: RenderedPage, _ kind: NumberKind) -> [ShownNumber] {
        page.facts().numbers.filter { $0.kind == kind }
    }

    func testSinglePageAppFooterDrawnByAScriptFileIsReadWithItsLinks() async throws {
        let sites = FakeSites([
            "http://spa.test/": .init(body: #"<!DOCTYPE html><html><head><title>loading</title></head><body><div id="app"></div><script src="/js/app.js"></script></body></html>"#),
            "http://spa.test/js/app.js": .init(contentType: "application/javascript", body: """
                document.title = '示例科技';
                const app = document.getElementById('app');
                app.innerHTML = '<main><h1>产品</h1><p>' + '内容 '.repeat(50) + '</p></main>' + \(Self.footer.debugDescription.replacingOccurrences(of: "\\n", with: " "));
                """),
        ])
        let page = try await render("http://spa.test/", sites)
        let facts = page.facts()
        XCTAssertEqual(facts.title, "示例科技")
        let icp = numbers(page, .record)
        XCTAssertEqual(icp.map(\.canonical), [Self.icp])
        XCTAssertEqual(icp.first?.href, "https://beian.miit.gov.cn/")
        XCTAssertEqual(icp.first?.inFooter, true)
        let psb = numbers(page, .psb)
        XCTAssertEqual(psb.map(\.digits), ["11010502000001"])
        XCTAssertEqual(psb.first?.href, "http://www.beian.gov.cn/portal/registerSystemInfo?recordcode=11010502000001")
        XCTAssertEqual(facts.scriptNumbers, [])
        XCTAssertEqual(page.finalURL, "http://spa.test/")
        XCTAssertTrue(page.settled)
        // The browser's own favicon request goes through the closure like every other.
        XCTAssertEqual(Set(sites.urls), ["http://spa.test/", "http://spa.test/js/app.js", "http://spa.test/favicon.ico"])
        XCTAssertEqual(sites.requests.first?.headers["User-Agent"], Self.desktopUA)
        XCTAssertEqual(sites.requests.first?.isMainDocument, true)
        XCTAssertEqual(sites.requests.last?.isMainDocument, false)
    }

    func testFooterWrittenWithDocumentWriteIsShownAndAtTheBottomCentred() async throws {
        let sites = FakeSites([
            "http://old.test/": .init(body: """
                <html><head><title>老站</title></head><body><div style="height:1500px">正文</div>
                <div style="text-align:center"><script>document.write('<p>Copyright 老站 ' + '<a href="//beian.miit.gov.cn/">京ICP备12345678号-1</a></p>')</script></div>
                </body></html>
                """),
        ])
        let page = try await render("http://old.test/", sites)
        let icp = numbers(page, .record)
        XCTAssertEqual(icp.map(\.canonical), [Self.icp])
        // A protocol-relative href is what the browser follows: an absolute http(s) link.
        XCTAssertEqual(icp.first?.href, "http://beian.miit.gov.cn/")
        XCTAssertEqual(icp.first?.inFooter, true, "the last block of a long page is its bottom part")
        let placed = try XCTUnwrap(page.placements.first { $0.text.contains("京ICP备12345678号-1") })
        XCTAssertTrue(placed.centred)
        XCTAssertGreaterThan(placed.verticalPosition, 0.9)
        XCTAssertTrue(placed.inFooter)
    }

    func testNumbersHiddenByAStylesheetClassOrPlacedOffScreenAreNotShown() async throws {
        let sites = FakeSites([
            "http://hide.test/": .init(body: """
                <html><head><title>藏</title><link rel="stylesheet" href="/s.css"></head><body><p>内容</p>
                <div class="beian">京ICP备12345678号-1</div>
                <div style="position:absolute;left:-9999px;top:0">京公网安备11010502000001号</div>
                <div class="tiny">粤B2-20090059</div>
                <p>visible 京ICP证030173号</p></body></html>
                """),
            "http://hide.test/s.css": .init(contentType: "text/css", body: ".beian{display:none} .tiny{opacity:0}"),
        ])
        let page = try await render("http://hide.test/", sites)
        let facts = page.facts()
        XCTAssertEqual(facts.numbers.map(\.canonical), ["京ICP证030173号"])
        XCTAssertFalse(page.visibleHTML.contains("12345678"))
        XCTAssertFalse(page.visibleHTML.contains("11010502000001"))
        let hidden = page.hiddenNumbers()
        XCTAssertEqual(hidden.first { $0.number.kind == .record }?.how, "display:none")
        XCTAssertEqual(hidden.first { $0.number.kind == .psb }?.how, "outside the page")
        XCTAssertEqual(hidden.first { $0.number.kind == .licence }?.how, "opacity:0")
    }

    func testFooterLoadedByXHRIsShown() async throws {
        let sites = FakeSites([
            "http://xhr.test/": .init(body: """
                <html><head><title>XHR</title></head><body><p>首页</p><div id="foot"></div><script>
                const x = new XMLHttpRequest(); x.open('GET', '/api/footer');
                x.onload = () => { document.getElementById('foot').innerHTML = x.responseText; }; x.send();
                </script></body></html>
                """),
            "http://xhr.test/api/footer": .init(body: Self.footer, delay: 200),
        ])
        let page = try await render("http://xhr.test/", sites)
        XCTAssertEqual(numbers(page, .record).map(\.canonical), [Self.icp])
        XCTAssertEqual(numbers(page, .psb).map(\.digits), ["11010502000001"])
        XCTAssertEqual(sites.requests.first { $0.url == "http://xhr.test/api/footer" }?.resourceType, "XHR")
    }

    func testScriptRequestsToPrivateAddressesGoToTheNetworkClosureAndNeverToTheNetwork() async throws {
        let listener = LoopbackListener()
        let local = "http://127.0.0.1:\(listener.port)/admin"
        let sites = FakeSites([
            "http://evil.test/": .init(body: """
                <html><head><title>evil</title></head><body><p id="out">start</p><script>
                const out = document.getElementById('out');
                for (const u of ['\(local)', 'http://127.0.0.1:9/', 'http://169.254.169.254/latest/meta-data/'])
                  fetch(u).then(() => out.textContent += ' got', () => out.textContent += ' refused');
                const img = new Image(); img.src = 'http://10.0.0.1/pixel.gif';
                try { new WebSocket('ws://127.0.0.1:\(listener.port)/'); } catch (e) {}
                try { navigator.sendBeacon('http://127.0.0.1:\(listener.port)/beacon', 'x'); } catch (e) {}
                </script></body></html>
                """),
        ])
        let page = try await render("http://evil.test/", sites)
        let seen = Set(sites.urls)
        XCTAssertTrue(seen.contains(local), "\(seen)")
        XCTAssertTrue(seen.contains("http://127.0.0.1:9/"), "\(seen)")
        XCTAssertTrue(seen.contains("http://169.254.169.254/latest/meta-data/"), "\(seen)")
        XCTAssertTrue(seen.contains("http://10.0.0.1/pixel.gif"), "\(seen)")
        XCTAssertEqual(page.facts().numbers, [])
        XCTAssertTrue(page.visibleHTML.contains("start refused refused refused"), page.visibleHTML)
        XCTAssertEqual(listener.connections(), 0, "a connection reached the loopback listener")
    }

    func testPopUpsAreNotOpenedAndReachNothing() async throws {
        let listener = LoopbackListener()
        let target = "http://127.0.0.1:\(listener.port)/popup"
        let sites = FakeSites([
            "http://pop.test/": .init(body: """
                <html><head><title>pop</title></head><body><p id="out"></p>
                <a id="blank" href="\(target)?a" target="_blank">x</a><script>
                const w = window.open('\(target)?open');
                document.getElementById('out').textContent = 'open gave ' + (w === null ? 'null' : 'a window');
                document.getElementById('blank').click();
                const f = document.createElement('form'); f.action = '\(target)?form'; f.target = '_blank'; f.method = 'post';
                document.body.appendChild(f); f.submit();
                </script></body></html>
                """),
        ])
        let page = try await render("http://pop.test/", sites)
        XCTAssertTrue(page.visibleHTML.contains("open gave null"), page.visibleHTML)
        XCTAssertEqual(page.finalURL, "http://pop.test/")
        XCTAssertEqual(listener.connections(), 0, "a pop-up reached the loopback listener")
    }

    func testAPageThatNeverSettlesReturnsWithinItsDeadlineWithWhatIsDrawn() async throws {
        let sites = FakeSites([
            "http://busy.test/": .init(body: """
                <html><head><title>busy</title></head><body><div id="n"></div><script>
                let n = 0; setInterval(() => { document.getElementById('n').textContent = 'tick ' + (++n); fetch('/poll?' + n); }, 50);
                const again = () => { const x = new XMLHttpRequest(); x.open('GET', '/long?' + Math.random()); x.onloadend = again; x.send(); }; again();
                document.body.insertAdjacentHTML('beforeend', \(Self.footer.debugDescription.replacingOccurrences(of: "\\n", with: " ")));
                </script></body></html>
                """),
        ])
        let started = ContinuousClock.now
        let page = try await render("http://busy.test/", sites, timeout: .seconds(4))
        let took = ContinuousClock.now - started
        XCTAssertFalse(page.settled)
        XCTAssertLessThan(took, .milliseconds(5500), "deadline 4 s")
        XCTAssertGreaterThan(took, .seconds(2), "it waited for quiet that never came")
        XCTAssertEqual(numbers(page, .record).map(\.canonical), [Self.icp])
        XCTAssertTrue(page.visibleHTML.contains("tick "))
    }

    func testAScriptThatBlocksTheRendererIsThePagesFailureNotTheBrowsers() async throws {
        let sites = FakeSites([
            "http://loop.test/": .init(body: "<html><body><p>x</p><script>setTimeout(() => { for (;;) {} }, 0)</script></body></html>"),
            "http://fine.test/": .init(body: "<html><body>" + Self.footer + "</body></html>"),
        ])
        let started = ContinuousClock.now
        do {
            _ = try await render("http://loop.test/", sites, timeout: .seconds(3))
            XCTFail("a renderer stuck in a loop gave a page")
        } catch let error as RenderError {
            guard case .page = error else { return XCTFail("\(error)") }
        }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(12))
        let restarts = await pool.restarts
        XCTAssertEqual(restarts, 0)
        let page = try await render("http://fine.test/", sites)
        XCTAssertEqual(numbers(page, .record).map(\.canonical), [Self.icp])
    }

    /// A page whose scripts hold 384 MB (well within what V8 would allow without a budget) is
    /// stopped at `pageHeapMegabytes`: the page's failure, the browser not restarted, the next
    /// page drawn.
    func testAPageThatHoldsMoreThanItsHeapBudgetIsThePagesFailureAndTheBrowserGoesOn() async throws {
        XCTAssertLessThan(BrowserPool.pageHeapMegabytes, 384)
        let sites = FakeSites([
            "http://hog.test/": .init(body: """
                <html><body><p>x</p><script>
                const kept = [];
                for (let i = 0; i < 24; i++) kept.push(new Array(2 << 20).fill(i + 0.5));  // 16 MB of doubles each
                document.body.append("held " + kept.length);
                </script></body></html>
                """),
            "http://fine.test/": .init(body: "<html><body>" + Self.footer + "</body></html>"),
        ])
        do {
            let page = try await render("http://hog.test/", sites)
            XCTFail("a page holding 384 MB was drawn: \(page.visibleHTML.suffix(40))")
        } catch let error as RenderError {
            guard case .page(let why) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(why.contains(RenderError.rendererCrashed), why)
        }
        let restarts = await pool.restarts
        XCTAssertEqual(restarts, 0)
        let page = try await render("http://fine.test/", sites)
        XCTAssertEqual(numbers(page, .record).map(\.canonical), [Self.icp])
    }

    func testMainDocumentRefusedByTheNetworkIsAPageFailure() async throws {
        let sites = FakeSites([:])
        do {
            _ = try await render("http://127.0.0.1:1/", sites)
            XCTFail("a refused document gave a page")
        } catch let error as RenderError {
            guard case .page(let why) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(why.contains("IP_PRIVATE 127.0.0.1"), why)
        }
    }

    func testRedirectsAndScriptNavigationsAreFollowedThroughTheClosure() async throws {
        let sites = FakeSites([
            "http://a.test/": .init(status: 302, body: "", headers: [("Location", "http://a.test/next")]),
            "http://a.test/next": .init(body: "<html><body><script>location.replace('/meta')</script></body></html>"),
            "http://a.test/meta": .init(body: #"<html><head><meta http-equiv="refresh" content="0; url=/final"></head><body></body></html>"#),
            "http://a.test/final": .init(body: "<html><head><title>终</title></head><body>" + Self.footer + "</body></html>"),
        ])
        let page = try await render("http://a.test/", sites)
        XCTAssertEqual(page.finalURL, "http://a.test/final")
        XCTAssertEqual(page.navigations, ["http://a.test/next", "http://a.test/meta", "http://a.test/final"])
        XCTAssertEqual(page.facts().title, "终")
        XCTAssertEqual(numbers(page, .record).map(\.canonical), [Self.icp])
        XCTAssertEqual(sites.urls.filter { !$0.hasSuffix("/favicon.ico") }, ["http://a.test/", "http://a.test/next", "http://a.test/meta", "http://a.test/final"])
    }

    func testShadowDOMAndSameOriginFrameFootersAreWalked() async throws {
        let sites = FakeSites([
            "http://shadow.test/": .init(body: """
                <html><head><title>影</title></head><body><my-footer></my-footer>
                <iframe src="/frame.html" style="width:800px;height:200px;border:0"></iframe><script>
                customElements.define('my-footer', class extends HTMLElement { connectedCallback() {
                  this.attachShadow({mode: 'open'}).innerHTML = '<div><a href="https://beian.miit.gov.cn/">京ICP备12345678号-1</a></div>'; } });
                </script></body></html>
                """),
            "http://shadow.test/frame.html": .init(body: "<html><body><a href=\"http://www.beian.gov.cn/\">京公网安备11010502000001号</a></body></html>"),
        ])
        let page = try await render("http://shadow.test/", sites)
        XCTAssertEqual(numbers(page, .record).first?.href, "https://beian.miit.gov.cn/")
        XCTAssertEqual(numbers(page, .psb).first?.href, "http://www.beian.gov.cn/")
        XCTAssertEqual(page.frames, 1)
    }

    func testMobileDeviceIsWhatThePageSees() async throws {
        let sites = FakeSites([
            "http://m.test/": .init(body: """
                <html><head><meta name="viewport" content="width=device-width"><title>m</title></head><body><footer id="f"></footer><script>
                document.getElementById('f').textContent = 'UA=' + navigator.userAgent + ' W=' + innerWidth + ' T=' + navigator.maxTouchPoints;
                </script></body></html>
                """),
        ])
        let mobile = try await render("http://m.test/", sites, device: .phone(userAgent: Self.mobileUA))
        XCTAssertTrue(mobile.visibleHTML.contains("UA=\(Self.mobileUA) W=390 T=5"), mobile.visibleHTML)
        XCTAssertEqual(sites.requests.first?.headers["User-Agent"], Self.mobileUA)
        let desktop = try await render("http://m.test/", sites)
        XCTAssertTrue(desktop.visibleHTML.contains("UA=\(Self.desktopUA) W=1920 T=0"), desktop.visibleHTML)
    }

    func testSitesDoNotShareCookiesOrStorage() async throws {
        let page = """
            <html><body><p id="o"></p><script>
            document.getElementById('o').textContent = 'before=' + (localStorage.getItem('k') || 'none') + ',' + (document.cookie || 'none');
            localStorage.setItem('k', 'v'); document.cookie = 'c=1';
            </script></body></html>
            """
        let sites = FakeSites(["http://same.test/": .init(body: page)])
        let first = try await render("http://same.test/", sites)
        let second = try await render("http://same.test/", sites)
        XCTAssertTrue(first.visibleHTML.contains("before=none,none"), first.visibleHTML)
        XCTAssertTrue(second.visibleHTML.contains("before=none,none"), second.visibleHTML)
    }

    func testABrowserKilledMidRenderIsRestartedAndTheRenderRetried() async throws {
        let sites = FakeSites([
            "http://slow.test/": .init(body: "<html><body>" + Self.footer + "</body></html>", delay: 1500),
        ])
        try await pool.start()
        let running = await pool.browserProcessID
        let pid = try XCTUnwrap(running)
        let pool = self.pool!
        async let rendering = pool.render(url: "http://slow.test/", device: .desktop(userAgent: Self.desktopUA), timeout: .seconds(10), network: sites.network)
        for _ in 0..<500 where sites.requests.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
        XCTAssertFalse(sites.requests.isEmpty, "the render never asked for its page")
        XCTAssertEqual(kill(pid, SIGKILL), 0)
        let page = try await rendering
        XCTAssertEqual(numbers(page, .record).map(\.canonical), [Self.icp])
        let restarts = await pool.restarts
        XCTAssertEqual(restarts, 1)
        let newPID = await pool.browserProcessID
        XCTAssertNotEqual(newPID, pid)
        XCTAssertEqual(sites.urls.filter { $0 == "http://slow.test/" }.count, 2, "the render ran again on the new browser")
        XCTAssertEqual(kill(pid, 0), -1, "the killed browser was reaped")
    }

    /// A crash takes the whole browser, every process of it: the pool still starts another and
    /// draws the page again.
    func testABrowserKilledWithItsWholeProcessTreeIsRestarted() async throws {
        let sites = FakeSites([
            "http://slow.test/": .init(body: "<html><body>" + Self.footer + "</body></html>", delay: 800),
        ])
        for round in 1...2 {
            try await pool.start()
            let running = await pool.browserProcessID
            let pid = try XCTUnwrap(running)
            let pool = self.pool!
            let asked = sites.requests.count
            async let rendering = pool.render(url: "http://slow.test/", device: .desktop(userAgent: Self.desktopUA), timeout: .seconds(10), network: sites.network)
            for _ in 0..<500 where sites.requests.count == asked { try await Task.sleep(for: .milliseconds(20)) }
            XCTAssertEqual(kill(-pid, SIGKILL), 0, "round \(round)")
            let page = try await rendering
            XCTAssertEqual(numbers(page, .record).map(\.canonical), [Self.icp], "round \(round)")
            let restarts = await pool.restarts
            XCTAssertEqual(restarts, round)
        }
    }

    /// A browser that dies as it starts (killed in a crash of its predecessor's tree, short of
    /// memory) is started again; one that never starts is given up after a few launches.
    func testABrowserThatFailsToStartIsLaunchedAgain() async throws {
        await pool.shutdown()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("icpaudit-launch-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func wrapper(_ name: String, _ body: String) throws -> String {
            let path = dir.appendingPathComponent(name).path
            try ("#!/bin/sh\necho launch >> \(dir.path)/\(name).launches\n" + body).write(toFile: path, atomically: true, encoding: .utf8)
            chmod(path, 0o755)
            return path
        }
        func launches(_ name: String) -> Int {
            ((try? String(contentsOfFile: dir.appendingPathComponent(name + ".launches").path, encoding: .utf8)) ?? "").split(separator: "\n").count
        }
        let once = try wrapper("once", "[ -e \(dir.path)/failed ] || { touch \(dir.path)/failed; exit 1; }\nexec \(Self.browser) \"$@\"\n")
        pool = BrowserPool(options: .init(executable: once))
        let sites = FakeSites(["http://a.test/": .init(body: "<html><body>" + Self.footer + "</body></html>")])
        let page = try await render("http://a.test/", sites)
        XCTAssertEqual(numbers(page, .record).map(\.canonical), [Self.icp])
        XCTAssertEqual(launches("once"), 2, "the first launch failed, the second drew the page")
        await pool.shutdown()

        let never = try wrapper("never", "exit 1\n")
        pool = BrowserPool(options: .init(executable: never))
        do {
            _ = try await render("http://a.test/", sites)
            XCTFail("a browser that never starts drew a page")
        } catch {
            guard case .browser = error as? RenderError else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(launches("never"), 3)
    }

    func testAHungBrowserIsKilledAndTheRenderRetried() async throws {
        await pool.shutdown()
        pool = BrowserPool(options: .init(executable: Self.browser, commandTimeout: .seconds(2)))
        let sites = FakeSites([
            "http://stuck.test/": .init(body: "<html><body>" + Self.footer + "</body></html>", delay: 1000),
        ])
        try await pool.start()
        let running = await pool.browserProcessID
        let pid = try XCTUnwrap(running)
        let started = ContinuousClock.now
        let pool = self.pool!
        async let rendering = pool.render(url: "http://stuck.test/", device: .desktop(userAgent: Self.desktopUA), timeout: .seconds(5), network: sites.network)
        for _ in 0..<500 where sites.requests.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
        XCTAssertEqual(kill(-pid, SIGSTOP), 0, "stopping the browser's process group")
        let page = try await rendering
        XCTAssertEqual(numbers(page, .record).map(\.canonical), [Self.icp])
        let restarts = await pool.restarts
        XCTAssertEqual(restarts, 1)
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(20), "deadline 5 s, probe 3 s, then a fresh 5 s")
        XCTAssertEqual(kill(pid, 0), -1, "the stopped browser was killed and reaped")
    }

    func testConcurrencyIsBounded() async throws {
        await pool.shutdown()
        pool = BrowserPool(options: .init(executable: Self.browser, concurrency: 3))
        var pages: [String: FakeSites.Page] = [:]
        for i in 0..<9 { pages["http://s\(i).test/"] = .init(body: "<html><body><p>site \(i)</p></body></html>", delay: 600) }
        let sites = FakeSites(pages)
        try await pool.start()
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: RenderedPage.self) { group in
            let pool = self.pool!
            for i in 0..<9 {
                group.addTask { try await pool.render(url: "http://s\(i).test/", device: .desktop(userAgent: Self.desktopUA), timeout: .seconds(10), network: sites.network) }
            }
            for try await page in group { XCTAssertTrue(page.visibleHTML.contains("site ")) }
        }
        let took = ContinuousClock.now - started
        XCTAssertEqual(sites.peakConcurrent, 3)
        // Three rounds of three 600 ms documents, each followed by 500 ms of quiet.
        XCTAssertGreaterThan(took, .milliseconds(3 * 1100))
    }

    func testShutdownLeavesNoProcessDescriptorOrProfile() async throws {
        let sites = FakeSites(["http://x.test/": .init(body: "<p>x</p>")])
        _ = try await render("http://x.test/", sites)  // one-time set-up (the concurrency pool's threads) is not a leak
        await pool.shutdown()
        let descriptors = openDescriptors()
        for _ in 0..<3 {
            let cycle = BrowserPool(options: .init(executable: Self.browser))
            _ = try await cycle.render(url: "http://x.test/", device: .desktop(userAgent: Self.desktopUA), timeout: .seconds(10), network: sites.network)
            let running = await cycle.browserProcessID
            let pid = try XCTUnwrap(running)
            let profile = profileDirectory(of: pid)
            XCTAssertNotNil(profile)
            await cycle.shutdown()
            XCTAssertEqual(kill(pid, 0), -1, "browser \(pid) still exists (a zombie is reaped by waitpid)")
            // SIGKILL is delivered, not waited for: a helper of the group may take a moment to die
            // on a loaded machine, but none may live on.
            var waited = 0
            while livingProcessesInGroup(pid) > 0 && waited < 2000 { try await Task.sleep(for: .milliseconds(50)); waited += 50 }
            XCTAssertEqual(livingProcessesInGroup(pid), 0, "a process of the browser's group survived")
            if let profile { XCTAssertFalse(FileManager.default.fileExists(atPath: profile), "profile \(profile) left behind") }
        }
        XCTAssertEqual(openDescriptors(), descriptors, "descriptors leaked")
        do {
            _ = try await pool.render(url: "http://x.test/", device: .desktop(userAgent: Self.desktopUA), timeout: .seconds(5), network: sites.network)
            XCTFail("a shut-down pool rendered")
        } catch {
            XCTAssertEqual(error, .browser("the renderer was shut down"))
        }
    }

    private func openDescriptors() -> Int { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1 }

    private func profileDirectory(of pid: pid_t) -> String? {
        guard let cmdline = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
        return cmdline.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            .first { $0.hasPrefix("--user-data-dir=") }.map { String($0.dropFirst("--user-data-dir=".count)) }
    }

    /// Processes of the group that are not zombies (killed helpers wait for init to reap them).
    private func livingProcessesInGroup(_ group: pid_t) -> Int {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).filter { entry in
            guard entry.first?.isNumber == true, let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 2 && Int32(fields[2]) == group && fields[0] != "Z"
        }.count
    }
}
