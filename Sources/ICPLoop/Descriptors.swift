#if canImport(Glibc)
import Glibc
#endif

/// The process's file-descriptor limit: a crawler's own ceiling, never a site's fault.
public enum Descriptors {
    /// Raises the soft `RLIMIT_NOFILE` to the hard limit and returns the limit now in force.
    @discardableResult
    public static func raiseSoftLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return Int(clamping: min(limit.rlim_cur, rlim_t(Int32.max)))  // RLIM_INFINITY is the largest value
    }

    /// Descriptors open now (entries of /proc/self/fd).
    public static func openNow() -> Int {
        guard let dir = opendir("/proc/self/fd") else { return 0 }
        defer { closedir(dir) }
        var n = 0
        while readdir(dir) != nil { n += 1 }
        return max(0, n - 3)  // ".", ".." and the directory's own descriptor
    }

    /// Why no descriptor can be opened now (EMFILE, ENFILE), or nil when one can.
    public static func exhausted() -> String? {
        let fd = open("/dev/null", O_RDONLY | O_CLOEXEC)
        guard fd < 0 else {
            close(fd)
            return nil
        }
        return errno == EMFILE || errno == ENFILE ? "no file descriptor left: \(String(cString: strerror(errno)))" : nil
    }
}
