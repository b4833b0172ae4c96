#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// One long-lived headless Chromium, rendering at most `concurrency` pages at a time, each in
/// its own browser context (cookies, storage and cache never pass from one site to the next).
///
/// The browser sends no request of its own: each request of a page goes to the render's
/// `RenderNetwork`, and whatever escapes interception fails at an unresolvable proxy.
/// A browser that crashes or stops answering is killed and started again; the renders it held
/// are retried once on the new one, then fail with `RenderError.browser`.
///
/// Usage: create one pool per run, call `render` from any task, `shutdown()` at the end.
public actor BrowserPool {
    public struct Options: Sendable {
        /// The Chromium executable (`--browser PATH`).
        public var executable: String
        /// Pages rendered at once (`--render-concurrency`).
        public var concurrency: Int
        /// How long the browser itself may take to answer a command before it is deemed hung.
        public var commandTimeout: Duration
        /// Network quiet after the load event that counts as settled.
        public var idle: Duration

        /// Debian's `chromium-headless-shell` (the engine's automation build: a seventh of the
        /// full browser's CPU per drawn page, same findings; docs/benchmarks.md, bench-render part c)
        /// when it is installed, else `chromium`.
        public static let defaultExecutable = access(headlessShell, X_OK) == 0 ? headlessShell : "/usr/bin/chromium"
        static let headlessShell = "/usr/lib/chromium/chromium-headless-shell"

        public init(executable: String = Options.defaultExecutable, concurrency: Int = 2,
                    commandTimeout: Duration = .seconds(10), idle: Duration = .milliseconds(500)) {
            self.executable = executable
            self.concurrency = max(1, concurrency)
            self.commandTimeout = commandTimeout
            self.idle = idle
        }
    }

    /// The largest response body handed to the browser; a larger one fails like a blocked request.
    public static let maxBodyBytes = 16 << 20
    /// A page's JavaScript heap (V8's old space, `--max-old-space-size`): past it V8 stops the
    /// page's renderer, the page is a render failure of the site's, and the browser goes on. An
    /// ordinary page uses a few tens of MB; a page that keeps allocating would take the machine.
    public static let pageHeapMegabytes = 256

    public let options: Options
    private var browser: BrowserInstance?
    private var starting: Task<BrowserInstance, Error>?
    private var generation = 0
    private var freeSlots: Int
    private var slotWaiters: [CheckedContinuation<Void, Never>] = []
    private var closed = false
    /// Browsers replaced after a crash or hang (not counting the first start).
    public private(set) var restarts = 0

    public init(options: Options = Options()) {
        self.options = options
        freeSlots = options.concurrency
    }

    /// Starts the browser now rather than at the first render, to learn early whether one can
    /// run (SPEC: without a browser, `--render auto` warns once and falls back).
    public func start() async throws(RenderError) {
        _ = try await currentBrowser()
    }

    /// Renders `url` as `device` sees it. `timeout` bounds one attempt, counted from when the
    /// render gets its slot (waiting for a slot is not counted); a retry after a browser failure
    /// gets a fresh `timeout`. Returns the page at the moment of judgement: after the load event
    /// and `idle` of network quiet, or at the deadline with whatever is drawn then
    /// (`settled == false`).
    ///
    /// Throws `RenderError.browser` for a crawler failure (never a site finding), and
    /// `RenderError.page` when the page's main document was refused or failed, or the page
    /// kept its renderer busy past the deadline.
    public func render(url: String, device: RenderDevice, timeout: Duration,
                       network: @escaping RenderNetwork) async throws(RenderError) -> RenderedPage {
        try await acquireSlot()
        defer { releaseSlot() }
        var trouble = ""
        for _ in 0..<2 {
            let browser = try await currentBrowser()
            let attempt = RenderAttempt(browser: browser, url: url, device: device, timeout: timeout, idle: options.idle, network: network)
            do {
                return try await attempt.run()
            } catch let failure as RenderError {
                throw failure
            } catch let failure as BrowserTrouble {
                trouble = failure.reason
                await replace(browser)
            } catch {
                trouble = "\(error)"
                await replace(browser)
            }
            if closed { throw .browser("the renderer was shut down") }
        }
        throw .browser("rendering \(url) failed twice, the browser restarted each time: \(trouble)")
    }

    /// Kills the browser (its whole process tree), reaps it, removes its profile directory and
    /// ends its reader thread. Renders in flight fail with `RenderError.browser`; later ones too.
    public func shutdown() async {
        closed = true
        starting?.cancel()
        let last = browser
        browser = nil
        if let last { await Self.stopOffActor(last) }
        for waiter in slotWaiters { waiter.resume() }
        slotWaiters.removeAll()
    }

    /// The running browser's process id (tests, measurements).
    public var browserProcessID: pid_t? { browser?.process.pid }

    /// Memory of the running browser's processes (zero when none runs).
    public func browserMemory() -> BrowserMemory { browser?.process.memory() ?? BrowserMemory(proportional: 0, resident: 0) }

    // MARK: Browser lifecycle

    private func currentBrowser() async throws(RenderError) -> BrowserInstance {
        if closed { throw .browser("the renderer was shut down") }
        if let browser { return browser }
        let task: Task<BrowserInstance, Error>
        if let starting {
            task = starting
        } else {
            generation += 1
            let generation = self.generation
            let options = self.options
            task = Task {
                // A start can fail for a moment (the machine short of memory, the old browser's
                // processes still going): it is tried again before the run is given up.
                var failure: Error = RenderError.browser("not started")
                for launch in 0..<Self.launchAttempts {
                    if launch > 0 { try await Task.sleep(for: Self.launchBackoff * (1 << (launch - 1))) }
                    do {
                        return try await BrowserInstance.start(executable: options.executable, generation: generation,
                                                               commandTimeout: options.commandTimeout) { [weak self] _ in
                            guard let self else { return }
                            Task { await self.browserClosed(generation: generation) }
                        }
                    } catch {
                        failure = error
                    }
                }
                throw failure
            }
            starting = task
        }
        do {
            let started = try await task.value
            if starting == task { starting = nil }
            if closed {
                await Self.stopOffActor(started)
                throw RenderError.browser("the renderer was shut down")
            }
            if browser == nil { browser = started }
            return started
        } catch {
            if starting == task { starting = nil }
            throw error as? RenderError ?? .browser("\(error)")
        }
    }

    static let launchAttempts = 3
    static let launchBackoff = Duration.milliseconds(500)

    /// The browser went away on its own (crash, kill): reap it now, so no zombie is left even
    /// when no render notices.
    private func browserClosed(generation: Int) async {
        guard let browser, browser.generation == generation else { return }
        await replace(browser)
    }

    /// Stops `failed` if it is still the current browser; the next render starts a new one.
    private func replace(_ failed: BrowserInstance) async {
        guard browser === failed else { return }
        browser = nil
        restarts += 1
        await Self.stopOffActor(failed)
    }

    /// Killing and joining block for a moment; not on the actor's executor.
    private static func stopOffActor(_ browser: BrowserInstance) async {
        await Task.detached { browser.stop() }.value
    }

    // MARK: Slots

    private func acquireSlot() async throws(RenderError) {
        if closed { throw .browser("the renderer was shut down") }
        if freeSlots > 0 {
            freeSlots -= 1
            return
        }
        await withCheckedContinuation { slotWaiters.append($0) }
        if closed { throw .browser("the renderer was shut down") }
    }

    private func releaseSlot() {
        if slotWaiters.isEmpty {
            freeSlots += 1
        } else {
            slotWaiters.removeFirst().resume()
        }
    }
}
