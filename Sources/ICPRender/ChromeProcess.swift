#if canImport(Glibc)
import Glibc
#endif
import Foundation
import ICPLoop

/// One headless Chromium process tree, driven over `--remote-debugging-pipe`: the browser reads
/// DevTools commands from its fd 3 and writes answers and events to its fd 4.
///
/// It runs in its own process group, so that `kill()` takes its renderers and helpers with it,
/// and in a throwaway profile directory that `kill()` removes.
final class ChromeProcess: Sendable {
    let pid: pid_t
    /// Where we write commands (the browser's fd 3).
    let commandFD: Int32
    /// Where we read answers and events (the browser's fd 4).
    let eventFD: Int32
    let profile: String
    private let reaped = Locked(false)

    /// Flags that keep the browser quiet (no traffic of its own, no first-run UI, no crash
    /// reporter) and make every request it does not hand to DevTools fail without leaving the
    /// machine: names resolve to nothing and everything else goes to a proxy that cannot resolve.
    static func arguments(profile: String) -> [String] {
        var args = [
            "--headless=new", "--remote-debugging-pipe", "--user-data-dir=\(profile)",
            "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-extensions", "--disable-default-apps",
            "--disable-domain-reliability", "--disable-client-side-phishing-detection", "--disable-breakpad",
            "--disable-crash-reporter", "--no-pings", "--metrics-recording-only", "--password-store=basic",
            "--mute-audio", "--disable-dev-shm-usage", "--disable-gpu", "--hide-scrollbars",
            "--disable-notifications", "--deny-permission-prompts", "--disable-hang-monitor",
            "--disable-prompt-on-repost", "--lang=zh-CN", "--accept-lang=zh-CN,zh",
            // Frames stay in the page's process, so the page's Fetch interception sees their requests.
            // HttpsUpgrades: http navigations stay http. The page is the one the static walk ended
            // on; an upgraded request the site cannot answer (no TLS, a certificate for another
            // name) is failed back as blocked, and Chromium would not fall back to http.
            "--disable-features=IsolateOrigins,site-per-process,Translate,OptimizationHints,MediaRouter,AutofillServerCommunication,InterestFeedContentSuggestions,PrivacySandboxSettings4,HttpsUpgrades",
            "--disable-site-isolation-trials",
            "--js-flags=--max-old-space-size=\(BrowserPool.pageHeapMegabytes)",
            // The safety net under Fetch interception: no DNS of its own, and whatever escapes
            // interception (a popup's, a worker's request, a WebSocket) goes to a proxy that
            // cannot be reached, loopback included.
            "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=http://proxy.invalid:1",
            "--proxy-bypass-list=<-loopback>", "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
            "--webrtc-ip-handling-policy=disable_non_proxied_udp",
            "--window-size=1920,1080",
        ]
        // Chromium's sandbox refuses to run as root; as any other user it stays on.
        if geteuid() == 0 { args.append("--no-sandbox") }
        args.append("about:blank")
        return args
    }

    private init(pid: pid_t, commandFD: Int32, eventFD: Int32, profile: String) {
        self.pid = pid
        self.commandFD = commandFD
        self.eventFD = eventFD
        self.profile = profile
    }

    /// Starts `executable` in a new profile directory under the system's temporary directory.
    static func launch(executable: String) throws(RenderError) -> ChromeProcess {
        Self.brokenPipesAreErrors()
        guard access(executable, X_OK) == 0 else { throw .browser("no browser at \(executable) (install chromium, or pass --browser PATH)") }
        var template = Array((NSTemporaryDirectory() + "/icpaudit-chromium-XXXXXX").utf8CString)
        guard let dir = mkdtemp(&template) else { throw .browser("cannot create a browser profile directory: \(String(cString: strerror(errno)))") }
        let profile = String(cString: dir)
        do {
            return try spawn(executable: executable, profile: profile)
        } catch {
            try? FileManager.default.removeItem(atPath: profile)
            throw error
        }
    }

    private static func spawn(executable: String, profile: String) throws(RenderError) -> ChromeProcess {
        // Our ends stay close-on-exec; the browser's ends are numbered past 4 so that dup2 onto
        // 3 and 4 always makes a fresh, inheritable descriptor.
        guard let toBrowser = pipeAbove(4), let fromBrowser = pipeAbove(4) else {
            throw .browser("cannot create the DevTools pipe: \(String(cString: strerror(errno)))")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, toBrowser.read, 3)
        posix_spawn_file_actions_adddup2(&actions, fromBrowser.write, 4)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        var unmasked = sigset_t()
        sigemptyset(&unmasked)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &unmasked)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = [executable] + arguments(profile: profile)
        var cArgs = argv.map { strdup($0) }
        cArgs.append(nil)
        defer { for p in cArgs { free(p) } }
        // Chromium's crash handler keeps its database under the XDG config directory and runs
        // outside the browser's process group: both are kept inside the profile, to be found
        // and removed with it.
        var environment = ProcessInfo.processInfo.environment
        environment["XDG_CONFIG_HOME"] = profile + "/config"
        var cEnvironment = environment.map { strdup("\($0.key)=\($0.value)") }
        cEnvironment.append(nil)
        defer { for p in cEnvironment { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, cArgs, cEnvironment)
        close(toBrowser.read)
        close(fromBrowser.write)
        guard rc == 0 else {
            close(toBrowser.write)
            close(fromBrowser.read)
            throw .browser("cannot start \(executable): \(String(cString: strerror(rc)))")
        }
        return ChromeProcess(pid: pid, commandFD: toBrowser.write, eventFD: fromBrowser.read, profile: profile)
    }

    /// A browser that died leaves a pipe without a reader: writing to it must fail with EPIPE
    /// (a browser failure, restarted) rather than kill the whole run with SIGPIPE. Linux has no
    /// per-descriptor switch for pipes, so the signal is ignored process-wide, once.
    private static func brokenPipesAreErrors() { _ = ignoringSIGPIPE }
    private static let ignoringSIGPIPE: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

    /// A close-on-exec pipe whose descriptors are both above `floor`. (Glibc's module lacks
    /// pipe2; the plain pipe's descriptors live only for the moment they are duplicated.)
    private static func pipeAbove(_ floor: Int32) -> (read: Int32, write: Int32)? {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return nil }
        let high = fds.map { fcntl($0, F_DUPFD_CLOEXEC, floor + 1) }
        for fd in fds { close(fd) }
        guard high.allSatisfy({ $0 >= 0 }) else {
            for fd in high where fd >= 0 { close(fd) }
            return nil
        }
        return (high[0], high[1])
    }

    /// Kills the whole process group, reaps the browser and removes its profile. Idempotent.
    func kill() {
        let first = reaped.withLock { reaped in
            defer { reaped = true }
            return !reaped
        }
        guard first else { return }
        Glibc.kill(-pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // The crash handler left the group (it daemonises); it names the profile on its command line.
        for helper in processes(naming: profile) { Glibc.kill(helper, SIGKILL) }
        try? FileManager.default.removeItem(atPath: profile)
    }

    /// Processes whose command line contains `text`.
    private func processes(naming text: String) -> [pid_t] {
        let needle = Array(text.utf8)
        return ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { entry in
            guard entry.first?.isNumber == true, let id = pid_t(entry),
                  let cmdline = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { return nil }
            let bytes = [UInt8](cmdline)
            guard bytes.count >= needle.count else { return nil }
            for start in 0...(bytes.count - needle.count) where bytes[start] == needle[0] && Array(bytes[start..<start + needle.count]) == needle {
                return id
            }
            return nil
        }
    }

    /// Memory of the browser's process group, in bytes: the sum of its processes' proportional
    /// set sizes (shared pages divided among the processes sharing them) and of their resident
    /// sizes (shared pages counted in each process: an overestimate).
    func memory() -> BrowserMemory {
        var total = BrowserMemory(proportional: 0, resident: 0)
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard entry.first?.isNumber == true,
                  let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            // After "pid (comm)": state ppid pgrp …
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 2, Int32(fields[2]) == pid,
                  let rollup = try? String(contentsOfFile: "/proc/\(entry)/smaps_rollup", encoding: .utf8) else { continue }
            func kilobytes(_ key: String) -> Int {
                rollup.split(separator: "\n").first { $0.hasPrefix(key) }?.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
            }
            total.proportional += kilobytes("Pss:") * 1024
            total.resident += kilobytes("Rss:") * 1024
        }
        return total
    }
}
