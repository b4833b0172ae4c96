#if canImport(Glibc)
import Glibc
#endif
import CSysEvent
import Synchronization

/// Something that keeps its own timers on a loop (curl's multi timer, c-ares' timeouts).
public protocol LoopTimerSource: AnyObject {
    /// Milliseconds until it next needs `timerFired`, nil for none.
    func millisecondsUntilTimer() -> Int?
    func timerFired()
}

/// One thread, one epoll set. Everything attached to a loop (curl multi handle, c-ares channel)
/// is touched only on that thread; other threads hand work over with `execute`, which takes one
/// lock per submission and wakes the loop through an eventfd.
public final class EventLoop: @unchecked Sendable {
    public typealias IOHandler = (_ readable: Bool, _ writable: Bool) -> Void

    private let epollFD: Int32
    private let wakeFD: Int32
    /// Jobs handed over by other threads; `closed` is set by `shutdown()`, after which no job is taken.
    private let inbox = Locked(Inbox())
    private struct Inbox {
        var jobs: [@Sendable () -> Void] = []
        var closed = false
    }
    private let wakePending = Atomic<Bool>(false)

    // Loop-thread state.
    private var handlers: [Int32: IOHandler] = [:]
    private var timerSources: [LoopTimerSource] = []
    /// One-shot jobs by monotonic deadline, from `scheduledHead` on (one per transfer or lookup
    /// in flight; most arrive in deadline order, so they are inserted from the back).
    private var scheduled: [(deadline: Int, job: () -> Void)] = []
    private var scheduledHead = 0
    private var stopping = false
    private var thread: pthread_t?


    public let name: String

    public init(name: String) {
        self.name = name
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        wakeFD = eventfd(0, Int32(EFD_CLOEXEC | EFD_NONBLOCK))
        precondition(epollFD >= 0 && wakeFD >= 0, "epoll/eventfd: errno \(errno)")
        var ev = epoll_event()
        ev.events = EPOLLIN.rawValue
        ev.data.fd = wakeFD
        epoll_ctl(epollFD, EPOLL_CTL_ADD, wakeFD, &ev)
    }

    /// Starts the loop's thread. The loop runs until `shutdown()`.
    public func start() {
        let box = Unmanaged.passRetained(self).toOpaque()
        var tid = pthread_t()
        let rc = pthread_create(&tid, nil, { arg in
            let loop = Unmanaged<EventLoop>.fromOpaque(arg!).takeRetainedValue()
            loop.run()
            return nil
        }, box)
        precondition(rc == 0, "pthread_create: \(rc)")
        thread = tid
    }

    /// Stops the loop after `beforeExit` has run on it (to release what is attached to it), joins
    /// its thread and closes its descriptors. Call once, from another thread.
    public func shutdown(beforeExit: @escaping @Sendable () -> Void = {}) {
        precondition(!inEventLoop, "\(name): shutdown() from its own thread would join itself")
        let stop: @Sendable () -> Void = { [self] in
            inbox.withLock { $0.closed = true }
            beforeExit()
            stopping = true
        }
        if thread == nil {
            inbox.withLock { $0.closed = true }
        } else {
            execute(stop)
            pthread_join(thread!, nil)
        }
        thread = nil
        close(epollFD)
        close(wakeFD)
        // The thread is gone (joined): its state is ours now. What is attached to the loop holds
        // the loop (a fetcher's timer source, a scheduled job's closure); let go of it all.
        handlers.removeAll()
        timerSources.removeAll()
        scheduled.removeAll()
        scheduledHead = 0
        inbox.withLock { $0.jobs.removeAll() }
    }

    public var inEventLoop: Bool { EventLoop.currentLoop === self }

    /// Traps in debug builds when called off the loop's thread (swift-nio's
    /// `preconditionInEventLoop`): loop-confined state says so at each entry point.
    @inlinable
    public func assertInEventLoop(file: StaticString = #fileID, line: UInt = #line) {
        assert(inEventLoop, "\(name): loop-confined state touched off its loop thread", file: file, line: line)
    }
    private static var currentLoop: EventLoop? { threadLocal.pointee }
    private static let threadLocal = ThreadLocalSlot()

    /// Runs `job` on the loop thread. Returns false, and drops the job, once the loop has been
    /// shut down: the caller must then finish what the job would have (resume its waiter).
    @discardableResult
    public func execute(_ job: @escaping @Sendable () -> Void) -> Bool {
        let accepted = inbox.withLock {
            guard !$0.closed else { return false }
            $0.jobs.append(job)
            return true
        }
        guard accepted else { return false }
        if !wakePending.exchange(true, ordering: .acquiringAndReleasing) {
            var one: UInt64 = 1
            _ = write(wakeFD, &one, 8)
        }
        return true
    }

    // MARK: Loop-thread API

    /// Watches `fd`; replaces any earlier interest. Loop thread only.
    public func watch(_ fd: Int32, readable: Bool, writable: Bool, _ handler: @escaping IOHandler) {
        assertInEventLoop()
        var ev = epoll_event()
        ev.events = (readable ? EPOLLIN.rawValue : 0) | (writable ? EPOLLOUT.rawValue : 0)
        ev.data.fd = fd
        let op = handlers[fd] == nil ? EPOLL_CTL_ADD : EPOLL_CTL_MOD
        handlers[fd] = handler
        if epoll_ctl(epollFD, op, fd, &ev) != 0 && op == EPOLL_CTL_MOD {
            _ = epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &ev)
        }
    }

    /// Stops watching `fd`. Loop thread only.
    public func unwatch(_ fd: Int32) {
        assertInEventLoop()
        guard handlers.removeValue(forKey: fd) != nil else { return }
        var ev = epoll_event()
        _ = epoll_ctl(epollFD, EPOLL_CTL_DEL, fd, &ev)
    }

    /// Registers a timer source; from any thread (a running loop takes it on its own thread).
    public func addTimerSource(_ source: LoopTimerSource) {
        guard inEventLoop || thread == nil else {
            let box = UncheckedBox(source)
            execute { [self] in timerSources.append(box.value) }
            return
        }
        timerSources.append(source)
    }

    /// Time the loop has spent working (not waiting in epoll), up to now. Loop thread only: what
    /// a transfer is not charged for, as it was icpaudit's own CPU, not the site, that took it.
    public var busyNanoseconds: Int { busyBefore + (turnStartedAt > 0 ? MonotonicClock.nanoseconds() - turnStartedAt : 0) }
    private var busyBefore = 0
    private var turnStartedAt = 0
    private let busyPublished = Atomic<Int>(0)

    /// `busyNanoseconds` as of the loop's last finished turn, from any thread: how loaded the
    /// loop is (see `SitePool`).
    public var publishedBusyNanoseconds: Int { busyPublished.load(ordering: .relaxed) }

    /// Runs `job` on the loop once the monotonic clock reaches `deadline` (ms). Loop thread only.
    public func schedule(at deadline: Int, _ job: @escaping () -> Void) {
        assertInEventLoop()
        var i = scheduled.endIndex
        while i > scheduledHead && scheduled[i - 1].deadline > deadline { i -= 1 }
        scheduled.insert((deadline, job), at: i)
    }

    private func run() {
        EventLoop.threadLocal.pointee = self
        // Named so that top -H and perf tell the loops from the pool's threads.
        icp_set_thread_name(name)
        let capacity = 256
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: capacity)
        defer { events.deallocate() }
        while !stopping {
            var timeout = scheduledHead < scheduled.count ? max(0, scheduled[scheduledHead].deadline - MonotonicClock.milliseconds()) : -1
            for source in timerSources {
                if let ms = source.millisecondsUntilTimer() { timeout = timeout < 0 ? ms : min(timeout, ms) }
            }
            let n = epoll_wait(epollFD, events, Int32(capacity), Int32(clamping: timeout))
            turnStartedAt = MonotonicClock.nanoseconds()
            if n > 0 {
                for i in 0..<Int(n) {
                    let ev = events[i]
                    let fd = ev.data.fd
                    if fd == wakeFD {
                        var value: UInt64 = 0
                        _ = read(wakeFD, &value, 8)
                        continue
                    }
                    guard let handler = handlers[fd] else { continue }
                    let bits = ev.events
                    let err = bits & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0
                    handler(bits & EPOLLIN.rawValue != 0 || err, bits & EPOLLOUT.rawValue != 0 || err)
                }
            }
            for source in timerSources where (source.millisecondsUntilTimer() ?? 1) <= 0 {
                source.timerFired()
            }
            let now = MonotonicClock.milliseconds()
            while scheduledHead < scheduled.count, scheduled[scheduledHead].deadline <= now {
                let job = scheduled[scheduledHead].job
                scheduled[scheduledHead].job = {}  // let go of what the job holds
                scheduledHead += 1
                job()
            }
            if scheduledHead >= 256 && scheduledHead * 2 >= scheduled.count {  // reclaim the front
                scheduled.removeFirst(scheduledHead)
                scheduledHead = 0
            }
            wakePending.store(false, ordering: .releasing)
            let jobs = inbox.withLock { inbox in
                defer { inbox.jobs.removeAll(keepingCapacity: true) }
                return inbox.jobs
            }
            for job in jobs { job() }
            busyBefore += MonotonicClock.nanoseconds() - turnStartedAt
            turnStartedAt = 0
            busyPublished.store(busyBefore, ordering: .relaxed)
        }
        // Jobs handed over before the stop but after the last turn: they run against what
        // `beforeExit` shut down, which ends them with a failure rather than a hang.
        let late = inbox.withLock { inbox in
            defer { inbox.jobs.removeAll() }
            return inbox.jobs
        }
        for job in late { job() }
    }
}

/// Carries a loop-confined object across to its own loop's thread.
private struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// A per-thread slot holding the loop that runs on the thread.
final class ThreadLocalSlot: @unchecked Sendable {
    private var key = pthread_key_t()
    init() { pthread_key_create(&key, nil) }
    var pointee: EventLoop? {
        get { pthread_getspecific(key).map { Unmanaged<EventLoop>.fromOpaque($0).takeUnretainedValue() } }
        set { pthread_setspecific(key, newValue.map { Unmanaged.passUnretained($0).toOpaque() }) }
    }
}
