#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// One running browser: its process and its DevTools pipe. The pool replaces it whole when it
/// crashes or hangs.
final class BrowserInstance: Sendable {
    let process: ChromeProcess
    let pipe: DevToolsPipe
    let generation: Int
    let commandTimeout: Duration

    private init(process: ChromeProcess, pipe: DevToolsPipe, generation: Int, commandTimeout: Duration) {
        self.process = process
        self.pipe = pipe
        self.generation = generation
        self.commandTimeout = commandTimeout
    }

    /// Starts a browser and waits until it answers. `onClose` runs (on the pipe's reader
    /// thread) when the browser goes away on its own or is stopped.
    static func start(executable: String, generation: Int, commandTimeout: Duration,
                      onClose: @escaping @Sendable (String) -> Void) async throws(RenderError) -> BrowserInstance {
        let process = try ChromeProcess.launch(executable: executable)
        let pipe = DevToolsPipe(commandFD: process.commandFD, eventFD: process.eventFD, onClose: onClose)
        pipe.start()
        let browser = BrowserInstance(process: process, pipe: pipe, generation: generation, commandTimeout: commandTimeout)
        pipe.listen(session: DevToolsPipe.browserSession) { [weak browser] method, params in
            browser?.closePopup(method, params)
        }
        do {
            // Starting takes seconds on a busy machine: longer than a running browser may hang.
            _ = try await pipe.send("Target.setDiscoverTargets", ["discover": true], timeout: max(commandTimeout, .seconds(30)))
        } catch {
            browser.stop()
            throw .browser("\(executable) did not start: \(error)")
        }
        return browser
    }

    /// A page a page opened (window.open, target=_blank) is closed at once: only the audited
    /// page is rendered, and a pop-up's requests are not intercepted (they would fail at the
    /// unreachable proxy anyway).
    private func closePopup(_ method: String, _ params: JSONObject) {
        guard method == "Target.targetCreated", let info = params.object("targetInfo"),
              info.string("type") == "page", info.string("openerId") != nil,
              let target = info.string("targetId") else { return }
        Task { _ = try? await pipe.send("Target.closeTarget", ["targetId": target], timeout: commandTimeout) }
    }

    /// Answers within a few seconds: the browser is alive (a page that does not answer is the page's fault).
    func responds() async -> Bool {
        (try? await pipe.send("Browser.getVersion", timeout: .seconds(3))) != nil
    }

    /// Kills the process tree, reaps it, removes the profile, ends the reader thread. Idempotent.
    func stop() {
        process.kill()
        pipe.join()
    }
}
