#if canImport(Glibc)
import Glibc
#endif
import CCurl
import ICPLoop
import ICPModel

/// A curl multi handle driven by an `EventLoop`: curl's sockets join the loop's epoll set and
/// its timer is one of the loop's timers. Every method must be called on the loop's thread.
public final class Fetcher: LoopTimerSource {
    /// The site's answer, or icpaudit's own failure (never the site's).
    public typealias Completion = (Result<FetchResult, OwnFailure>) -> Void
    /// Called once the status and headers are in, to give the body to a sink (or drop it).
    public typealias SinkFactory = (_ status: Int, _ contentType: String?) -> BodySink?

    private let loop: EventLoop
    // Loop-confined from here on; nil once shut down.
    private var multi: UnsafeMutableRawPointer?
    private var timerDeadline: Int?
    /// Transfers in flight, by easy handle: they live as long as curl has them.
    private var inFlight: [UnsafeMutableRawPointer: Transfer] = [:]
    private var idleHandles: [UnsafeMutableRawPointer] = []

    public init(loop: EventLoop) {
        self.loop = loop
        _ = Fetcher.globalInit
        let multi = curl_multi_init()
        self.multi = multi
        let me = Unmanaged.passUnretained(self).toOpaque()
        _ = icp_multi_setopt_socket_cb(multi) { _, fd, what, userp, _ in
            Unmanaged<Fetcher>.fromOpaque(userp!).takeUnretainedValue().socketChanged(fd, what)
            return 0
        }
        _ = icp_multi_setopt_ptr(multi, CURLMOPT_SOCKETDATA, me)
        _ = icp_multi_setopt_timer_cb(multi) { _, ms, userp in
            Unmanaged<Fetcher>.fromOpaque(userp!).takeUnretainedValue().timerChanged(ms)
            return 0
        }
        _ = icp_multi_setopt_ptr(multi, CURLMOPT_TIMERDATA, me)
        loop.addTimerSource(self)
    }

    static let idleHandleLimit = 64

    private static let globalInit: Void = { _ = curl_global_init(Int(CURL_GLOBAL_ALL)) }()

    /// Starts a transfer; `completion` is called exactly once, on the loop, also when the
    /// transfer could not even start.
    public func start(_ request: FetchSpec, sink: @escaping SinkFactory, completion: @escaping Completion) {
        loop.assertInEventLoop()
        guard let multi, let easy = idleHandles.popLast() ?? curl_easy_init() else {
            completion(.failure(OwnFailure(self.multi == nil ? "fetcher shut down" : "curl_easy_init failed")))
            return
        }
        let transfer = Transfer(easy: easy, request: request, sinkFactory: sink, completion: completion)
        transfer.busyAtStart = loop.busyNanoseconds
        var refused = transfer.configure()
        if refused == nil, case let rc = curl_multi_add_handle(multi, easy), rc != CURLM_OK {
            refused = "curl_multi_add_handle: \(String(cString: curl_multi_strerror(rc)))"
        }
        if let refused {
            transfer.release()
            curl_easy_cleanup(easy)
            completion(.failure(OwnFailure(refused)))
            return
        }
        inFlight[easy] = transfer
    }

    /// Ends every transfer in flight (each completes with an `OwnFailure`) and frees curl's
    /// handles. Loop thread only; the fetcher completes any later `start` at once with one.
    public func shutdown() {
        loop.assertInEventLoop()
        guard let multi else { return }
        let ended = inFlight
        inFlight = [:]
        for (easy, transfer) in ended {
            _ = curl_multi_remove_handle(multi, easy)
            transfer.release()
            curl_easy_cleanup(easy)
        }
        for easy in idleHandles { curl_easy_cleanup(easy) }
        idleHandles.removeAll()
        curl_multi_cleanup(multi)
        self.multi = nil
        for transfer in ended.values { transfer.completion(.failure(OwnFailure("fetcher shut down"))) }
    }

    private func socketChanged(_ fd: curl_socket_t, _ what: Int32) {
        loop.assertInEventLoop()
        if what == CURL_POLL_REMOVE {
            loop.unwatch(fd)
            return
        }
        let readable = what == CURL_POLL_IN || what == CURL_POLL_INOUT
        let writable = what == CURL_POLL_OUT || what == CURL_POLL_INOUT
        loop.watch(fd, readable: readable, writable: writable) { [unowned self] r, w in
            guard let multi else { return }
            var stillRunning: Int32 = 0
            let mask = (r ? CURL_CSELECT_IN : 0) | (w ? CURL_CSELECT_OUT : 0)
            _ = curl_multi_socket_action(multi, fd, Int32(mask), &stillRunning)
            drainCompletions()
        }
    }

    private func timerChanged(_ ms: Int) {
        timerDeadline = ms < 0 ? nil : MonotonicClock.milliseconds() + ms
    }

    public func millisecondsUntilTimer() -> Int? {
        guard let deadline = timerDeadline else { return nil }
        return max(0, deadline - MonotonicClock.milliseconds())
    }

    public func timerFired() {
        timerDeadline = nil
        guard let multi else { return }
        var stillRunning: Int32 = 0
        _ = curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &stillRunning)
        drainCompletions()
    }

    private func drainCompletions() {
        guard let multi else { return }
        var left: Int32 = 0
        while let msg = curl_multi_info_read(multi, &left) {
            guard msg.pointee.msg == CURLMSG_DONE, let easy = msg.pointee.easy_handle else { continue }
            let code = icp_msg_result(msg)
            guard let transfer = inFlight[easy] else { continue }
            end(easy, transfer, code: code)
        }
    }

    private func end(_ easy: UnsafeMutableRawPointer, _ transfer: Transfer, code: CURLcode) {
        guard let multi else { return }
        inFlight[easy] = nil
        _ = curl_multi_remove_handle(multi, easy)
        let busy = (loop.busyNanoseconds - transfer.busyAtStart) / 1_000_000, now = MonotonicClock.milliseconds()
        let result = transfer.finish(code).map { answer in
            var answer = answer
            answer.loopBusyMilliseconds = busy
            answer.completedAt = now
            return answer
        }
        // Reuse a few handles; past that, free them so a burst does not pin their buffers.
        if idleHandles.count < Fetcher.idleHandleLimit {
            curl_easy_reset(easy)
            idleHandles.append(easy)
        } else {
            curl_easy_cleanup(easy)
        }
        transfer.completion(result)
    }
}
