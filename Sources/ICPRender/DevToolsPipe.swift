#if canImport(Glibc)
import Glibc
#endif
import Foundation
import ICPLoop
import Synchronization

/// A DevTools protocol message or result, as Foundation's JSON parser gives it. Only ever read
/// after it is handed over, so it may cross threads.
struct JSONObject: @unchecked Sendable {
    let value: [String: Any]
    init(_ value: [String: Any]) { self.value = value }
    subscript(key: String) -> Any? { value[key] }
    func string(_ key: String) -> String? { value[key] as? String }
    func object(_ key: String) -> JSONObject? { (value[key] as? [String: Any]).map(JSONObject.init) }
}

/// Why a DevTools command got no answer.
enum PipeFailure: Error, Sendable {
    /// The browser is gone (pipe closed, process dead).
    case closed(String)
    /// No answer within the command's deadline.
    case timedOut(String)
    /// The browser answered with a protocol error (a closed target, a bad id).
    case protocolError(String)
}

/// The browser's side of `--remote-debugging-pipe`: commands are written as JSON terminated by
/// a NUL byte; a reader thread splits what comes back into answers (resumed by command id) and
/// events (handed to the listener of their session).
final class DevToolsPipe: Sendable {
    typealias Listener = @Sendable (_ method: String, _ params: JSONObject) -> Void

    private let commandFD: Int32
    private let eventFD: Int32
    /// Commands waiting for their answers, and the sessions' listeners.
    private let state = Locked(State())
    private struct State {
        var nextID = 1
        var pending: [Int: Waiter] = [:]
        var listeners: [String: Listener] = [:]
        var closedReason: String?
    }
    private struct Waiter {
        var continuation: CheckedContinuation<JSONObject, Error>
        var method: String
        /// Fails the command at its deadline; cancelled when the answer comes first.
        var watchdog: Task<Void, Error>?
    }
    /// Held while one message is written, so messages never interleave; holds why writing
    /// failed for good, if it has.
    private let stalled = Locked<String?>(nil)
    /// How long one message may wait for the browser to read.
    static let stallLimit = 5000
    private let reader = Locked<pthread_t?>(nil)
    private let stopRequested = Atomic<Bool>(false)
    private let joined = Atomic<Bool>(false)
    private let onClose: @Sendable (String) -> Void

    /// The pseudo-event every listener gets when the pipe closes.
    static let closedEvent = "Pipe.closed"
    /// Listener key for events without a session (the browser target's own).
    static let browserSession = ""

    init(commandFD: Int32, eventFD: Int32, onClose: @escaping @Sendable (String) -> Void) {
        _ = fcntl(commandFD, F_SETFL, fcntl(commandFD, F_GETFL) | O_NONBLOCK)
        self.commandFD = commandFD
        self.eventFD = eventFD
        self.onClose = onClose
    }

    func start() {
        let box = Unmanaged.passRetained(self).toOpaque()
        var tid = pthread_t()
        let rc = pthread_create(&tid, nil, { arg in
            let pipe = Unmanaged<DevToolsPipe>.fromOpaque(arg!).takeRetainedValue()
            pipe.readLoop()
            return nil
        }, box)
        precondition(rc == 0, "pthread_create: \(rc)")
        reader.withLock { $0 = tid }
    }

    /// Ends the reader thread (at EOF, or within its poll interval), waits for it, and closes
    /// both descriptors. Call after the browser process is killed; later calls do nothing.
    func join() {
        guard !joined.exchange(true, ordering: .acquiringAndReleasing) else { return }
        stopRequested.store(true, ordering: .releasing)
        if let thread = reader.withLock({ $0.take() }) { pthread_join(thread, nil) }
        close(commandFD)
        close(eventFD)
    }

    func listen(session: String, _ listener: @escaping Listener) {
        let closed = state.withLock { s -> String? in
            if s.closedReason == nil { s.listeners[session] = listener }
            return s.closedReason
        }
        if closed != nil { listener(Self.closedEvent, JSONObject([:])) }
    }

    func stopListening(session: String) {
        state.withLock { _ = $0.listeners.removeValue(forKey: session) }
    }

    /// Sends one command and waits for its answer, at most `timeout`.
    func send(_ method: String, _ params: [String: Any] = [:], session: String? = nil,
              timeout: Duration) async throws -> JSONObject {
        var message: [String: Any] = ["method": method, "params": params]
        if let session { message["sessionId"] = session }
        let id = state.withLock { s -> Int in
            defer { s.nextID += 1 }
            return s.nextID
        }
        message["id"] = id
        let bytes: Data
        do {
            bytes = try JSONSerialization.data(withJSONObject: message)
        } catch {
            throw PipeFailure.protocolError("\(method): parameters are not JSON")
        }
        return try await withCheckedThrowingContinuation { continuation in
            let closed = state.withLock { s -> String? in
                if s.closedReason == nil { s.pending[id] = Waiter(continuation: continuation, method: method) }
                return s.closedReason
            }
            if let closed {
                continuation.resume(throwing: PipeFailure.closed(closed))
                return
            }
            let watchdog = Task { [weak self] in
                try await Task.sleep(for: timeout)
                self?.resume(id, with: .failure(PipeFailure.timedOut("\(method) unanswered after \(timeout)")))
            }
            let answered = state.withLock { s -> Bool in
                s.pending[id]?.watchdog = watchdog
                return s.pending[id] == nil
            }
            if answered { watchdog.cancel() }
            if let failure = write(bytes) { resume(id, with: .failure(PipeFailure.closed(failure))) }
        }
    }

    private func resume(_ id: Int, with result: Result<JSONObject, Error>) {
        guard let waiter = state.withLock({ $0.pending.removeValue(forKey: id) }) else { return }
        waiter.watchdog?.cancel()
        waiter.continuation.resume(with: result)
    }

    /// Writes one message and its NUL; the reason on failure (the browser closed its end, or
    /// has not read for `stallLimit`, being hung). The descriptor is non-blocking, so a caller
    /// never blocks longer than that; once stalled, the pipe refuses every later message.
    private func write(_ message: Data) -> String? {
        stalled.withLock { stalled in
            if let stalled { return stalled }
            var framed = message
            framed.append(0)
            let failure = framed.withUnsafeBytes { raw -> String? in
                var offset = 0
                let giveUp = MonotonicClock.milliseconds() + Self.stallLimit
                while offset < raw.count {
                    let n = Glibc.write(commandFD, raw.baseAddress! + offset, raw.count - offset)
                    if n >= 0 { offset += n; continue }
                    if errno == EINTR { continue }
                    guard errno == EAGAIN else { return "writing to the browser: \(String(cString: strerror(errno)))" }
                    let left = giveUp - MonotonicClock.milliseconds()
                    if left <= 0 { return "the browser stopped reading its DevTools pipe" }
                    var poller = pollfd(fd: commandFD, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&poller, 1, Int32(left))
                }
                return nil
            }
            stalled = failure
            return failure
        }
    }

    private func readLoop() {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        var reason = "the browser closed its DevTools pipe"
        while true {
            // Polled, so that `join()` returns even if some process of the browser kept the
            // pipe's write end open after the kill.
            var poller = pollfd(fd: eventFD, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, 200)
            if stopRequested.load(ordering: .acquiring) { reason = "the browser was stopped"; break }
            if ready == 0 || (ready < 0 && errno == EINTR) { continue }
            let n = chunk.withUnsafeMutableBytes { read(eventFD, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 {
                if n < 0 { reason = "reading from the browser: \(String(cString: strerror(errno)))" }
                break
            }
            var start = buffer.count
            buffer.append(contentsOf: chunk[0..<n])
            var consumed = 0
            while let end = buffer[start...].firstIndex(of: 0) {
                dispatch(buffer[consumed..<end])
                consumed = end + 1
                start = consumed
            }
            if consumed > 0 { buffer.removeFirst(consumed) }
        }
        let (waiters, toldListeners) = state.withLock { s -> ([Waiter], [Listener]) in
            s.closedReason = reason
            defer { s.pending.removeAll(); s.listeners.removeAll() }
            return (Array(s.pending.values), Array(s.listeners.values))
        }
        for waiter in waiters {
            waiter.watchdog?.cancel()
            waiter.continuation.resume(throwing: PipeFailure.closed(reason))
        }
        for listener in toldListeners { listener(Self.closedEvent, JSONObject([:])) }
        onClose(reason)
    }

    private func dispatch(_ bytes: ArraySlice<UInt8>) {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] else { return }
        let message = JSONObject(object)
        if let id = message["id"] as? Int {
            if let error = message.object("error") {
                let method = state.withLock { $0.pending[id]?.method } ?? "command"
                resume(id, with: .failure(PipeFailure.protocolError("\(method): \(error.string("message") ?? "error")")))
            } else {
                resume(id, with: .success(message.object("result") ?? JSONObject([:])))
            }
            return
        }
        guard let method = message.string("method") else { return }
        let session = message.string("sessionId") ?? Self.browserSession
        let listener = state.withLock { $0.listeners[session] }
        listener?(method, message.object("params") ?? JSONObject([:]))
    }
}
