#if canImport(Glibc)
import Glibc
#endif
import Foundation
import ICPInventory
import ICPModel
import ICPReport

public struct ScanConfiguration: Sendable {
    public var inventoryPath: String
    public var outDirectory: String?
    /// An interrupted run directory to continue: written rows are kept, the rest audited.
    public var resumeDirectory: String?
    /// An earlier run report.html shows the trend against (`--baseline`); a resumed run keeps
    /// the one it started with.
    public var baselineDirectory: String?
    public var concurrency = 200
    /// Event loops (each one thread with a curl multi handle and a c-ares channel).
    public var loops = max(1, min(4, ProcessInfo.processInfo.activeProcessorCount))
    public var options = AuditOptions()
    public var showProgress = isatty(STDERR_FILENO) == 1

    public init(inventoryPath: String) { self.inventoryPath = inventoryPath }
}

public struct ScanOutcome: Sendable {
    public var directory: String
    public var sites: Int
    public var badRows: Int
    public var verdicts: [Verdict: Int]
    public var wallSeconds: Double
}

/// A whole `scan`: streams the inventory through a bounded pool of site audits and writes each
/// record as its site finishes.
public enum ScanRun {
    public static func run(_ config: ScanConfiguration) async throws -> ScanOutcome {
        let reader = try InventoryReader(path: config.inventoryPath)
        let index = try InventoryIndex(inventory: config.inventoryPath)
        let startedAt = Timestamp.now()
        let directory = config.resumeDirectory ?? config.outDirectory ?? "runs/\(Timestamp.compact())"
        let checksum = try InventoryReader.checksum(path: config.inventoryPath)
        var carried: [SiteRecord] = []
        var baseline = config.baselineDirectory
        if config.resumeDirectory != nil {
            let info = try Resume.info(of: directory, checksum: checksum)
            carried = Resume.records(in: directory)
            baseline = baseline ?? info["baseline"] as? String
        }
        let trend = try baseline.map { try TrendPoint.chain(baseline: $0) } ?? []
        if config.resumeDirectory == nil {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try Resume.describe(directory, config, checksum: checksum)
        }
        let done = Set(carried.map(\.line))
        let loops = try LoopGroup(count: config.loops, dnsServers: config.options.dnsServers, dnsTimeoutMilliseconds: 2000)
        let pool = SitePool(limit: config.concurrency, parkedLimit: config.concurrency * 8)
        let auditor = SiteAuditor(options: config.options, loops: loops, gate: PerIPGate(limit: config.options.perIP),
                                  pool: pool, index: index)
        let started = Date()
        let writer = try RunWriter(directory: directory, progress: Progress(enabled: config.showProgress, started: started),
                                   carried: carried)

        await withDiscardingTaskGroup { group in
            for row in reader {
                switch row {
                case .failure(let bad):
                    writer.skip(bad)
                case .success(let site) where !done.contains(site.line):
                    await pool.admit()
                    group.addTask {
                        writer.write(await auditor.audit(site, checkedAt: Timestamp.now()))
                        pool.leave()
                    }
                case .success:
                    break  // written before the interruption
                }
            }
        }
        let (summary, reportSites) = writer.finish()

        let wall = Date().timeIntervalSince(started)
        let finishedAt = Timestamp.now()
        try OutputFile(path: directory + "/summary.json").write(summary.json(startedAt: startedAt, finishedAt: finishedAt, wallSeconds: wall, options: [
            ("inventory", config.inventoryPath), ("concurrency", String(config.concurrency)), ("per_ip", String(config.options.perIP)),
        ], trend: trend))
        let report = HTMLReport(title: TrendPoint.runName(directory: directory), summary: summary, sites: reportSites, trend: trend,
                                finishedAt: finishedAt, inventory: config.inventoryPath)
        let reportFile = try OutputFile(path: directory + "/report.html")
        report.write { reportFile.write($0, flush: false) }
        return ScanOutcome(directory: directory, sites: summary.sites, badRows: summary.badRows,
                           verdicts: summary.verdicts, wallSeconds: wall)
    }

}

/// What `--resume` needs: run.json says which inventory a run is over; findings.jsonl says
/// which rows are done (its complete lines; a line half-written by a killed run is dropped).
enum Resume {
    static func describe(_ directory: String, _ config: ScanConfiguration, checksum: String) throws {
        var j = JSONBuffer()
        j.beginObject()
        j.key("inventory"); j.string(config.inventoryPath)
        j.key("inventory_checksum"); j.string("fnv1a64:" + checksum)
        j.key("concurrency"); j.number(config.concurrency)
        j.key("per_ip"); j.number(config.options.perIP)
        // Absolute, so a resume from another directory finds it.
        if let baseline = config.baselineDirectory { j.key("baseline"); j.string(URL(fileURLWithPath: baseline).standardizedFileURL.path) }
        j.key("started_at"); j.string(Timestamp.now())
        j.endObject()
        j.newline()
        try OutputFile(path: directory + "/run.json").write(j.bytes)
    }

    /// run.json of a run to resume over the inventory with `checksum`.
    static func info(of directory: String, checksum: String) throws -> [String: Any] {
        guard let run = FileManager.default.contents(atPath: directory + "/run.json"),
              let info = try? JSONSerialization.jsonObject(with: run) as? [String: Any] else {
            throw InventoryError(description: "\(directory): not a run directory to resume (no readable run.json)")
        }
        guard info["inventory_checksum"] as? String == "fnv1a64:" + checksum else {
            throw InventoryError(description: "\(directory): the inventory changed since this run started; start a new run")
        }
        return info
    }

    static func records(in directory: String) -> [SiteRecord] {
        let text = (try? String(contentsOfFile: directory + "/findings.jsonl", encoding: .utf8)) ?? ""
        var seen = Set<Int>()
        var records: [SiteRecord] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            guard let record = SiteRecord(jsonLine: line), seen.insert(record.line).inserted else { continue }
            records.append(record)
        }
        return records
    }
}

/// Sites done, rate and findings on a terminal; nothing when the output is not one.
final class Progress: @unchecked Sendable {
    private let enabled: Bool
    private let started: Date
    private var lastDraw = 0.0

    init(enabled: Bool, started: Date) {
        self.enabled = enabled
        self.started = started
    }

    func update(_ s: RunSummary) {
        guard enabled else { return }
        let elapsed = Date().timeIntervalSince(started)
        guard elapsed - lastDraw >= 0.25 else { return }
        lastDraw = elapsed
        draw(s, elapsed)
    }

    func finish(_ s: RunSummary) {
        guard enabled else { return }
        draw(s, Date().timeIntervalSince(started))
        FileHandle.standardError.write(Data("\n".utf8))
    }

    private func draw(_ s: RunSummary, _ elapsed: Double) {
        let rate = elapsed > 0 ? Double(s.sites) / elapsed : 0
        let line = "\r\(s.sites) sites  \(String(format: "%.1f", rate))/s  \(s.findingCount) findings  \(s.verdicts[.fail] ?? 0) fail  \(s.verdicts[.unreachable] ?? 0) unreachable "
        FileHandle.standardError.write(Data(line.utf8))
    }
}

enum Timestamp {
    /// `2026-11-23T02:00:00Z`
    static func now() -> String { format("%Y-%m-%dT%H:%M:%SZ") }
    /// `20261123T020000Z`, for run directory names.
    static func compact() -> String { format("%Y%m%dT%H%M%SZ") }

    private static func format(_ pattern: String) -> String {
        var t = time(nil)
        var tm = tm()
        gmtime_r(&t, &tm)
        var buf = [CChar](repeating: 0, count: 32)
        let n = strftime(&buf, buf.count, pattern, &tm)
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
