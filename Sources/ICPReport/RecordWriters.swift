#if canImport(Glibc)
import Glibc
#endif
import ICPModel

/// An append-only output file, flushed after every record so a crash loses at most the sites
/// still in flight. Every write is checked: the first failure (ENOSPC, EIO, EFBIG) is kept, the
/// record written in part is cut off so the file ends with whole lines, later writes are dropped,
/// and `check()` throws it, so a full disk stops the run instead of leaving it short with no word.
public final class OutputFile {
    public let path: String
    private let fd: Int32
    /// Bytes written with `flush: false`, not yet handed to the kernel.
    private var pending: [UInt8] = []
    /// Bytes known to be whole in the file: where a failed write is cut back to.
    private var committed: off_t = 0
    public private(set) var failure: WriteFailure?

    public init(path: String, append: Bool = false) throws(OutputError) {
        let f = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0o644)
        guard f >= 0 else {
            throw OutputError(description: "\(path): cannot write: \(String(cString: strerror(errno)))")
        }
        self.path = path
        fd = f
        if append { committed = max(0, lseek(f, 0, SEEK_END)) }
    }

    deinit {
        drain()
        close(fd)
    }

    /// Writes `bytes` whole to a new file at `path`, on disk when this returns.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let file = try OutputFile(path: path)
        file.write(bytes, flush: false)
        file.sync()
        try file.check()
    }

    /// `flush: false` gathers small writes (a report written in pieces) into larger ones.
    public func write(_ bytes: [UInt8], flush: Bool = true) {
        guard failure == nil else { return }
        pending.append(contentsOf: bytes)
        if flush || pending.count >= 1 << 16 { drain() }
    }

    /// Writes what is pending and fsyncs: the bytes are on disk before, say, a rename makes them
    /// the real file.
    public func sync() {
        drain()
        if failure == nil && fsync(fd) != 0 { fail("sync") }
    }

    /// Throws the first failure of a write or sync to this file.
    public func check() throws(WriteFailure) {
        if let failure { throw failure }
    }

    private func drain() {
        guard failure == nil, !pending.isEmpty else { return }
        var done = 0
        while done < pending.count {
            let n = pending.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                fail("write")
                _ = ftruncate(fd, committed)
                pending = []
                return
            }
            done += n
        }
        committed += off_t(done)
        pending.removeAll(keepingCapacity: true)
    }

    private func fail(_ what: String) {
        failure = WriteFailure(description: "\(path): \(what) failed: \(String(cString: strerror(errno)))")
    }
}

/// A file that cannot be opened or read as asked (exit code 2: the user's to fix).
public struct OutputError: Error, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}

/// A write or flush that failed (a full disk, an I/O error): icpaudit's failure, exit code 1.
public struct WriteFailure: Error, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}

/// findings.csv: one row per site, UTF-8 with BOM for Excel, RFC 4180 quoting, and cells that
/// a spreadsheet would run as a formula neutralised.
public enum CSVEncoder {
    public static let columns = ["domain", "verdict", "codes", "hosts_ok", "title", "icp_found", "psb_found", "final_url", "detail", "notice"]
    public static let bom: [UInt8] = [0xEF, 0xBB, 0xBF]

    public static func header() -> [UInt8] { bom + Array((columns.joined(separator: ",") + "\r\n").utf8) }

    public static func row(_ r: SiteRecord) -> [UInt8] {
        let codes = unique(r.findings.map(\.code.rawValue))
        let opened = r.hosts.filter(\.opened).count
        let detail = r.findings.map { "\($0.host) \($0.code.rawValue): \($0.detail)" }.joined(separator: " | ")
        let notice = Notices.notices(for: r).joined(separator: "\n")
        let cells: [String] = [
            r.domain, r.verdict.rawValue, codes.joined(separator: ";"), "\(opened)/\(r.hosts.count)",
            r.hosts.compactMap(\.title).first(where: { !$0.isEmpty }) ?? "",
            unique(r.hosts.flatMap(\.icp)).joined(separator: ";"),
            unique(r.hosts.flatMap(\.psb)).joined(separator: ";"),
            r.hosts.first?.finalURL ?? "",
            detail, notice,
        ]
        return Array((cells.map(cell).joined(separator: ",") + "\r\n").utf8)
    }

    public static func cell(_ raw: String) -> String {
        var s = raw
        if let first = s.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) { s = "'" + s }
        if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + s.replacingAll("\"", with: "\"\"") + "\""
        }
        return s
    }

    static func unique(_ items: [String]) -> [String] {
        var seen = Set<String>()
        return items.filter { seen.insert($0).inserted }
    }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        out.reserveCapacity(utf8.count)
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}
