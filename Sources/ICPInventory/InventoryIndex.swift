#if canImport(Glibc)
import Glibc
#endif
import ICPDomains
import ICPModel

/// Finds the inventory row of a host (for A→B redirects between sites) in memory that does
/// not grow with the inventory: one pass writes (hash of host, row offset, line) entries, sorted in
/// bounded runs and merged into a temporary file; a lookup binary-searches that file with
/// `pread` and reads the row back from the inventory (a hash collision only costs a row read).
// @unchecked: after `init` nothing changes; `file` is only read with `pread`, which any thread may do.
public final class InventoryIndex: @unchecked Sendable {
    private struct Entry: Comparable {
        var hash: UInt64
        var offset: UInt64
        var line: UInt64
        static func < (a: Entry, b: Entry) -> Bool { (a.hash, a.offset) < (b.hash, b.offset) }
    }

    /// Entries sorted in memory at a time (24 bytes each).
    static let runLength = 1 << 16
    private static let mergeBuffer = 256

    private let reader: InventoryReader
    private let file: UnsafeMutablePointer<FILE>
    private let count: Int

    public init(inventory path: String) throws {
        let reader = try InventoryReader(path: path)
        var runs = try Self.temporaryFile()
        var run: [Entry] = []
        run.reserveCapacity(Self.runLength)
        var runCount = 0, total = 0
        func flush() throws {
            guard !run.isEmpty else { return }
            run.sort()
            try Self.write(run, to: runs)
            total += run.count
            runCount += 1
            run.removeAll(keepingCapacity: true)
        }
        while let row = reader.next() {
            guard case .success(let site) = row else { continue }
            for host in Set([site.domain] + site.hosts) {
                run.append(Entry(hash: FNV1a64.hash(host), offset: UInt64(reader.rowOffset), line: UInt64(site.line)))
                if run.count == Self.runLength { try flush() }
            }
        }
        try flush()
        if runCount > 1 {
            let merged = try Self.temporaryFile()
            try Self.merge(runs: fileno(runs), total: total, into: merged)
            fclose(runs)
            runs = merged
        }
        self.reader = reader
        self.file = runs
        self.count = total
    }

    deinit { fclose(file) }

    /// Appends `entries` to `file`, flushed: a full temporary file system is icpaudit's failure,
    /// never a silently short index (redirect targets judged against the wrong row).
    private static func write(_ entries: [Entry], to file: UnsafeMutablePointer<FILE>) throws {
        let written = entries.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        guard written == entries.count * MemoryLayout<Entry>.stride, fflush(file) == 0 else {
            throw TemporaryFileFailure(description: "writing the inventory's index to a temporary file in /tmp: \(String(cString: strerror(errno)))")
        }
    }

    /// An anonymous temporary file (`tmpfile`: glibc makes it in /tmp).
    private static func temporaryFile() throws -> UnsafeMutablePointer<FILE> {
        guard let file = tmpfile() else {
            throw TemporaryFileFailure(description: "no temporary file in /tmp for the inventory's index: \(String(cString: strerror(errno)))")
        }
        return file
    }

    /// The row of `host`: the host itself, then without `www.`, then its registrable domain.
    public func site(forHost host: String) -> Site? {
        var candidates = [host]
        if host.hasPrefix("www.") { candidates.append(String(host.dropFirst(4))) }
        if let reg = Domains.registrableDomain(host), !candidates.contains(reg) { candidates.append(reg) }
        for name in candidates {
            for e in entries(FNV1a64.hash(name)) {
                if let site = site(e), site.domain == name || site.hosts.contains(name) { return site }
            }
        }
        return nil
    }

    /// The row filed for `domain`; of several, the one on `line` when there is one, else the first.
    public func site(forDomain domain: String, line: Int? = nil) -> Site? {
        let rows = entries(FNV1a64.hash(domain)).compactMap(site).filter { $0.domain == domain }
        return rows.first { $0.line == line } ?? rows.first
    }

    private func site(_ e: Entry) -> Site? {
        guard var site = reader.site(at: Int(e.offset)) else { return nil }
        site.line = Int(e.line)
        return site
    }

    private func entries(_ hash: UInt64) -> [Entry] {
        let fd = fileno(file)
        var lo = 0, hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            if entry(fd, mid).hash < hash { lo = mid + 1 } else { hi = mid }
        }
        var out: [Entry] = []
        var i = lo
        while i < count, case let e = entry(fd, i), e.hash == hash { out.append(e); i += 1 }
        return out
    }

    private func entry(_ fd: Int32, _ i: Int) -> Entry {
        var e = Entry(hash: 0, offset: 0, line: 0)
        _ = withUnsafeMutableBytes(of: &e) { pread(fd, $0.baseAddress, $0.count, off_t(i * MemoryLayout<Entry>.stride)) }
        return e
    }

    /// k-way merge of the sorted runs in `fd` (each `runLength` long but the last).
    private static func merge(runs fd: Int32, total: Int, into out: UnsafeMutablePointer<FILE>) throws {
        struct Cursor { var next: Int; var end: Int; var buffer: [Entry]; var at: Int }
        let width = MemoryLayout<Entry>.stride
        var cursors: [Cursor] = stride(from: 0, to: total, by: runLength).map {
            Cursor(next: $0, end: min($0 + runLength, total), buffer: [], at: 0)
        }
        func refill(_ c: inout Cursor) {
            let n = min(mergeBuffer, c.end - c.next)
            c.buffer = [Entry](repeating: Entry(hash: 0, offset: 0, line: 0), count: n)
            _ = c.buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(c.next * width)) }
            c.next += n
            c.at = 0
        }
        for i in cursors.indices { refill(&cursors[i]) }
        var output: [Entry] = []
        output.reserveCapacity(mergeBuffer)
        while true {
            var best = -1
            for i in cursors.indices where cursors[i].at < cursors[i].buffer.count {
                if best < 0 || cursors[i].buffer[cursors[i].at] < cursors[best].buffer[cursors[best].at] { best = i }
            }
            guard best >= 0 else { break }
            output.append(cursors[best].buffer[cursors[best].at])
            cursors[best].at += 1
            if cursors[best].at == cursors[best].buffer.count && cursors[best].next < cursors[best].end { refill(&cursors[best]) }
            if output.count == mergeBuffer {
                try write(output, to: out)
                output.removeAll(keepingCapacity: true)
            }
        }
        try write(output, to: out)
    }

}

/// icpaudit could not make or fill a temporary file (/tmp full or unwritable): its own failure,
/// exit 1, never a finding.
public struct TemporaryFileFailure: Error, CustomStringConvertible {
    public var description: String
}
