import ICPLoop
import ICPModel

/// Admission to the pool of site audits. `--concurrency` bounds the sites that are working; a
/// site whose unfinished hosts are all waiting for busy server addresses (`PerIPGate`) is
/// parked and gives its slot back meanwhile, so a run of rows on one shared server does not
/// hold every slot and stall the sites of other servers. Parked sites are bounded too
/// (`parkedLimit`), so memory does not grow with the inventory. A parked site lends its slot
/// only while the event loops have time to spare: when they are saturated (a host then waits
/// for its server address because icpaudit's own CPU keeps that address's fetches going), one
/// more site adds memory, not speed.
final class SitePool: Sendable {
    private let limit: Int
    private let parkedLimit: Int
    private let loopsBusy: (@Sendable () -> Double)?
    private let state = Locked(State())
    private struct State {
        var admitted = 0
        var parked = 0
        var admitter: CheckedContinuation<Void, Never>?
        var lastLook = MonotonicClock.milliseconds()
        /// The loops' busy share, averaged over the last few looks. It starts as saturated: a run
        /// lends only once its loops have shown time to spare, not in the burst of its first seconds.
        var load = 1.0
    }

    /// Loops busier than this share of their time are saturated.
    static let saturation = 0.8
    /// How often the loops' load is looked at.
    static let lookMilliseconds = 1000
    /// The latest look's weight in `load`. A loop's turn can take a good part of a second, so
    /// one second's share swings widely; the average of a few does not.
    static let latestWeight = 0.3

    /// - Parameter loopsBusy: the loops' share of time spent working since it was last called;
    ///   nil: parked sites always lend their slots.
    init(limit: Int, parkedLimit: Int, loopsBusy: (@Sendable () -> Double)? = nil) {
        self.limit = limit
        self.parkedLimit = parkedLimit
        self.loopsBusy = loopsBusy
    }

    /// Waits for room for one more site. One caller at a time (the inventory loop).
    func admit() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let admittedNow = state.withLock { s in
                guard hasRoom(&s) else {
                    s.admitter = continuation
                    return false
                }
                s.admitted += 1
                return true
            }
            if admittedNow { continuation.resume() }
        }
    }

    /// A site finished.
    func leave() { change { $0.admitted -= 1 } }
    /// A site started or stopped being parked (see `SiteTicket`).
    func park() { change { $0.parked += 1 } }
    func unpark() { change { $0.parked -= 1 } }

    private func hasRoom(_ s: inout State) -> Bool {
        if let loopsBusy, case let now = MonotonicClock.milliseconds(), now - s.lastLook >= Self.lookMilliseconds {
            s.lastLook = now
            s.load += Self.latestWeight * (loopsBusy() - s.load)
        }
        let lending = loopsBusy == nil || s.load < Self.saturation
        return s.admitted - (lending ? s.parked : 0) < limit && s.parked < parkedLimit
    }

    private func change(_ update: (inout State) -> Void) {
        let woken: CheckedContinuation<Void, Never>? = state.withLock { s in
            update(&s)
            guard let waiting = s.admitter, hasRoom(&s) else { return nil }
            s.admitter = nil
            s.admitted += 1
            return waiting
        }
        woken?.resume()
    }
}

/// One admitted site's standing in its pool: parked while every host it has yet to finish is
/// waiting for a server address.
final class SiteTicket: Sendable {
    private let pool: SitePool
    private let hosts: Locked<(unfinished: Int, waiting: Int)>

    init(pool: SitePool, hosts: Int) {
        self.pool = pool
        self.hosts = Locked((unfinished: hosts, waiting: 0))
    }

    func startWaiting() { update { $0.waiting += 1 } }
    func stopWaiting() { update { $0.waiting -= 1 } }
    func hostFinished() { update { $0.unfinished -= 1 } }

    private func update(_ change: (inout (unfinished: Int, waiting: Int)) -> Void) {
        hosts.withLock { h in
            let was = Self.isParked(h)
            change(&h)
            // Told under the lock, so the pool hears park and unpark in the order they happened.
            let now = Self.isParked(h)
            if now != was { now ? pool.park() : pool.unpark() }
        }
    }

    private static func isParked(_ h: (unfinished: Int, waiting: Int)) -> Bool { h.unfinished > 0 && h.waiting == h.unfinished }
}

/// `--per-ip`: at most `limit` fetches in flight to one server address across all loops, so a
/// shared host is never flooded. Connections are not kept past their fetch (see `Fetcher`), so
/// fetches in flight are connections open.
typealias PerIPGate = KeyedGate<IPAddress>

/// At most `limit` holders per key at once; others wait in arrival order.
final class KeyedGate<Key: Hashable & Sendable>: Sendable {
    private let limit: Int
    private let holders = Locked(Holders())
    private struct Holders {
        var inFlight: [Key: Int] = [:]
        var waiting: [Key: FIFO<CheckedContinuation<Void, Never>>] = [:]
    }

    init(limit: Int) { self.limit = limit }

    /// Waits for a permit for `key` and returns how many milliseconds that took; `ticket`'s site,
    /// if any, is told while this host waits (it may lend its pool slot meanwhile).
    func acquire(_ key: Key, for ticket: SiteTicket?) async -> Int {
        let started = MonotonicClock.milliseconds()
        var waited = false
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            waited = holders.withLock { h in
                guard h.inFlight[key, default: 0] >= limit else {
                    h.inFlight[key, default: 0] += 1
                    return false
                }
                h.waiting[key, default: FIFO()].append(continuation)
                ticket?.startWaiting()  // under the lock, so it always precedes stopWaiting
                return true
            }
            if !waited { continuation.resume() }
        }
        guard waited else { return 0 }
        ticket?.stopWaiting()
        return MonotonicClock.milliseconds() - started
    }

    /// Hands the permit to the next waiter for `key`, if any.
    func release(_ key: Key) {
        let next: CheckedContinuation<Void, Never>? = holders.withLock { h in
            if let first = h.waiting[key]?.popFirst() {
                if h.waiting[key]?.isEmpty == true { h.waiting[key] = nil }
                return first  // the permit passes on: the in-flight count stays
            }
            let n = h.inFlight[key, default: 1] - 1
            h.inFlight[key] = n == 0 ? nil : n
            return nil
        }
        next?.resume()
    }
}

/// A queue with O(1) pops: thousands may wait on one key (the DNS gate).
struct FIFO<Element> {
    private var items: [Element] = []
    private var head = 0

    var isEmpty: Bool { head == items.count }

    mutating func append(_ item: Element) { items.append(item) }

    mutating func popFirst() -> Element? {
        guard head < items.count else { return nil }
        let item = items[head]
        head += 1
        if head * 2 >= items.count && head >= 64 {  // reclaim the consumed front now and then
            items.removeFirst(head)
            head = 0
        }
        return item
    }
}

extension FIFO: Sendable where Element: Sendable {}
