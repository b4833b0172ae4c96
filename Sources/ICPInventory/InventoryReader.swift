#if canImport(Glibc)
import Glibc
#endif
import Foundation
import ICPModel
import ICPRules

/// The file could not be read as an inventory at all (SPEC: exit 2 with a clear message).
public struct InventoryError: Error, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}

/// Streams an inventory (CSV, TSV or JSON Lines, SPEC field names) row by row: memory does not
/// grow with its length. A bad row comes out as a `BadRow` naming its line and field.
public final class InventoryReader: Sequence, IteratorProtocol {
    public enum Format: String { case csv, tsv, jsonl }

    public let path: String
    public let format: Format
    private let records: RecordReader
    private var columns: [String: Int] = [:]
    /// File offset of the row `next()` returned last, for `site(at:)`.
    public private(set) var rowOffset = 0

    static let knownFields = ["domain", "icp", "service_name", "ips", "psb", "hosts"]

    /// FNV-1a over the file's bytes, in hex: tells `--resume` whether the inventory changed.
    public static func checksum(path: String) throws -> String {
        guard let f = fopen(path, "rb") else {
            throw InventoryError(description: "\(path): cannot open: \(String(cString: strerror(errno)))")
        }
        defer { fclose(f) }
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        var block = [UInt8](repeating: 0, count: 1 << 16)
        while case let n = block.withUnsafeMutableBytes({ fread($0.baseAddress, 1, $0.count, f) }), n > 0 {
            for b in block[0..<n] { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        }
        return String(h, radix: 16)
    }

    public init(path: String) throws {
        self.path = path
        guard let file = fopen(path, "rb") else {
            throw InventoryError(description: "\(path): cannot open: \(String(cString: strerror(errno)))")
        }
        let reader = RecordReader(file: file)
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
        if format != .jsonl {
            guard let (_, header) = records.nextRecord() else {
                throw InventoryError(description: "\(path): empty file, not an inventory")
            }
            for (i, name) in header.enumerated() {
                columns[name.trimmingWhitespace().lowercased()] = i
            }
            let missing = ["domain", "icp"].filter { columns[$0] == nil }
            guard missing.isEmpty else {
                throw InventoryError(description: "\(path):1: not an inventory: the header has no \(missing.joined(separator: ", ")) column (need domain, icp; optional service_name, ips, psb, hosts)")
            }
        } else if !first.hasPrefix("{") {
            throw InventoryError(description: "\(path):1: not an inventory: expected a JSON object per line")
        }
    }

    public func next() -> Result<Site, BadRow>? {
        rowOffset = records.offset
        return row(from: records)
    }

    /// The row that starts at `offset` (one `rowOffset` gave), read afresh from the file.
    public func site(at offset: Int) -> Site? {
        guard let file = fopen(path, "rb") else { return nil }
        let reader = RecordReader(file: file, offset: offset)
        reader.separator = records.separator
        guard case .success(let site) = row(from: reader) else { return nil }
        return site
    }

    private func row(from records: RecordReader) -> Result<Site, BadRow>? {
        switch format {
        case .csv, .tsv:
            guard let (line, fields) = records.nextRecord() else { return nil }
            if fields.count == 1 && fields[0].trimmingWhitespace().isEmpty { return next() }
            var values: [String: String] = [:]
            for name in Self.knownFields {
                if let i = columns[name], i < fields.count { values[name] = fields[i] }
            }
            return Self.site(values, file: path, line: line)
        case .jsonl:
            guard let (line, text) = records.nextLine() else { return nil }
            if text.trimmingWhitespace().isEmpty { return next() }
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
                             ips: ips, psb: psb, hosts: hosts))
    }
}

/// Reads delimited records (RFC 4180 quoting, fields may span lines) or plain lines from a
/// file in fixed-size blocks.
final class RecordReader {
    private let file: UnsafeMutablePointer<FILE>
    private var block = [UInt8](repeating: 0, count: 1 << 16)
    private var pos = 0
    private var end = 0
    /// File offset of `block[0]`.
    private var blockBase = 0
    private var atEOF = false
    private var line = 1
    var separator = UInt8(ascii: ",")

    /// File offset of the next unread byte: where the next record starts.
    var offset: Int { blockBase + pos }

    /// Reads from `offset` on (0: the start, where a BOM is skipped).
    init(file: UnsafeMutablePointer<FILE>, offset: Int = 0) {
        self.file = file
        if offset > 0 { fseek(file, offset, SEEK_SET); blockBase = offset }
        fill()
        guard offset == 0 else { return }
        // A UTF-8 BOM is tolerated.
        if end >= 3 && block[0] == 0xEF && block[1] == 0xBB && block[2] == 0xBF { pos = 3 }
    }

    deinit { fclose(file) }

    private func fill() {
        blockBase += pos
        if pos < end { block.replaceSubrange(0..<(end - pos), with: block[pos..<end]) }
        end -= pos
        pos = 0
        let n = block.withUnsafeMutableBytes { fread($0.baseAddress! + end, 1, $0.count - end, file) }
        end += n
        if n == 0 { atEOF = true }
    }

    private func nextByte() -> UInt8? {
        if pos >= end {
            if atEOF { return nil }
            fill()
            if pos >= end { return nil }
        }
        defer { pos += 1 }
        return block[pos]
    }

    private func peekByte() -> UInt8? {
        if pos >= end && !atEOF { fill() }
        return pos < end ? block[pos] : nil
    }

    /// The first line, without consuming it (format sniffing).
    func peekLine() -> String {
        let slice = block[pos..<end]
        let stop = slice.firstIndex(of: UInt8(ascii: "\n")) ?? end
        return String(decoding: block[pos..<stop], as: UTF8.self)
    }

    func nextLine() -> (Int, String)? {
        guard peekByte() != nil else { return nil }
        var bytes: [UInt8] = []
        let start = line
        while let b = nextByte() {
            if b == UInt8(ascii: "\n") { line += 1; break }
            bytes.append(b)
        }
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        return (start, String(decoding: bytes, as: UTF8.self))
    }

    func nextRecord() -> (Int, [String])? {
        guard peekByte() != nil else { return nil }
        let start = line
        var fields: [String] = []
        var field: [UInt8] = []
        var quoted = false
        var wasQuoted = false
        while let b = nextByte() {
            if quoted {
                if b == UInt8(ascii: "\"") {
                    if peekByte() == UInt8(ascii: "\"") { _ = nextByte(); field.append(b) } else { quoted = false }
                } else {
                    if b == UInt8(ascii: "\n") { line += 1 }
                    field.append(b)
                }
                continue
            }
            if b == UInt8(ascii: "\"") && field.isEmpty && !wasQuoted { quoted = true; wasQuoted = true; continue }
            if b == separator {
                fields.append(String(decoding: field, as: UTF8.self))
                field.removeAll(keepingCapacity: true)
                wasQuoted = false
                continue
            }
            if b == UInt8(ascii: "\n") {
                line += 1
                break
            }
            if b == UInt8(ascii: "\r") && peekByte() == UInt8(ascii: "\n") { continue }
            field.append(b)
        }
        fields.append(String(decoding: field, as: UTF8.self))
        return (start, fields)
    }
}
