import ICPFetch
import ICPLoop
import ICPModel

/// One host's time (SPEC: `--timeout` is wall time and does not stretch): a deadline fixed when
/// the look at the host begins, and the first way icpaudit itself held the host up meanwhile
/// (queued it behind its own gates, read its answers on a saturated loop or late, failed on its
/// own side). A failure to answer in time seen after that may be icpaudit's, not the site's: the
/// host is a suspect, looked at again at the end of the run with the crawler idle (`ScanRun`).
///
/// The second look is final, so there a wait in icpaudit's own queues (`--per-ip`,
/// `--dns-concurrency`: the site has not been asked yet) moves the deadline instead: other
/// suspects looked at again beside it (a slow site holding the address's connections) must not
/// make it fail.
struct HostBudget {
    /// Monotonic milliseconds; moved only by queue waits of a second look.
    private(set) var deadline: Int
    let secondLook: Bool
    /// How icpaudit held the host up, first time only; nil: the host had the crawler's full attention.
    private(set) var heldUp: String?

    init(seconds: Double, secondLook: Bool = false) {
        self.secondLook = secondLook
        deadline = MonotonicClock.milliseconds() + Int(seconds * 1000)
    }

    var millisecondsLeft: Int { deadline - MonotonicClock.milliseconds() }

    mutating func holdUp(_ why: @autoclosure () -> String) {
        if heldUp == nil { heldUp = why() }
    }

    /// A wait in one of icpaudit's own queues (`--per-ip`, `--dns-concurrency`).
    mutating func waited(_ milliseconds: Int, for what: String) {
        guard milliseconds > 0 else { return }
        if secondLook { deadline += milliseconds } else { holdUp("waited \(milliseconds) ms for \(what)") }
    }

    /// A transfer whose loop was busy for at least `saturatedShare` of its time (its answer may
    /// have been read late), or whose answer waited for a thread to take it up.
    mutating func ran(_ result: FetchResult) {
        if result.milliseconds > 0, Double(result.loopBusyMilliseconds) >= Self.saturatedShare * Double(result.milliseconds) {
            holdUp("the event loop was busy \(result.loopBusyMilliseconds) of the transfer's \(result.milliseconds) ms")
        }
        if result.completedAt > 0, case let lag = MonotonicClock.milliseconds() - result.completedAt, lag >= Self.pickupLagMilliseconds {
            holdUp("an answer waited \(lag) ms to be taken up")
        }
    }

    /// A loop busier than this share of a transfer's time is saturated.
    static let saturatedShare = 0.5
    static let pickupLagMilliseconds = 100

    /// The suspect look `seen` is, when it ended in a failure to answer in time after icpaudit
    /// held the host up; nil when the failure (or success) is the site's own.
    func suspect(_ seen: HostObservation) -> SuspectLook? {
        guard !secondLook, let heldUp, let outcome = Self.failureToAnswerInTime(seen) else { return nil }
        return SuspectLook(reason: heldUp, outcome: outcome, ms: seen.ms)
    }

    /// A lookup or request that ran out of time, on the way to the page or for one of its
    /// frames: what a busy crawler can cause. Refusals, NXDOMAIN, certificates and HTTP errors
    /// are the site's whatever the load.
    static func failureToAnswerInTime(_ seen: HostObservation) -> String? {
        let ends = [seen.dns.failure, seen.chain.last?.failure] + seen.hops.filter { $0.kind == .frame }.map(\.failure)
        guard let failure = ends.lazy.compactMap({ $0 }).first(where: { $0.kind == .timeout || $0.kind == .deadline }) else { return nil }
        return "\(failure.kind.rawValue): \(failure.detail)"
    }

    /// Less than this left, a request is not started: it could not be answered, and its
    /// connection would be dropped as soon as it opened.
    static let minimumRequestMilliseconds = 100
}
