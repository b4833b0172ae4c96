#if canImport(Glibc)
import Glibc
#endif

/// State shared between threads, reachable only while its lock is held (in the spirit of
/// swift-nio's `NIOLockedValueBox`): the one lock type of icpaudit. A pthread mutex, because
/// ThreadSanitizer sees its waits, unlike `Synchronization.Mutex`'s futex calls.
public final class Locked<State> {
    // @usableFromInline, so `withLock` is inlined and specialised where it is called (it is on
    // every fetch's path: the per-IP gate, the loop's inbox).
    @usableFromInline var state: State
    @usableFromInline let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    public init(_ state: State) {
        self.state = state
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    @inlinable
    public func withLock<T>(_ body: (inout State) throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&state)
    }
}

extension Locked: @unchecked Sendable where State: Sendable {}
