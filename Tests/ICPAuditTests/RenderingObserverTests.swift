import Foundation
import XCTest
import ICPFetch
import ICPModel
@testable import ICPAudit

/// The observer with a real browser (Debian's chromium) whose requests go through a scripted
/// transport: icpaudit's own failures while fetching for the browser stop the run, never
/// become the drawn page's findings.
final class RenderingObserverTests: XCTestCase {
    static let browser = "/usr/bin/chromium"

    /// A request the browser needs fails on icpaudit's side for a whole `--timeout` (out of
    /// descriptors): the page drawn without it would show no number (ICP_MISSING), so the
    /// observer throws `CrawlerFailure` instead.
    func testALocalFailureFetchingForTheBrowserStopsTheRun() async throws {
        let fake = FakeTransport()
        fake.resolve("a.test", [ObserverPolicyTests.ip1])
        // The static fetch reads the page; every later request (the browser's) fails locally.
        fake.on("http://a.test/", .page(), .own("socket: Too many open files"))
        let outcome = try await observeDrawn(fake)
        guard case .failure(let failure) = outcome else {
            return XCTFail("the page was judged as drawn without its document: \(outcome)")
        }
        XCTAssertTrue(failure.description.contains("for the browser"), failure.description)
        XCTAssertTrue(failure.description.contains("Too many open files"), failure.description)
    }

    /// The control: the same page whose requests succeed is drawn and judged.
    func testThePageIsDrawnWhenTheBrowsersRequestsSucceed() async throws {
        let fake = FakeTransport()
        fake.resolve("a.test", [ObserverPolicyTests.ip1])
        fake.on("http://a.test/", .page())
        let outcome = try await observeDrawn(fake)
        guard case .success(let seen) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertEqual(seen.page?.rendered, true)
        XCTAssertNotNil(seen.staticPage)
        XCTAssertGreaterThanOrEqual(fake.fetches.count, 2, "the browser's request went through the transport")
    }

    /// A request of the page's that ran out of time (the browser's requests share the crawler's
    /// connections and loop, so under load that may be icpaudit's doing) leaves the page
    /// undrawn: the first look is a suspect, to be looked at again with the crawler idle; the
    /// second look's outcome is final.
    func testABrowsersRequestOutOfTimeIsASuspectOnTheFirstLookOnly() async throws {
        for secondLook in [false, true] {
            let fake = FakeTransport()
            fake.resolve("a.test", [ObserverPolicyTests.ip1])
            // The static fetch reads the page; the browser's request for it runs out of time.
            fake.on("http://a.test/", .page(), .fail(.timeout("no answer")))
            let seen = try await observeDrawn(fake, secondLook: secondLook).get()
            XCTAssertNotNil(seen.renderFailure, "the document never reached the browser")
            XCTAssertNotEqual(seen.page?.rendered, true)
            if secondLook {
                XCTAssertNil(seen.suspect, "the second look is final")
            } else {
                let suspect = try XCTUnwrap(seen.suspect, "a drawing cut short by a late request of the crawler's")
                XCTAssertTrue(suspect.outcome.contains("ran out of time: http://a.test/"), suspect.outcome)
            }
        }
    }

    /// Issue 20: root and www that end on the same page (the root redirects to www) are drawn
    /// once, the drawing used for both, and the host given the other's drawing says so.
    func testRootAndWwwEndingOnTheSamePageAreDrawnOnce() async throws {
        let fake = FakeTransport()
        fake.resolve("a.test", [ObserverPolicyTests.ip1])
        fake.resolve("www.a.test", [ObserverPolicyTests.ip1])
        fake.on("http://a.test/", .redirect("http://www.a.test/", status: 301))
        fake.on("http://www.a.test/", .page())
        let seen = try await observeRootAndWww(fake)

        XCTAssertEqual(seen.map { $0.page?.rendered }, [true, true])
        XCTAssertEqual(seen.filter { $0.renderShared != nil }.count, 1, "\(seen.map(\.renderShared))")
        // Two static reads of the page (the root's redirect, the www host) and one by the browser.
        XCTAssertEqual(fake.fetchedURLs.filter { $0 == "http://www.a.test/" }.count, 3, "\(fake.fetchedURLs)")
    }

    /// Root and www that each serve the same page (same path, same static reading, same
    /// scripts) are drawn once; with other scripts, each is drawn.
    func testRootAndWwwServingTheSamePageAreDrawnOnceAndOtherScriptsTwice() async throws {
        for (digests, draws) in [((7, 7), 1), ((7, 8), 2)] {
            let fake = FakeTransport()
            fake.resolve("a.test", [ObserverPolicyTests.ip1])
            fake.resolve("www.a.test", [ObserverPolicyTests.ip1])
            var root = FakeTransport.samplePage, www = FakeTransport.samplePage
            root.scriptsDigest = UInt64(digests.0)
            www.scriptsDigest = UInt64(digests.1)
            fake.on("http://a.test/", .page(root))
            fake.on("http://www.a.test/", .page(www))
            let seen = try await observeRootAndWww(fake)

            XCTAssertEqual(seen.map { $0.page?.rendered }, [true, true])
            XCTAssertEqual(seen.filter { $0.renderShared != nil }.count, 2 - draws, "\(digests)")
            // Each host's page read once statically, and by the browser once per drawing.
            XCTAssertEqual(fake.fetchedURLs.filter { $0 == "http://a.test/" || $0 == "http://www.a.test/" }.count, 2 + draws, "\(fake.fetchedURLs)")
        }
    }

    /// a.test and www.a.test observed at once by one drawing observer (one site).
    private func observeRootAndWww(_ fake: FakeTransport) async throws -> [HostObservation] {
        let (observer, renderer) = try await drawingObserver(fake)
        let ticket = ObserverPolicyTests.ticket()
        async let root = observer.observe("a.test", ticket: ticket)
        async let www = observer.observe("www.a.test", ticket: ticket)
        let seen = try await [root, www]
        await renderer.shutdown()
        return seen
    }

    /// An observer that draws every page (`--render always`) with Debian's chromium.
    private func drawingObserver(_ fake: FakeTransport, secondLook: Bool = false,
                                 _ configure: (inout AuditOptions) -> Void = { _ in }) async throws -> (HostObserver, PageRenderer) {
        try XCTSkipUnless(access(Self.browser, X_OK) == 0, "no chromium")
        var options = ObserverPolicyTests.options
        options.render = .always
        options.browser = Self.browser
        options.renderTimeoutSeconds = 10
        configure(&options)
        let started = try await PageRenderer.start(options)
        let renderer = try XCTUnwrap(started)
        return (HostObserver(options: options, transport: fake, gate: PerIPGate(limit: 8), renderer: renderer, secondLook: secondLook), renderer)
    }

    private func observeDrawn(_ fake: FakeTransport, secondLook: Bool = false) async throws -> Result<HostObservation, CrawlerFailure> {
        let (observer, renderer) = try await drawingObserver(fake, secondLook: secondLook) { $0.timeoutSeconds = 1 }
        let outcome: Result<HostObservation, CrawlerFailure>
        do throws(CrawlerFailure) {
            outcome = .success(try await observer.observe("a.test", ticket: ObserverPolicyTests.ticket()))
        } catch {
            outcome = .failure(error)
        }
        await renderer.shutdown()
        return outcome
    }
}
