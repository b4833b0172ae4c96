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

/// findings.csv: one row per site, UTF-8 with BOM for Excel, RFC 4180 quoting, and every text
/// cell kept as text by a spreadsheet's CSV import (see `SpreadsheetText`). The host counts are
/// two number columns, not `1/2`, which a spreadsheet reads as a date.
public enum CSVEncoder {
    public static let columns = ["domain", "verdict", "codes", "hosts_ok", "hosts_total", "title", "icp_found", "psb_found", "final_url", "detail", "notice"]
    public static let bom: [UInt8] = [0xEF, 0xBB, 0xBF]

    public static func header() -> [UInt8] { bom + Array((columns.joined(separator: ",") + "\r\n").utf8) }

    public static func row(_ r: SiteRecord, language: ReportLanguage) -> [UInt8] {
        let s = SiteCells(r, language: language)
        let text = [s.domain, s.verdict.rawValue, s.codes.map(\.rawValue).joined(separator: ";")].map(cell)
            + [String(s.hostsOpened), String(s.hostCount)]
            + [s.title, s.icpFound, s.psbFound, s.finalURL, s.detail, s.notice].map(cell)
        return Array((text.joined(separator: ",") + "\r\n").utf8)
    }

    /// A text cell: kept as text (`SpreadsheetText.guarded`), then quoted when it must be.
    public static func cell(_ raw: String) -> String {
        let s = SpreadsheetText.guarded(raw)
        if s.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }) {
            return "\"" + s.replacingAll("\"", with: "\"\"") + "\""
        }
        return s
    }
}

/// The per-site cells findings.csv and findings.xlsx share.
struct SiteCells {
    var domain: String
    var line: Int
    var verdict: Verdict
    var checkedAt: String
    var codes: [FindingCode]
    var hostsOpened: Int
    var hostCount: Int
    var title: String
    var icpFound: String
    var psbFound: String
    var finalURL: String
    /// Every finding as `host CODE: detail`, a mobile one as `host（手机版）CODE: detail`, the
    /// details in `language`.
    var detail: String
    var notice: String

    init(_ r: SiteRecord, language: ReportLanguage) {
        domain = r.domain
        line = r.line
        verdict = r.verdict
        checkedAt = r.checkedAt
        codes = unique(r.findings.map(\.code))
        hostsOpened = r.hosts.filter(\.opened).count
        hostCount = r.hosts.count
        title = r.hosts.compactMap(\.title).first(where: { !$0.isEmpty }) ?? ""
        icpFound = unique(r.hosts.flatMap(\.icp)).joined(separator: ";")
        psbFound = unique(r.hosts.flatMap(\.psb)).joined(separator: ";")
        finalURL = r.hosts.first?.finalURL ?? ""
        let mobile = language == .zh ? "（手机版）" : " (mobile)"
        detail = r.findings.map { "\($0.host)\($0.view == .mobile ? mobile : "") \($0.code.rawValue): \($0.detail(in: language))" }.joined(separator: " | ")
        notice = Notices.notices(for: r).joined(separator: "\n")
    }
}

func unique<T: Hashable>(_ items: [T]) -> [T] {
    var seen = Set<T>()
    return items.filter { seen.insert($0).inserted }
}

/// Text that a spreadsheet's CSV import (Excel's defaults; LibreOffice with "detect special
/// numbers") would not keep as typed: a formula, or a value: a number (`0123` loses its zero,
/// `123456789012345678` its digits, `１２３` is read as 123), a date or time (`1/2`, `1-2`,
/// `1.2.3`, `2026年1月1日`, `12:30`), a fraction (`1 1/2`), a percentage, `(5)` as -5, TRUE,
/// an error literal. Such a cell gets a leading `'`, which the spreadsheet shows as typed: the
/// text stays readable and nothing is silently changed. Titles come from the audited pages, so
/// any text can arrive here.
public enum SpreadsheetText {
    public static func guarded(_ raw: String) -> String {
        if let first = raw.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) { return "'" + raw }
        return readsAsValue(raw) ? "'" + raw : raw
    }

    /// Leans to guarding: a cell guarded needlessly shows a `'`; one missed is changed. Most
    /// cells (Chinese text, domains, URLs) are told apart at their first letter or mark.
    static func readsAsValue(_ raw: String) -> Bool {
        if raw.utf8.count <= 40, let first = raw.unicodeScalars.lazy.map(foldWidth).first(where: { !$0.properties.isWhitespace && $0 != "\u{FEFF}" }),
           "tTfF#".unicodeScalars.contains(first) {
            let literal = String(String.UnicodeScalarView(raw.unicodeScalars.map(foldWidth))).trimmingWhitespace().lowercased()
            if literal == "true" || literal == "false" || errorLiterals.contains(literal) { return true }
        }
        var hasDigit = false
        var word = ""
        for u in raw.unicodeScalars.lazy.map(foldWidth) {
            if u.isASCII && u.properties.isAlphabetic {
                word.unicodeScalars.append(u)
                if word.utf8.count > longestDateWord { return false }
                continue
            }
            if !word.isEmpty {
                guard dateWords.contains(word.lowercased()) else { return false }
                word = ""
            }
            if ("0"..."9").contains(u) { hasDigit = true } else if !valueMarks.contains(u) && !u.properties.isWhitespace { return false }
        }
        return hasDigit && (word.isEmpty || dateWords.contains(word.lowercased()))
    }

    /// Full-width ASCII forms (U+FF01…U+FF5E) to ASCII.
    private static func foldWidth(_ u: Unicode.Scalar) -> Unicode.Scalar {
        (0xFF01...0xFF5E).contains(u.value) ? Unicode.Scalar(u.value - 0xFEE0)! : u
    }

    private static let valueMarks: Set<Unicode.Scalar> = [".", ",", "/", ":", "%", "(", ")", "+", "-", "$", "¥", "€", "£",
                                                            "年", "月", "日", "时", "分", "秒", "上", "下", "午"]
    /// Letters that can stand in a number or date: exponents, AM/PM, month and day names.
    private static let dateWords: Set<String> = {
        var words: Set<String> = ["e", "a", "p", "am", "pm"]
        for name in ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december",
                     "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] {
            words.insert(name)
            words.insert(String(name.prefix(3)))
        }
        words.insert("sept")
        return words
    }()
    private static let longestDateWord = dateWords.map(\.utf8.count).max() ?? 0
    private static let errorLiterals: Set<String> = ["#n/a", "#div/0!", "#value!", "#ref!", "#name?", "#num!", "#null!", "#getting_data"]
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        out.reserveCapacity(utf8.count)
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}
