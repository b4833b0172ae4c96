#if canImport(Glibc)
import Glibc
#endif
import ICPModel

/// An append-only output file, flushed after every record so a crash loses at most the sites
/// still in flight. Every write and flush is checked: the first failure (ENOSPC, EIO, EFBIG) is
/// kept, later writes are dropped, and `check()` throws it, so a full disk stops the run instead
/// of leaving it short with no word; what was written before stays whole lines.
public final class OutputFile {
    public let path: String
    private let file: UnsafeMutablePointer<FILE>
    public private(set) var failure: WriteFailure?
    /// Bytes known to be in the file, for appends: where a failed write is cut back to.
    private var committed = 0

    public init(path: String, append: Bool = false) throws(OutputError) {
        guard let f = fopen(path, append ? "ab" : "wb") else {
            throw OutputError(description: "\(path): cannot write: \(String(cString: strerror(errno)))")
        }
        self.path = path
        file = f
        if append, fseeko(f, 0, SEEK_END) == 0 { committed = Int(ftello(f)) }
    }

    deinit { fclose(file) }

    /// Writes `bytes` whole to a new file at `path`, on disk when this returns.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let file = try OutputFile(path: path)
        file.write(bytes, flush: false)
        file.sync()
        try file.check()
    }

    public func write(_ bytes: [UInt8], flush: Bool = true) {
        guard failure == nil else { return }
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        if written != bytes.count || (flush && fflush(file) != 0) {
            fail("write")
            // Cut a record written in part, so the file ends with whole lines.
            if flush { _ = ftruncate(fileno(file), off_t(committed)) }
            return
        }
        if flush { committed += bytes.count }
    }

    /// Flushes and fsyncs: the bytes are on disk before, say, a rename makes them the real file.
    public func sync() {
        guard failure == nil else { return }
        if fflush(file) != 0 || fsync(fileno(file)) != 0 { fail("sync") }
    }

    /// Throws the first failure of a write or sync to this file.
    public func check() throws(WriteFailure) {
        if let failure { throw failure }
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
