import Foundation
import XCTest
import ICPModel
@testable import ICPAudit

/// The pool and the per-IP gate on their own: who waits, who is let in, in what order.
final class PolitenessTests: XCTestCase {
    private static let shared = IPAddress("192.0.2.1")!
    private static let other = IPAddress("192.0.2.2")!
    private var shared: IPAddress { Self.shared }

    func testAFetchWaitsForItsAddressOnlyAndHandsThePermitOnInOrder() async {
        let pool = SitePool(limit: 10, parkedLimit: 10)
        let gate = PerIPGate(limit: 1)
        let ticket = SiteTicket(pool: pool, hosts: 4)
        _ = await gate.acquire(shared, for: ticket)
        let second = Started { _ = await gate.acquire(Self.shared, for: ticket) }
        await Started.settle()
        let third = Started { _ = await gate.acquire(Self.shared, for: ticket) }
        let otherAddress = Started { _ = await gate.acquire(Self.other, for: ticket) }
        let otherDone = await otherAddress.finished(within: 2)
        XCTAssertTrue(otherDone, "another address waited behind the busy one")
        XCTAssertFalse(second.isFinished || third.isFinished, "a fetch got past a full address")
        gate.release(shared)
        let secondDone = await second.finished(within: 2)
        XCTAssertTrue(secondDone)
        XCTAssertFalse(third.isFinished, "the permit went to a later waiter or to two")
        gate.release(shared)
        let thirdDone = await third.finished(within: 2)
        XCTAssertTrue(thirdDone)
    }

    /// A site whose only host waits gives its slot back, so the next site is admitted; once it
    /// has its permit it counts again and the pool is full.
    func testAWaitingSiteLendsItsSlotUntilItHasItsPermit() async {
        let pool = SitePool(limit: 1, parkedLimit: 4)
        let gate = PerIPGate(limit: 1)
        let holder = SiteTicket(pool: SitePool(limit: 1, parkedLimit: 1), hosts: 1)
        _ = await gate.acquire(shared, for: holder)
        await pool.admit()
        let second = Started { await pool.admit() }
        await Started.settle()
        XCTAssertFalse(second.isFinished, "a full pool admitted a site")

        let waiter = SiteTicket(pool: pool, hosts: 1)
        let waiting = Started { _ = await gate.acquire(Self.shared, for: waiter) }
        let secondDone = await second.finished(within: 2)
        XCTAssertTrue(secondDone, "a parked site kept its slot")
        gate.release(shared)
        let waitingDone = await waiting.finished(within: 2)
        XCTAssertTrue(waitingDone)
        let third = Started { await pool.admit() }
        await Started.settle()
        XCTAssertFalse(third.isFinished, "a site with its permit did not count again")
        // Two sites work now (the unparked one over the limit of 1): one leaving is not enough.
        pool.leave()
        await Started.settle()
        XCTAssertFalse(third.isFinished, "admitted while two sites were working")
        pool.leave()
        let thirdDone = await third.finished(within: 2)
        XCTAssertTrue(thirdDone)
    }

    /// A run starts as if its loops were saturated; while they are, a waiting site keeps its slot
    /// (another site would add memory, not speed); once they have time to spare it lends it.
    func testAWaitingSiteLendsItsSlotOnlyWhileTheLoopsHaveTimeToSpare() async throws {
        let load = Load(0.95)
        let (ticket, next) = await oneSiteWaitingAndTheNext(SitePool(limit: 1, parkedLimit: 4, loopsBusy: { load.value }), hosts: 1)
        XCTAssertFalse(next.isFinished, "a parked site lent its slot before the loops were looked at")

        func afterALook() async throws {
            try await Task.sleep(nanoseconds: UInt64(SitePool.lookMilliseconds + 100) * 1_000_000)
            ticket.stopWaiting()
            ticket.startWaiting()
            await Started.settle()
        }
        try await afterALook()
        XCTAssertFalse(next.isFinished, "a parked site lent its slot while the loops were saturated")

        load.value = 0  // idle loops: one look brings the average under the mark
        try await afterALook()
        let nextDone = await next.finished(within: 2)
        XCTAssertTrue(nextDone, "a parked site kept its slot once the loops had time to spare")
    }

    /// A site is parked only while every host it has left is waiting.
    func testASiteIsParkedOnlyWhenAllItsRemainingHostsWait() async {
        let (ticket, next) = await oneSiteWaitingAndTheNext(SitePool(limit: 1, parkedLimit: 4), hosts: 2)
        XCTAssertFalse(next.isFinished, "parked while a host was still working")
        ticket.hostFinished()
        let nextDone = await next.finished(within: 2)
        XCTAssertTrue(nextDone, "not parked with its one remaining host waiting")
    }

    /// One site admitted to `pool` with one of its `hosts` waiting, and the next site's
    /// admission started (given a moment to go through if it can).
    private func oneSiteWaitingAndTheNext(_ pool: SitePool, hosts: Int) async -> (SiteTicket, Started) {
        await pool.admit()
        let ticket = SiteTicket(pool: pool, hosts: hosts)
        ticket.startWaiting()
        let next = Started { await pool.admit() }
        await Started.settle()
        return (ticket, next)
    }
}

/// The loops' load as a test sets it.
private final class Load: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Double
    init(_ value: Double) { current = value }
    var value: Double {
        get { lock.withLock { current } }
        set { lock.withLock { current = newValue } }
    }
}

/// An operation started in its own task, and whether it has finished.
private final class Started: @unchecked Sendable {
    private let lock = NSLock()
    private var done = false

    init(_ operation: @escaping @Sendable () async -> Void) {
        Task {
            await operation()
            self.markDone()
        }
    }

    private func markDone() {
        lock.lock()
        done = true
        lock.unlock()
    }

    var isFinished: Bool {
        lock.lock()
        defer { lock.unlock() }
        return done
    }

    func finished(within seconds: Double) async -> Bool {
        for _ in 0..<Int(seconds * 100) where !isFinished { try? await Task.sleep(nanoseconds: 10_000_000) }
        return isFinished
    }

    /// Gives started operations time to reach the point where they wait.
    static func settle() async { try? await Task.sleep(nanoseconds: 200_000_000) }
}
