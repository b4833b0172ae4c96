import XCTest
import ICPFetch
import ICPModel
import ICPRules
@testable import ICPAudit

/// The observer follows what a browser follows (SPEC "What a person sees"): meta refreshes and
/// script redirects as hops that count toward the 10 and are checked for private addresses
/// like HTTP redirects; the frames a page shows; and the mobile probe. Against the scripted
/// `FakeTransport`; expectations written from SPEC and issue 10.
final class PersonViewObserverTests: XCTestCase {
    static let ip1 = ObserverPolicyTests.ip1
    static let ip2 = ObserverPolicyTests.ip2

    // MARK: page redirects

    func testAMetaRefreshIsFollowedAsAHop() async throws {
        let fake = FakeTransport()
        fake.resolve("a.test", [Self.ip1])
        fake.on("http://a.test/", .page(.sends(.metaRefresh, to: "/cn/index.html")))
        fake.on("http://a.test/cn/index.html", .page(.compliant))

        let seen = try await observe(fake)

        XCTAssertEqual(fake.fetchedURLs, ["http://a.test/", "http://a.test/cn/index.html"])
        XCTAssertEqual(seen.hops.map(\.kind), [.http, .metaRefresh])
        XCTAssertEqual(seen.hops.map(\.url), ["http://a.test/", "http://a.test/cn/index.html"])
        XCTAssertEqual(seen.hops.first?.location, "/cn/index.html")
        XCTAssertEqual(seen.page, .compliant, "the page is the refresh's target")
        XCTAssertEqual(seen.answered?.url, "http://a.test/cn/index.html")
        XCTAssertEqual(fake.fetches.map(\.addresses), [[Self.ip1], [Self.ip1]])

        let record = judged(seen)
        XCTAssertEqual(record.findings.map(\.code), [], "the target's compliant page is what a person sees")
        XCTAssertEqual(record.hosts.first?.finalURL, "http://a.test/cn/index.html")
        XCTAssertEqual(record.hosts.first?.redirects, ["http://a.test/cn/index.html"])
    }

    func testAScriptRedirectIsAScriptHop() async throws {
        let fake = FakeTransport()
        fake.resolve("a.test", [Self.ip1])
        fake.resolve("www.a.test", [Self.ip2])
        fake.on("http://a.test/", .page(.sends(.script, to: "http://www.a.test/home/")))
        fake.on("http://www.a.test/home/", .page())

        let seen = try await observe(fake)

        XCTAssertEqual(seen.hops.map(\.kind), [.http, .script])
        XCTAssertEqual(seen.hops.map(\.url), ["http://a.test/", "http://www.a.test/home/"])
        XCTAssertEqual(seen.hops.last?.addresses, [Self.ip2], "the target host is resolved and pinned")
        XCTAssertEqual(fake.fetches.last?.addresses, [Self.ip2])
        XCTAssertEqual(seen.page, FakeTransport.samplePage)
    }

    func testPageRedirectsCountTowardTheTen() async throws {
        // Alternating HTTP redirects, meta refreshes and script redirects.
        func script(_ fake: FakeTransport, _ urls: [String]) {
            for (i, (from, to)) in zip(urls, urls.dropFirst()).enumerated() {
                switch i % 3 {
                case 0: fake.on(from, .page(.sends(.metaRefresh, to: to)))
                case 1: fake.on(from, .redirect(to))
                default: fake.on(from, .page(.sends(.script, to: to)))
                }
            }
            fake.on(urls.last!, .page())
        }
        let ten = chain(10), eleven = chain(11)
        let withinLimit = FakeTransport()
        withinLimit.resolve("a.test", [Self.ip1])
        script(withinLimit, ten)
        let seenTen = try await observe(withinLimit)
        XCTAssertEqual(withinLimit.fetchedURLs, ten)
        XCTAssertEqual(seenTen.page, FakeTransport.samplePage, "ten redirects of any kind are followed")

        let pastLimit = FakeTransport()
        pastLimit.resolve("a.test", [Self.ip1])
        script(pastLimit, eleven)
        let seen = try await observe(pastLimit)
        XCTAssertEqual(pastLimit.fetchedURLs, Array(eleven.prefix(11)), "the 12th URL was requested")
        XCTAssertNil(seen.page)
        XCTAssertEqual(seen.hops.last?.failure?.kind, .redirectLimit)
        XCTAssertEqual(seen.attempts, 1)
        XCTAssertEqual(judged(seen).verdict, .unreachable)
    }

    /// A page that reloads itself every few seconds (`<meta http-equiv="refresh" content="5;
    /// url=/">` on `/`), or whose script only moves to an anchor of itself (`#/home`, a
    /// single-page app's route), is a page a person reads, not a redirect loop.
    func testARedirectToThePageItselfIsThePage() async throws {
        for redirect in [PageRedirect(kind: .metaRefresh, url: "/", delay: 5), PageRedirect(kind: .script, url: "#/home")] {
            let fake = FakeTransport()
            fake.resolve("a.test", [Self.ip1])
            var page = PageFacts.compliant
            page.redirect = redirect
            fake.on("http://a.test/", .page(page))

            let seen = try await observe(fake)

            XCTAssertNotNil(seen.page, "\(redirect.url): hops \(seen.hops.map { "\($0.kind.rawValue) \($0.url) \($0.failure?.kind.rawValue ?? "")" })")
            XCTAssertFalse(seen.hops.contains { $0.failure?.kind == .redirectLimit }, redirect.url)
            XCTAssertEqual(judged(seen).findings.map(\.code), [], redirect.url)
        }
    }

    func testAMetaRefreshToAPrivateAddressIsNotFetched() async throws {
        let loopback = IPAddress("127.0.0.1")!
        for allowPrivate in [false, true] {
            let fake = FakeTransport()
            fake.resolve("a.test", [Self.ip1])
            fake.resolve("intranet.a.test", [loopback])
            fake.on("http://a.test/", .page(.sends(.metaRefresh, to: "http://intranet.a.test/admin")))
            fake.on("http://intranet.a.test/admin", .page())

            let seen = try await observe(fake) { $0.allowPrivate = allowPrivate }

            if allowPrivate {
                XCTAssertEqual(fake.fetchedURLs, ["http://a.test/", "http://intranet.a.test/admin"])
                XCTAssertEqual(fake.fetches.last?.addresses, [loopback])
                XCTAssertNotNil(seen.page)
            } else {
                XCTAssertEqual(fake.fetchedURLs, ["http://a.test/"], "fetched a loopback refresh target")
                XCTAssertNil(seen.page)
                XCTAssertEqual(seen.hops.last?.failure?.kind, .privateAddress)
                XCTAssertEqual(seen.hops.last?.kind, .metaRefresh)
                XCTAssertEqual(seen.hops.last?.addresses, [loopback])
                XCTAssertEqual(judged(seen).findings.map(\.code), [.ipPrivate])
            }
        }
    }

    // MARK: frames

    func testFramesAreFetchedAndJudgedWithThePage() async throws {
        let fake = FakeTransport()
        fake.resolve("example.cn", [Self.ip1])
        fake.resolve("static.example.cn", [Self.ip2])
        var frameset = PageFacts.blank(title: "示例科技", text: 12)
        frameset.frames = ["/top.html", "http://static.example.cn/foot.html"]
        var top = PageFacts.blank(title: "顶部", text: 300)
        top.shownCharacters = 100
        var foot = PageFacts.blank(title: "底部", text: 100)
        foot.numbers = PageFacts.compliant.numbers.enumerated().map { var n = $1; n.offset = 20 + 50 * $0; return n }
        fake.on("http://example.cn/", .page(frameset))
        fake.on("http://example.cn/top.html", .page(top))
        fake.on("http://static.example.cn/foot.html", .page(foot))

        let seen = try await observe(fake, host: "example.cn")

        XCTAssertEqual(seen.hops.map(\.kind), [.http, .frame, .frame])
        XCTAssertEqual(seen.hops.map(\.url), ["http://example.cn/", "http://example.cn/top.html", "http://static.example.cn/foot.html"])
        XCTAssertEqual(seen.hops.last?.addresses, [Self.ip2])
        XCTAssertEqual(seen.answered?.url, "http://example.cn/", "the frames are not the way to the page")
        let page = try XCTUnwrap(seen.page)
        XCTAssertEqual(page.title, "示例科技", "the title is the top document's")
        XCTAssertEqual(page.numbers.map(\.canonical), PageFacts.compliant.numbers.map(\.canonical), "the footer frame's numbers are not on the page")
        XCTAssertEqual(page.numbers.map(\.offset), [12 + 300 + 20, 12 + 300 + 70], "a frame's text comes after the text before it")
        XCTAssertEqual(page.textLength, 12 + 300 + 100)

        let record = judged(seen, domain: "example.cn")
        XCTAssertEqual(record.findings.map(\.code), [], "the compliant footer frame counts")
    }

    func testAFrameOfAnotherRegistrableDomainIsNotFetched() async throws {
        let fake = FakeTransport()
        fake.resolve("example.cn", [Self.ip1])
        fake.resolve("ads.other.cn", [Self.ip2])
        var frameset = PageFacts.blank(title: "示例科技", text: 0)
        frameset.frames = ["http://ads.other.cn/banner.html", "/main.html"]
        fake.on("http://example.cn/", .page(frameset))
        fake.on("http://ads.other.cn/banner.html", .page())
        fake.on("http://example.cn/main.html", .page(.blank(title: "正文", text: 500)))

        let seen = try await observe(fake, host: "example.cn")

        XCTAssertEqual(fake.fetchedURLs, ["http://example.cn/", "http://example.cn/main.html"])
        XCTAssertFalse(fake.resolvedHosts.contains("ads.other.cn"))
        XCTAssertEqual(seen.hops.map(\.url), ["http://example.cn/", "http://example.cn/main.html"])
        XCTAssertEqual(seen.page?.numbers, [], "another site's number is not this page's")
    }

    func testAFailedFrameDoesNotMakeTheHostFail() async throws {
        let fake = FakeTransport()
        fake.resolve("example.cn", [Self.ip1])
        var frameset = PageFacts.blank(title: "示例科技", text: 0)
        frameset.frames = ["/main.html", "/foot.html"]
        fake.on("http://example.cn/", .page(frameset))
        fake.on("http://example.cn/main.html", .status(404))
        fake.on("http://example.cn/foot.html", .fail(.connect("Connection refused")))

        let seen = try await observe(fake, host: "example.cn")

        XCTAssertEqual(seen.answered?.url, "http://example.cn/")
        XCTAssertEqual(seen.answered?.status, 200)
        XCTAssertNotNil(seen.page)
        XCTAssertEqual(seen.attempts, 1, "a page was read: nothing to retry")
        let record = judged(seen, domain: "example.cn")
        XCTAssertNotEqual(record.verdict, .unreachable)
        XCTAssertEqual(record.hosts.first?.opened, true)
        XCTAssertFalse(record.findings.contains { $0.code == .connectFailed || $0.code == .httpError }, "\(record.findings.map(\.code))")
        XCTAssertTrue(record.findings.contains { $0.code == .icpMissing }, "the page without its frames shows no number")
    }

    // MARK: the mobile probe

    func testTheMobileProbeAsksForHeadersOnlyAsAPhone() async throws {
        let fake = FakeTransport()
        fake.resolve("a.test", [Self.ip1])
        fake.on("http://a.test/") { spec in spec.profile.userAgent.contains("iPhone") ? .redirect("http://m.a.test/") : .page() }

        var desktop = try await observe(fake)
        let probe = try await HostObserver(options: ObserverPolicyTests.options, transport: fake, gate: PerIPGate(limit: 8))
            .probeMobile(desktop, ticket: ObserverPolicyTests.ticket())

        XCTAssertEqual(fake.fetchedURLs, ["http://a.test/", "http://a.test/"])
        let (page, probed) = (fake.fetches[0], fake.fetches[1])
        XCTAssertFalse(page.headersOnly)
        XCTAssertEqual(page.profile, FetchProfile.desktop)
        XCTAssertTrue(probed.headersOnly, "the probe reads only the status and headers")
        XCTAssertEqual(probed.profile.userAgent, FetchProfile.mobile.userAgent)
        XCTAssertTrue(probed.profile.userAgent.contains("Mobile"), "not a phone browser's User-Agent: \(probed.profile.userAgent)")
        XCTAssertEqual(probed.addresses, [Self.ip1], "pinned like the desktop request")
        XCTAssertEqual(probe?.status, 302)
        XCTAssertEqual(probe?.location, "http://m.a.test/")

        desktop.mobileProbe = probe
        XCTAssertNotNil(HostObserver.mobileViewReason(desktop), "a phone is sent elsewhere")
    }

    /// A desktop view that was answered `status` (with `location`, `vary`), probed with `probe`.
    private func desktop(status: Int = 200, location: String? = nil, vary: String? = nil, signals: [String] = [],
                         probe: Hop?) -> HostObservation {
        var hop = Hop(url: "http://a.test/", addresses: [Self.ip1], status: status, location: location)
        hop.vary = vary
        var hops = [hop]
        var page = FakeTransport.samplePage
        page.mobileSignals = signals
        if location != nil { hops.append(Hop(url: "http://a.test/home/", addresses: [Self.ip1], status: 200)) }
        var seen = HostObservation(host: "a.test", dns: DNSAnswer(addresses: [Self.ip1]), hops: hops, page: page)
        seen.mobileProbe = probe
        return seen
    }

    private func probe(status: Int, location: String? = nil, vary: String? = nil) -> Hop {
        var hop = Hop(url: "http://a.test/", addresses: [Self.ip1], status: status, location: location)
        hop.vary = vary
        return hop
    }

    func testTheMobileViewIsAuditedWhenThePhoneGetsAnotherAnswer() {
        XCTAssertNotNil(HostObserver.mobileViewReason(desktop(probe: probe(status: 302, location: "http://m.a.test/"))), "another status")
        XCTAssertNotNil(HostObserver.mobileViewReason(desktop(probe: probe(status: 404))), "another status")
        XCTAssertNotNil(HostObserver.mobileViewReason(desktop(status: 302, location: "/home/", probe: probe(status: 302, location: "/m/home/"))),
                        "another Location")
        XCTAssertNotNil(HostObserver.mobileViewReason(desktop(vary: "Accept-Encoding, User-Agent", probe: probe(status: 200))), "Vary")
        XCTAssertNotNil(HostObserver.mobileViewReason(desktop(probe: probe(status: 200, vary: "user-agent"))), "Vary on the probe")
        XCTAssertNotNil(HostObserver.mobileViewReason(desktop(signals: ["mobile-agent meta: format=html5;url=http://m.a.test/"], probe: nil)),
                        "the page announces a mobile variant")
    }

    func testTheMobileViewIsNotAuditedWhenThePhoneSeesTheDesktopPage() {
        XCTAssertNil(HostObserver.mobileViewReason(desktop(probe: probe(status: 200))))
        XCTAssertNil(HostObserver.mobileViewReason(desktop(vary: "Accept-Encoding", probe: probe(status: 200, vary: "Accept-Encoding"))))
        XCTAssertNil(HostObserver.mobileViewReason(desktop(status: 302, location: "/home/", probe: probe(status: 302, location: "/home/"))))
        XCTAssertNil(HostObserver.mobileViewReason(desktop(probe: nil)))
    }

    // MARK: helpers

    private func observe(_ fake: FakeTransport, host: String = "a.test",
                         _ configure: (inout AuditOptions) -> Void = { _ in }) async throws -> HostObservation {
        var options = ObserverPolicyTests.options
        configure(&options)
        return try await HostObserver(options: options, transport: fake, gate: PerIPGate(limit: 8)).observe(host, ticket: ObserverPolicyTests.ticket())
    }

    /// The judge's record for a site whose one host is `seen`, filed with the sample page's number.
    private func judged(_ seen: HostObservation, domain: String = "a.test") -> SiteRecord {
        let row = Site(line: 2, domain: domain, icp: "京ICP备12345678号-1", hosts: [seen.host])
        let observation = SiteObservation(domain: domain, line: 2, checkedAt: "2026-12-01T00:00:00Z", hosts: [seen])
        return Judge(ranges: nil, siteForHost: { _ in nil }).judge(observation, row: row)
    }

    /// `http://a.test/`, then `http://a.test/r1` … `http://a.test/rN`.
    private func chain(_ redirects: Int) -> [String] {
        ["http://a.test/"] + (1...redirects).map { "http://a.test/r\($0)" }
    }
}

extension PageFacts {
    /// A page with `text` bytes of text and no numbers.
    static func blank(title: String = "", text: Int) -> PageFacts {
        PageFacts(title: title, numbers: [], scriptNumbers: [], shownCharacters: text, textLength: text, scriptCount: 0, charset: nil)
    }

    /// `FakeTransport.samplePage` with its 公安 number too: a page that meets every rule.
    static let compliant: PageFacts = {
        var page = FakeTransport.samplePage
        page.numbers.append(ShownNumber(kind: .psb, text: "京公网安备11010502030143号", province: "京", digits: "11010502030143", suffix: nil,
                                        href: "http://www.beian.gov.cn/portal/registerSystemInfo?recordcode=11010502030143",
                                        inFooter: true, offset: 950))
        return page
    }()

    /// An otherwise empty page that sends the browser to `url` by itself.
    static func sends(_ kind: HopKind, to url: String) -> PageFacts {
        var page = blank(text: 0)
        page.redirect = PageRedirect(kind: kind, url: url, delay: 0)
        return page
    }
}
