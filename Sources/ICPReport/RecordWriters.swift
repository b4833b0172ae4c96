#if canImport(Glibc)
import Glibc
#endif
import ICPModel

/// An append-only output file, flushed after every record so a crash loses at most the sites
/// still in flight.
public final class OutputFile {
    public let path: String
    private let file: UnsafeMutablePointer<FILE>

    public init(path: String, append: Bool = false) throws(OutputError) {
        guard let f = fopen(path, append ? "ab" : "wb") else {
            throw OutputError(description: "\(path): cannot write: \(String(cString: strerror(errno)))")
        }
        self.path = path
        file = f
    }

    deinit { fclose(file) }

    public func write(_ bytes: [UInt8], flush: Bool = true) {
        bytes.withUnsafeBytes { _ = fwrite($0.baseAddress, 1, $0.count, file) }
        if flush { fflush(file) }
    }

    /// Flushes and fsyncs: the bytes are on disk before, say, a rename makes them the real file.
    public func sync() {
        fflush(file)
        fsync(fileno(file))
    }
}

public struct OutputError: Error, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}

/// findings.jsonl: one object per inventory row, as SPEC shows it.
public struct JSONLinesEncoder {
    private var json = JSONBuffer()
    public init() {}

    public mutating func encode(_ r: SiteRecord) -> [UInt8] {
        json.reset()
        json.beginObject()
        json.key("domain"); json.string(r.domain)
        json.key("line"); json.number(r.line)
        json.key("verdict"); json.string(r.verdict.rawValue)
        json.key("checked_at"); json.string(r.checkedAt)
        json.key("findings"); json.beginArray()
        for f in r.findings {
            json.beginObject()
            json.key("code"); json.string(f.code.rawValue)
            json.key("host"); json.string(f.host)
            json.key("severity"); json.string(f.severity.rawValue)
            json.key("detail"); json.string(f.detail)
            json.endObject()
        }
        json.endArray()
        json.key("hosts"); json.beginArray()
        for h in r.hosts { host(h) }
        json.endArray()
        json.endObject()
        json.newline()
        return json.bytes
    }

    private mutating func host(_ h: HostRecord) {
        json.beginObject()
        json.key("host"); json.string(h.host)
        json.key("ips"); json.strings(h.ips)
        json.key("url"); json.string(h.url)
        json.key("final_url"); if let u = h.finalURL { json.string(u) } else { json.null() }
        json.key("status"); if let s = h.status { json.number(s) } else { json.null() }
        if !h.redirects.isEmpty { json.key("redirects"); json.strings(h.redirects) }
        json.key("title"); if let t = h.title { json.string(t) } else { json.null() }
        json.key("icp"); json.strings(h.icp)
        json.key("icp_links"); json.strings(h.icpLinks)
        json.key("psb"); json.strings(h.psb)
        if let w = h.foundIn { json.key("found_in"); json.string(w) }
        if let c = h.charset { json.key("charset"); json.string(c) }
        if let c = h.charsetSource { json.key("charset_source"); json.string(c) }
        json.key("bytes"); json.number(h.bytes)
        if h.truncated { json.key("truncated"); json.bool(true) }
        json.key("ms"); json.number(h.ms)
        json.key("opened"); json.bool(h.opened)
        json.key("attempts"); json.number(h.attempts)
        json.endObject()
    }
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
