import Foundation
import ICPLoop

/// A render failed because of the browser, not the page: the pool restarts it and retries.
struct BrowserTrouble: Error {
    let reason: String
}

/// What the page's events have told one render so far; written on the pipe's reader thread
/// and by request tasks, read by the render's wait loop.
private final class PageState: Sendable {
    private let fields = Locked(Fields())
    private struct Fields {
        var loaded = false
        var inFlight = 0
        var lastActivity = MonotonicClock.milliseconds()
        var navigations: [String] = []
        var trouble: String?
        var rendererCrashed = false
        var mainDocumentRefusal: String?
        var sessions: [String] = []
    }

    /// A change that counts as the page's activity (the quiet before judgement starts again).
    private func update(_ change: (inout Fields) -> Void) {
        fields.withLock { change(&$0); $0.lastActivity = MonotonicClock.milliseconds() }
    }
    func loadStarted() { update { $0.loaded = false } }
    func loadFinished() { update { $0.loaded = true } }
    func requestStarted() { update { $0.inFlight += 1 } }
    func requestEnded() { update { $0.inFlight -= 1 } }
    func navigated(to url: String) { update { $0.navigations.append(url) } }
    func failed(_ why: String) { fields.withLock { if $0.trouble == nil { $0.trouble = why } } }
    func crashed() { fields.withLock { $0.rendererCrashed = true } }
    func refusedMainDocument(_ why: String) { fields.withLock { $0.mainDocumentRefusal = why } }
    func attached(_ session: String) { fields.withLock { $0.sessions.append(session) } }

    /// Loaded, nothing in flight, and quiet for `idle` milliseconds.
    func settled(idle: Int) -> Bool {
        fields.withLock { $0.loaded && $0.inFlight == 0 && MonotonicClock.milliseconds() - $0.lastActivity >= idle }
    }
    var problem: String? { fields.withLock { $0.trouble } }
    var hasCrashed: Bool { fields.withLock { $0.rendererCrashed } }
    var refusal: String? { fields.withLock { $0.mainDocumentRefusal } }
    var chain: [String] { fields.withLock { $0.navigations } }
    var allSessions: [String] { fields.withLock { $0.sessions } }
}

/// One page rendered in a fresh browser context on one browser.
struct RenderAttempt {
    let browser: BrowserInstance
    let url: String
    let device: RenderDevice
    let timeout: Duration
    let idle: Duration
    let network: RenderNetwork

    private var pipe: DevToolsPipe { browser.pipe }
    private var commandTimeout: Duration { browser.commandTimeout }

    /// Throws `BrowserTrouble` when the browser failed (the pool retries), `RenderError.page`
    /// when the page did.
    func run() async throws -> RenderedPage {
        let started = MonotonicClock.milliseconds()
        let deadline = started + Self.milliseconds(timeout)
        let context = try await browserCommand("Target.createBrowserContext", ["disposeOnDetach": true])
            .string("browserContextId") ?? ""
        do {
            let page = try await render(in: context, started: started, deadline: deadline)
            try await dispose(context)
            return page
        } catch {
            try? await dispose(context)
            throw error
        }
    }

    private func render(in context: String, started: Int, deadline: Int) async throws -> RenderedPage {
        _ = try await browserCommand("Browser.setDownloadBehavior", ["behavior": "deny", "browserContextId": context])
        let target = try await browserCommand("Target.createTarget", ["url": "about:blank", "browserContextId": context])
            .string("targetId") ?? ""
        let session = try await browserCommand("Target.attachToTarget", ["targetId": target, "flatten": true])
            .string("sessionId") ?? ""
        let state = PageState()
        state.attached(session)
        listen(session, state: state, mainFrame: target)
        defer { for s in state.allSessions { pipe.stopListening(session: s) } }

        let setup: [(String, [String: Any])] = [
            ("Inspector.enable", [:]),
            ("Page.enable", [:]),
            ("Page.addScriptToEvaluateOnNewDocument", ["source": VisibleDOM.lockdown]),
            ("Fetch.enable", ["patterns": [["urlPattern": "*", "requestStage": "Request"]]]),
            ("Emulation.setDeviceMetricsOverride", [
                "width": device.width, "height": device.height, "deviceScaleFactor": device.deviceScaleFactor,
                "mobile": device.mobile, "screenWidth": device.width, "screenHeight": device.height,
            ]),
            ("Emulation.setTouchEmulationEnabled", device.touch ? ["enabled": true, "maxTouchPoints": 5] : ["enabled": false]),
            ("Emulation.setUserAgentOverride", ["userAgent": device.userAgent, "acceptLanguage": "zh-CN,zh;q=0.9", "platform": device.platform]),
            // Frames and workers in other processes get their own sessions, intercepted as the page is.
            ("Target.setAutoAttach", ["autoAttach": true, "waitForDebuggerOnStart": true, "flatten": true]),
        ]
        for (method, params) in setup { _ = try await pageCommand(method, params, session: session, deadline: deadline) }

        let navigation = try await pageCommand("Page.navigate", ["url": url], session: session, deadline: deadline)
        if let error = navigation.string("errorText"), !error.isEmpty {
            throw RenderError.page("\(url): \(state.refusal.map { "\(error) (\($0))" } ?? error)")
        }
        // The moment of judgement: load, then the network quiet for `idle`, or the deadline
        // less what the snapshot needs.
        let idleMilliseconds = Self.milliseconds(idle)
        let snapshotReserve = min(2000, Self.milliseconds(timeout) / 4)
        var settled = false
        while MonotonicClock.milliseconds() < deadline - snapshotReserve {
            try check(state)
            if state.settled(idle: idleMilliseconds) { settled = true; break }
            try? await Task.sleep(for: .milliseconds(50))
        }
        try check(state)
        let value = try await snapshot(session: session, mainFrame: target, deadline: deadline)
        guard let page = RenderedPage(snapshot: value, navigations: state.chain, settled: settled,
                                      milliseconds: MonotonicClock.milliseconds() - started) else {
            throw RenderError.page("\(url): the page's DOM could not be read")
        }
        return page
    }

    /// The browser's failure (the pool retries) or the page's crashed renderer (the browser goes on).
    private func check(_ state: PageState) throws {
        if let trouble = state.problem { throw BrowserTrouble(reason: trouble) }
        if state.hasCrashed {
            throw RenderError.page("\(url): \(RenderError.rendererCrashed) (a page's scripts may use \(BrowserPool.pageHeapMegabytes) MB of heap)")
        }
    }

    /// Runs the DOM walk in an isolated world, where the page's own scripts cannot have
    /// replaced the built-ins it uses.
    private func snapshot(session: String, mainFrame: String, deadline: Int) async throws -> [String: Any] {
        let world = try await pageCommand("Page.createIsolatedWorld", ["frameId": mainFrame, "worldName": "icpaudit"],
                                          session: session, deadline: deadline + 1000)
        let budget = max(1000, deadline - MonotonicClock.milliseconds())
        let result = try await pageCommand("Runtime.evaluate", [
            "expression": VisibleDOM.snapshot, "contextId": world["executionContextId"] as? Int ?? 0,
            "returnByValue": true, "timeout": budget,
        ], session: session, deadline: MonotonicClock.milliseconds() + budget + 500)
        if let exception = result.object("exceptionDetails") {
            throw RenderError.page("\(url): reading the page failed: \(exception.object("exception")?.string("description") ?? exception.string("text") ?? "exception")")
        }
        guard let value = result.object("result")?.object("value") else {
            throw RenderError.page("\(url): reading the page gave no result")
        }
        return value.value
    }

    private func dispose(_ context: String) async throws {
        _ = try await browserCommand("Target.disposeBrowserContext", ["browserContextId": context])
    }

    /// A command to the browser itself: no answer in time means the browser hangs.
    private func browserCommand(_ method: String, _ params: [String: Any]) async throws -> JSONObject {
        do {
            return try await pipe.send(method, params, timeout: commandTimeout)
        } catch let failure as PipeFailure {
            switch failure {
            case .closed(let why), .timedOut(let why): throw BrowserTrouble(reason: why)
            case .protocolError(let why): throw BrowserTrouble(reason: why)
            }
        }
    }

    /// A command to the page: no answer by the deadline is the page's fault when the browser
    /// itself still answers.
    private func pageCommand(_ method: String, _ params: [String: Any], session: String, deadline: Int) async throws -> JSONObject {
        let wait = max(deadline - MonotonicClock.milliseconds(), 200)
        do {
            return try await pipe.send(method, params, session: session, timeout: .milliseconds(wait))
        } catch let failure as PipeFailure {
            switch failure {
            case .closed(let why): throw BrowserTrouble(reason: why)
            case .timedOut(let why):
                if await browser.responds() { throw RenderError.page("\(url): \(RenderError.outOfTime) (\(why))") }
                throw BrowserTrouble(reason: "the browser stopped answering (\(why))")
            case .protocolError(let why): throw RenderError.page("\(url): \(why)")
            }
        }
    }

    // MARK: Events

    private func listen(_ session: String, state: PageState, mainFrame: String) {
        pipe.listen(session: session) { method, params in
            handle(method, params, session: session, state: state, mainFrame: mainFrame)
        }
    }

    private func handle(_ method: String, _ params: JSONObject, session: String, state: PageState, mainFrame: String) {
        switch method {
        case "Fetch.requestPaused":
            answer(params, session: session, state: state, mainFrame: mainFrame)
        case "Page.frameStartedLoading" where params.string("frameId") == mainFrame:
            state.loadStarted()
        case "Page.loadEventFired":
            state.loadFinished()
        case "Page.frameNavigated":
            if let frame = params.object("frame"), frame.string("parentId") == nil, let url = frame.string("url") {
                state.navigated(to: url)
            }
        case "Page.javascriptDialogOpening":
            Task { _ = try? await pipe.send("Page.handleJavaScriptDialog", ["accept": false], session: session, timeout: commandTimeout) }
        case "Inspector.targetCrashed":
            state.crashed()
        case "Target.attachedToTarget":
            guard let child = params.string("sessionId") else { return }
            state.attached(child)
            listen(child, state: state, mainFrame: mainFrame)
            Task {
                // Not every kind of target has a Fetch domain; those that lack one cannot
                // make requests of their own past the unreachable proxy either.
                _ = try? await pipe.send("Fetch.enable", ["patterns": [["urlPattern": "*", "requestStage": "Request"]]], session: child, timeout: commandTimeout)
                _ = try? await pipe.send("Target.setAutoAttach", ["autoAttach": true, "waitForDebuggerOnStart": true, "flatten": true], session: child, timeout: commandTimeout)
                _ = try? await pipe.send("Runtime.runIfWaitingForDebugger", session: child, timeout: commandTimeout)
            }
        case DevToolsPipe.closedEvent:
            state.failed("the browser closed its DevTools pipe")
        default:
            break
        }
    }

    /// Hands a paused request to the caller's network and answers the browser with what it says.
    private func answer(_ params: JSONObject, session: String, state: PageState, mainFrame: String) {
        guard let id = params.string("requestId"), let request = params.object("request") else { return }
        let isMain = params.string("resourceType") == "Document" && params.string("frameId") == mainFrame
        var headers: [String: String] = [:]
        for (name, value) in request.object("headers")?.value ?? [:] { headers[name] = value as? String ?? "\(value)" }
        let body = (request["postDataEntries"] as? [[String: Any]])?.compactMap { entry -> [UInt8]? in
            (entry["bytes"] as? String).flatMap { Data(base64Encoded: $0) }.map(Array.init)
        }.flatMap { $0 }
        let renderRequest = RenderRequest(url: request.string("url") ?? "", method: request.string("method") ?? "GET",
                                          headers: headers, body: body, resourceType: params.string("resourceType") ?? "Other",
                                          isMainDocument: isMain)
        state.requestStarted()
        Task { [network, pipe, commandTimeout] in
            defer { state.requestEnded() }
            switch await network(renderRequest) {
            case .response(let status, let headers, let body) where body.count <= BrowserPool.maxBodyBytes:
                _ = try? await pipe.send("Fetch.fulfillRequest", [
                    "requestId": id, "responseCode": status,
                    "responseHeaders": headers.map { ["name": $0.name, "value": $0.value] },
                    "body": Data(body).base64EncodedString(),
                ], session: session, timeout: commandTimeout)
            case .response(_, _, let body):
                if isMain { state.refusedMainDocument("body of \(body.count) bytes is over the limit") }
                _ = try? await pipe.send("Fetch.failRequest", ["requestId": id, "errorReason": "BlockedByClient"], session: session, timeout: commandTimeout)
            case .blocked(let why):
                if isMain { state.refusedMainDocument(why) }
                _ = try? await pipe.send("Fetch.failRequest", ["requestId": id, "errorReason": "BlockedByClient"], session: session, timeout: commandTimeout)
            }
        }
    }

    static func milliseconds(_ d: Duration) -> Int {
        Int(d.components.seconds) * 1000 + Int(d.components.attoseconds / 1_000_000_000_000_000)
    }
}
