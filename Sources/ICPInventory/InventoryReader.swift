#if canImport(Glibc)
import Glibc
#endif
import Foundation
import ICPDomains
import ICPModel
import ICPNumbers

/// The file could not be read as an inventory at all (SPEC: exit 2 with a clear message).
public struct InventoryError: Error, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}

/// Streams an inventory (CSV, TSV or JSON Lines, SPEC field names) row by row: memory does not
/// grow with its length. A bad row comes out as a `BadRow` naming its line and field; a read
/// error comes out as one last `BadRow` (field `-`) and ends the stream.
public final class InventoryReader: Sequence, IteratorProtocol {
    public enum Format: String { case csv, tsv, jsonl }

    public let path: String
    public let format: Format
    private let records: RecordReader
    /// The header's names (trimmed, lowercased) by column; empty for JSON Lines.
    private let header: [String]
    private let columns: [String: Int]
    /// File offset of the row `next()` returned last (past any blank lines before it), for
    /// `site(at:)`.
    public private(set) var rowOffset = 0

    static let knownFields = ["domain", "icp", "service_name", "ips", "psb", "hosts"]

    /// FNV-1a over the file's bytes, in hex: tells `--resume` whether the inventory changed.
    public static func checksum(path: String) throws -> String {
        guard let f = fopen(path, "rb") else {
            throw InventoryError(description: "\(path): cannot open: \(String(cString: strerror(errno)))")
        }
        defer { fclose(f) }
        var h = FNV1a64()
        var block = [UInt8](repeating: 0, count: 1 << 16)
        while case let n = block.withUnsafeMutableBytes({ fread($0.baseAddress, 1, $0.count, f) }), n > 0 {
            h.add(block[0..<n])
        }
        return String(h.value, radix: 16)
    }

    public init(path: String) throws {
        self.path = path
        guard let file = fopen(path, "rb") else {
            throw InventoryError(description: "\(path): cannot open: \(String(cString: strerror(errno)))")
        }
        let reader = RecordReader(file: file)
        if let code = reader.readError {
            throw InventoryError(description: "\(path): cannot read: \(String(cString: strerror(code)))")
        }
        let first = reader.peekLine()
        let lowerPath = path.lowercased()
        if lowerPath.hasSuffix(".jsonl") || lowerPath.hasSuffix(".ndjson") || first.hasPrefix("{") {
            format = .jsonl
        } else if lowerPath.hasSuffix(".tsv") || (first.contains("\t") && !first.contains(",")) {
            format = .tsv
        } else {
            format = .csv
        }
        reader.separator = format == .tsv ? UInt8(ascii: "\t") : UInt8(ascii: ",")
        records = reader
        if format == .jsonl {
            guard first.hasPrefix("{") else {
                throw InventoryError(description: "\(path):1: not an inventory: expected a JSON object per line")
            }
            header = []
        } else {
            switch records.nextRecord()?.record {
            case nil:
                throw InventoryError(description: "\(path): empty file, not an inventory")
            case .failure(.unclosedQuote)?:
                throw InventoryError(description: "\(path):1: not an inventory: a quote in the header is never closed")
            case .failure(.read(let code))?:
                throw InventoryError(description: "\(path): cannot read: \(String(cString: strerror(code)))")
            case .success(let names)?:
                header = names.map { $0.trimmingWhitespace().lowercased() }
            }
        }
        columns = Dictionary(header.enumerated().map { ($1, $0) }, uniquingKeysWith: { $1 })
        let missing = format == .jsonl ? [] : ["domain", "icp"].filter { columns[$0] == nil }
        guard missing.isEmpty else {
            throw InventoryError(description: "\(path):1: not an inventory: the header has no \(missing.joined(separator: ", ")) column (need domain, icp; optional service_name, ips, psb, hosts)")
        }
    }

    public func next() -> Result<Site, BadRow>? {
        guard let (offset, row) = row(from: records) else { return nil }
        rowOffset = offset
        return row
    }

    /// The row that starts at `offset` (one `rowOffset` gave), read afresh from the file. It
    /// reads only what `init` set, so the tasks sharing an `InventoryIndex` may call it at once.
    public func site(at offset: Int) -> Site? {
        guard let file = fopen(path, "rb") else { return nil }
        let reader = RecordReader(file: file, offset: offset)
        reader.separator = records.separator
        guard case .success(let site)? = row(from: reader)?.row else { return nil }
        return site
    }

    /// The next row of `records` and the offset it starts at. A loop, not recursion, over
    /// blank lines: a million of them must not grow the stack.
    private func row(from records: RecordReader) -> (offset: Int, row: Result<Site, BadRow>)? {
        while true {
            let offset = records.offset
            switch format {
            case .csv, .tsv:
                guard let (line, record) = records.nextRecord() else { return nil }
                switch record {
                case .failure(let failure):
                    return (offset, bad(failure, line: line))
                case .success(let fields) where fields.count == 1 && fields[0].trimmingWhitespace().isEmpty:
                    continue
                case .success(let fields):
                    var values: [String: String] = [:]
                    for name in Self.knownFields {
                        if let i = columns[name], i < fields.count { values[name] = fields[i] }
                    }
                    return (offset, Self.site(values, file: path, line: line))
                }
            case .jsonl:
                guard let (line, record) = records.nextLine() else { return nil }
                switch record {
                case .failure(let failure):
                    return (offset, bad(failure, line: line))
                case .success(let text) where text.trimmingWhitespace().isEmpty:
                    continue
                case .success(let text):
                    return (offset, jsonRow(text, line: line))
                }
            }
        }
    }

    private func jsonRow(_ text: String, line: Int) -> Result<Site, BadRow> {
        guard let data = text.data(using: .utf8),
              let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            return .failure(BadRow(file: path, line: line, field: "-", message: "not a JSON object"))
        }
        var values: [String: String] = [:]
        for name in Self.knownFields {
            switch object[name] {
            case let s as String: values[name] = s
            case let list as [Any]: values[name] = list.map { "\($0)" }.joined(separator: ";")
            case let n as NSNumber: values[name] = n.stringValue
            default: break
            }
        }
        return Self.site(values, file: path, line: line)
    }

    private func bad(_ failure: RecordReader.Failure, line: Int) -> Result<Site, BadRow> {
        switch failure {
        case .unclosedQuote(let column):
            let field = column < header.count ? header[column] : "column \(column + 1)"
            return .failure(BadRow(file: path, line: line, field: field, message: "quote never closed"))
        case .read(let code):
            return .failure(BadRow(file: path, line: line, field: "-",
                                   message: "cannot read the rest of the file: \(String(cString: strerror(code)))"))
        }
    }

    /// Validates one row's fields into a `Site`.
    static func site(_ v: [String: String], file: String, line: Int) -> Result<Site, BadRow> {
        func bad(_ field: String, _ message: String) -> Result<Site, BadRow> {
            .failure(BadRow(file: file, line: line, field: field, message: message))
        }
        let rawDomain = (v["domain"] ?? "").trimmingWhitespace()
        if rawDomain.isEmpty { return bad("domain", "missing") }
        guard let domain = Domains.ascii(rawDomain) else { return bad("domain", "not a domain name: '\(rawDomain)'") }
        let rawICP = (v["icp"] ?? "").trimmingWhitespace()
        if rawICP.isEmpty { return bad("icp", "missing") }
        guard let icp = RecordNumber.parse(rawICP) else {
            return bad("icp", "not an ICP record number (like 京ICP备12345678号-1): '\(rawICP)'")
        }
        if let service = icp.service {
            return bad("icp", "\(service.name) service number, not a website's: '\(rawICP)'")
        }
        var ips: [IPAddress] = []
        for token in (v["ips"] ?? "").split(whereSeparator: { $0 == ";" || $0 == "," || $0.isWhitespace }) {
            guard let ip = IPAddress(token) else { return bad("ips", "not an IP address: '\(token)'") }
            ips.append(ip)
        }
        let psb = (v["psb"] ?? "").trimmingWhitespace()
        if !psb.isEmpty && RecordNumber.psbCode(psb).count < 6 {
            return bad("psb", "not a 公安备案号: '\(psb)'")
        }
        var hosts: [String] = []
        for token in (v["hosts"] ?? "").split(whereSeparator: { $0 == ";" || $0.isWhitespace }) {
            guard let host = Domains.ascii(String(token)) else { return bad("hosts", "not a host name: '\(token)'") }
            if !hosts.contains(host) { hosts.append(host) }
        }
        if hosts.isEmpty {
            hosts = [domain]
            if Domains.isRegistrable(domain) { hosts.append("www." + domain) }
        }
        return .success(Site(line: line, domain: domain, icp: icp.description,
                             serviceName: (v["service_name"] ?? "").trimmingWhitespace(),
                             ips: ips, psb: psb, hosts: hosts, registrableDomain: Domains.registrableDomain(domain)))
    }
}

/// Reads delimited records (RFC 4180 quoting, fields may span lines) or plain lines from a
/// file in fixed-size blocks.
///
/// A quote that is never closed must not swallow the rows after it, yet a quoted field may
/// legitimately span lines. So a quoted field that reaches past its first line counts as
/// unclosed, and its record as one bad row, when the file ends inside it, when it runs on for
/// more than `maxQuotedSpan` bytes past that line, or when its closing quote is followed by
/// anything but a separator or a line end (the usual case: the quote that opens a field of a
/// later row). Reading then resumes at the line after the one that opened the quote.
final class RecordReader {
    enum Failure: Error {
        case unclosedQuote(column: Int)
        /// errno of a failed read or seek; the data ends there.
        case read(Int32)
    }

    static let maxQuotedSpan = 1 << 16

    private let file: UnsafeMutablePointer<FILE>
    private var block = [UInt8](repeating: 0, count: 1 << 16)
    private var pos = 0
    private var end = 0
    /// File offset of `block[0]`.
    private var blockBase = 0
    private var atEOF = false
    /// Set when a read fails; reported once, when the data before it is used up.
    private(set) var readError: Int32?
    private var line = 1
    var separator = UInt8(ascii: ",")

    /// File offset of the next unread byte: where the next record starts.
    var offset: Int { blockBase + pos }

    /// Reads from `offset` on (0: the start, where a BOM is skipped).
    init(file: UnsafeMutablePointer<FILE>, offset: Int = 0) {
        self.file = file
        guard offset == 0 else { seek(to: offset, line: 1); return }
        fill()
        // A UTF-8 BOM is tolerated.
        if end >= 3 && block[0] == 0xEF && block[1] == 0xBB && block[2] == 0xBF { pos = 3 }
    }

    deinit { fclose(file) }

    /// Reads the next block; only called once the current one is used up.
    private func fill() {
        blockBase += end
        pos = 0
        end = block.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
        if end < block.count && ferror(file) != 0 { readError = readError ?? errno }
        // Nothing past a failed read is trusted.
        if end == 0 || readError != nil { atEOF = true }
    }

    /// Goes to `offset`, within the block when it still holds it.
    private func seek(to offset: Int, line: Int) {
        self.line = line
        if offset >= blockBase && offset <= blockBase + end { pos = offset - blockBase; return }
        blockBase = offset
        pos = 0
        end = 0
        atEOF = false
        guard fseek(file, offset, SEEK_SET) == 0 else { readError = errno; atEOF = true; return }
        fill()
    }

    private func nextByte() -> UInt8? {
        guard let b = peekByte() else { return nil }
        pos += 1
        return b
    }

    private func peekByte() -> UInt8? {
        if pos >= end && !atEOF { fill() }
        return pos < end ? block[pos] : nil
    }

    /// The pending read error, as the failure of the record that started on `line`.
    private func takeReadError<T>(line: Int) -> (line: Int, record: Result<T, Failure>)? {
        guard let code = readError else { return nil }
        readError = nil
        return (line, .failure(.read(code)))
    }

    /// The first line, without consuming it (format sniffing).
    func peekLine() -> String {
        let slice = block[pos..<end]
        let stop = slice.firstIndex(of: UInt8(ascii: "\n")) ?? end
        return String(decoding: block[pos..<stop], as: UTF8.self)
    }

    func nextLine() -> (line: Int, record: Result<String, Failure>)? {
        guard peekByte() != nil else { return takeReadError(line: line) }
        var bytes: [UInt8] = []
        let start = line
        while let b = nextByte() {
            if b == UInt8(ascii: "\n") { line += 1; break }
            bytes.append(b)
        }
        // No line end: the data ended, and after a failed read the line is cut short.
        if line == start && readError != nil { return takeReadError(line: start) }
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        return (start, .success(String(decoding: bytes, as: UTF8.self)))
    }

    func nextRecord() -> (line: Int, record: Result<[String], Failure>)? {
        guard peekByte() != nil else { return takeReadError(line: line) }
        let start = line
        var fields: [String] = []
        var field: [UInt8] = []
        var quoted = false
        var wasQuoted = false
        /// Where the rows after an unclosed quote start: the line after the one that opened it.
        var resume: (offset: Int, line: Int)?
        func unclosed() -> (line: Int, record: Result<[String], Failure>) {
            if let resume { seek(to: resume.offset, line: resume.line) }
            return (start, .failure(.unclosedQuote(column: fields.count)))
        }
        while let b = nextByte() {
            if quoted {
                if b == UInt8(ascii: "\"") {
                    if peekByte() == UInt8(ascii: "\"") { _ = nextByte(); field.append(b); continue }
                    quoted = false
                    if resume != nil, let after = peekByte(),
                       after != separator && after != UInt8(ascii: "\r") && after != UInt8(ascii: "\n") {
                        return unclosed()
                    }
                    continue
                }
                if b == UInt8(ascii: "\n") {
                    line += 1
                    if resume == nil { resume = (offset, line) }
                }
                field.append(b)
                if let resume, offset - resume.offset > Self.maxQuotedSpan { return unclosed() }
                continue
            }
            if b == UInt8(ascii: "\"") && field.isEmpty && !wasQuoted { quoted = true; wasQuoted = true; resume = nil; continue }
            if b == separator {
                fields.append(String(decoding: field, as: UTF8.self))
                field.removeAll(keepingCapacity: true)
                wasQuoted = false
                continue
            }
            if b == UInt8(ascii: "\n") {
                line += 1
                fields.append(String(decoding: field, as: UTF8.self))
                return (start, .success(fields))
            }
            if b == UInt8(ascii: "\r") && peekByte() == UInt8(ascii: "\n") { continue }
            field.append(b)
        }
        // The data ended inside the record. After a failed read the record is cut short, unless
        // an unclosed quote has rows to go back to.
        if quoted && (resume != nil || readError == nil) { return unclosed() }
        if readError != nil { return takeReadError(line: start) }
        fields.append(String(decoding: field, as: UTF8.self))
        return (start, .success(fields))
    }
}
