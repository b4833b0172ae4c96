#if canImport(Glibc)
import Glibc
#endif
import Foundation
import ICPInventory
import ICPLoop
import ICPModel
import ICPReport
import ICPRules

public struct ScanConfiguration: Sendable {
    public var inventoryPath: String
    public var outDirectory: String?
    /// An interrupted run directory to continue: written rows are kept, the rest audited.
    public var resumeDirectory: String?
    /// An earlier run report.html shows the trend against (`--baseline`); a resumed run keeps
    /// the one it started with.
    public var baselineDirectory: String?
    /// `--metrics`: where metrics.prom is also written (a textfile collector's directory).
    public var metricsPath: String?
    /// `--lang`: the language of the findings' details and of report.html.
    public var reportLanguage = ReportLanguage.zh
    public var concurrency = defaultConcurrency
    public static let defaultConcurrency = 200
    /// Only this shard's rows (`--shard`); a resumed run keeps the shard it started with.
    public var shard: Shard?
    /// Event loops (each one thread with a curl multi handle and a c-ares channel).
    public var loops = max(1, min(4, ProcessInfo.processInfo.activeProcessorCount))
    public var options = AuditOptions()
    /// How findings are judged beside the inventory: the provider's address ranges (`--ranges`),
    /// the CDN catalogue and the provider's own CDNs (`--cdn-catalogue`, `--own-cdn`).
    public var ranges: CIDRSet?
    public var cdn = CDNPolicy(catalogue: .builtIn)
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
/// site's observation and record as it finishes.
public enum ScanRun {
    public static func run(_ requested: ScanConfiguration) async throws -> ScanOutcome {
        var config = requested
        config.concurrency = fitToDescriptors(config)
        let reader = try InventoryReader(path: config.inventoryPath)
        let index = try InventoryIndex(inventory: config.inventoryPath)
        let startedAt = Timestamp.now()
        let directory = config.resumeDirectory ?? config.outDirectory ?? "runs/\(Timestamp.compact())"
        let checksum = try InventoryReader.checksum(path: config.inventoryPath)
        var baseline = config.baselineDirectory
        var resumes = 0
        if config.resumeDirectory != nil {
            var info = try RunInfo.read(directory)
            guard info.checksum == checksum else {
                throw InventoryError(description: "\(directory): the inventory changed since this run started; start a new run")
            }
            baseline = baseline ?? info.baseline
            if let asked = config.shard, asked != info.shard {
                throw InventoryError(description: "\(directory): this run is \(info.shard.map { "shard \($0)" } ?? "not sharded"); --shard \(asked) does not continue it")
            }
            config.shard = info.shard
            info.resumes += 1
            resumes = info.resumes
            try info.write(directory)
        }
        let trend = try baseline.map { try TrendPoint.chain(baseline: $0) } ?? []
        if config.resumeDirectory == nil {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try RunInfo(inventory: config.inventoryPath, checksum: checksum, ranges: config.ranges, cdn: config.cdn,
                        baseline: baseline, options: config.runOptions, shard: config.shard).write(directory)
        }
        var rejudge = Rejudge(inventoryPath: config.inventoryPath, index: index, ranges: config.ranges, cdn: config.cdn,
                              mismatch: .leaveOut)
        let started = Date()
        // Kept sites are judged again from their observations: the one source of truth.
        let writer = try RunWriter(directory: directory, language: config.reportLanguage,
                                   progress: ProgressLine(enabled: config.showProgress, started: started), carry: config.resumeDirectory == nil ? { _ in } : { keep in
            try rejudge.judgeSaved(in: directory + "/observations.jsonl", keep: keep)
        })
        rejudge.printNotes()
        let done = rejudge.judgedLines

        let loops = try LoopGroup(count: config.loops, dnsServers: config.options.dnsServers, dnsTimeoutMilliseconds: 2000,
                                  riskWords: config.options.riskWords)
        defer { loops.shutdown() }
        let renderer = try await startRenderer(config.options)
        let pool = SitePool(limit: config.concurrency, parkedLimit: config.concurrency * 8, loopsBusy: loops.busyFraction)
        let auditor = SiteAuditor(options: config.options, loops: loops, gate: PerIPGate(limit: config.perIPLimit),
                                  dnsGate: KeyedGate(limit: config.options.dnsConcurrency), pool: pool, judge: rejudge.judge, renderer: renderer)
        let suspects = Suspects()
        do {
            try await audit(reader, shard: config.shard, done: done, pool: pool, auditor: auditor, writer: writer, suspects: suspects)
            let idle = SitePool(limit: min(config.concurrency, recheckConcurrency), parkedLimit: recheckConcurrency)
            try await recheck(suspects.take(), auditor: auditor.forSecondLook(pool: idle), pool: idle, writer: writer)
        } catch {
            await renderer?.shutdown()
            throw error
        }
        await renderer?.shutdown()
        let wall = Date().timeIntervalSince(started)
        let summary = try writer.finish(RunWriter.Closing(startedAt: startedAt, wallSeconds: wall, inventory: config.inventoryPath,
                                                          options: config.runOptions + (config.shard.map { [("shard", $0.description)] } ?? []),
                                                          trend: trend, resumes: resumes, metricsPath: config.metricsPath))
        return ScanOutcome(directory: directory, sites: summary.sites, badRows: summary.badRows,
                           verdicts: summary.verdicts, wallSeconds: wall)
    }

    /// The browser for `--render`. Without one, `auto` warns once and goes on (the pages that
    /// needed it get PAGE_SCRIPT_RENDERED); `always` cannot do what it was asked.
    private static func startRenderer(_ options: AuditOptions) async throws -> PageRenderer? {
        do {
            return try await PageRenderer.start(options)
        } catch {
            if options.render == .always { throw RenderUnavailable(description: "--render always: \(error)") }
            FileHandle.standardError.write(Data("icpaudit: warning: no browser for --render auto (\(error)); pages that need one get PAGE_SCRIPT_RENDERED\n".utf8))
            return nil
        }
    }

    /// Streams the inventory through the pool of site audits. A site with a suspect host is
    /// held back for `recheck`; the others are written as they finish.
    private static func audit(_ reader: InventoryReader, shard: Shard?, done: Set<Int>, pool: SitePool, auditor: SiteAuditor,
                              writer: RunWriter, suspects: Suspects) async throws {
        try await withThrowingDiscardingTaskGroup { group in
            for row in reader {
                switch row {
                case .failure(let bad):
                    writer.skip(bad)
                case .success(let site) where shard?.contains(domain: site.domain) == false:
                    break  // another shard's row
                case .success(let site) where !done.contains(site.line):
                    try await start(in: &group, pool: pool, writer: writer) {
                        let (seen, record) = try await auditor.audit(site, checkedAt: Timestamp.now())
                        if !suspects.hold(site, seen) { writer.write(seen, record) }
                    }
                case .success:
                    break  // written before the interruption
                }
            }
        }
    }

    /// Runs `audit` in `group` once `pool` has room for it. Once the writer has failed nothing more
    /// is started (the sites in flight finish) and its failure is thrown.
    private static func start(in group: inout ThrowingDiscardingTaskGroup<any Error>, pool: SitePool, writer: RunWriter,
                              _ audit: @escaping @Sendable () async throws -> Void) async throws {
        await pool.admit()
        if let failure = writer.failure {
            pool.leave()
            throw failure
        }
        group.addTask {
            defer { pool.leave() }
            try await audit()
        }
    }

    /// Sites at once when the suspects are looked at again: few enough that the loops, the
    /// gates and the browser are idle, so what fails now is the site's.
    static let recheckConcurrency = 16

    /// SPEC: a failure seen while the crawler was saturated is checked again at the end of the
    /// run with the crawler idle, and reported only if seen again. The site is audited afresh
    /// (fresh connections, every host and view) and written as that second look shows it, each
    /// suspect host with its first look beside it (`first_look`).
    private static func recheck(_ held: [Suspects.Held], auditor: SiteAuditor, pool: SitePool, writer: RunWriter) async throws {
        try await withThrowingDiscardingTaskGroup { group in
            for suspect in held {
                try await start(in: &group, pool: pool, writer: writer) {
                    var (seen, record) = try await auditor.audit(suspect.site, checkedAt: Timestamp.now())
                    for i in seen.hosts.indices {
                        let again = seen.hosts[i]
                        seen.hosts[i].firstLook = suspect.looks.first { $0.host == again.host && $0.view == again.view }?.look
                    }
                    writer.write(seen, record)
                }
            }
        }
    }
}

/// The sites held back for a second look, with their suspect looks (not their whole
/// observations: a night can hold thousands).
final class Suspects: Sendable {
    struct Held: Sendable {
        var site: Site
        var looks: [(host: String, view: View, look: SuspectLook)]
    }

    private let held = Locked<[Held]>([])

    /// Holds `site` back when a host of `seen` is a suspect; false when it need not be.
    func hold(_ site: Site, _ seen: SiteObservation) -> Bool {
        let looks = seen.hosts.compactMap { h in h.suspect.map { (h.host, h.view, $0) } }
        guard !looks.isEmpty else { return false }
        held.withLock { $0.append(Held(site: site, looks: looks)) }
        return true
    }

    /// Every site held, in the order they were held; none after.
    func take() -> [Held] { held.withLock { list in defer { list = [] }; return list } }
}

/// `--render always` without a browser that starts.
public struct RenderUnavailable: Error, CustomStringConvertible {
    public var description: String
}

extension ScanRun {
    /// Descriptors each working site may hold at once: one connection per host (two hosts).
    static let descriptorsPerSite = 2
    /// Descriptors kept for the rest: output files, the loops' epoll and event fds, c-ares sockets.
    static let descriptorReserve = 64

    /// Raises the soft descriptor limit to the hard one and lowers `--concurrency`, with one
    /// warning, when the sites it admits could run out of descriptors (which would otherwise end
    /// as false CONNECT_FAILED and DNS_ERROR findings).
    static func fitToDescriptors(_ config: ScanConfiguration) -> Int {
        let limit = Descriptors.raiseSoftLimit()
        let spare = limit - Descriptors.openNow() - descriptorReserve - config.loops * 8
        let fits = max(1, spare / descriptorsPerSite)
        guard config.concurrency > fits else { return config.concurrency }
        FileHandle.standardError.write(Data("icpaudit: warning: --concurrency \(config.concurrency) lowered to \(fits) to stay within the file-descriptor limit (ulimit -n \(limit)); raise the hard limit to audit more sites at once\n".utf8))
        return fits
    }
}

extension ScanConfiguration {
    /// The options summary.json and run.json name.
    var runOptions: [(String, String)] {
        var named = [("concurrency", String(concurrency)), ("per_ip", String(options.perIP)), ("dns_concurrency", String(options.dnsConcurrency))]
        if shard != nil { named.append(("per_ip_in_shard", String(perIPLimit))) }
        if options.cloakCheck { named.append(("cloak_check", "true")) }
        return named
    }

    /// `--per-ip` of this process: a shard takes its part, so the job's N shards running at
    /// once do not open N times the cap to one shared server.
    var perIPLimit: Int { shard?.perIP(of: options.perIP) ?? options.perIP }
}

/// run.json: which inventory a run is over (and its checksum, so `--resume` refuses a changed
/// one), the provider ranges and CDN catalogue it was judged with, its baseline.
struct RunInfo {
    var inventory: String
    var checksum: String
    var ranges: CIDRSet?
    /// The catalogue and own CDNs, kept whole so `judge` and `merge` apply what the scan did; a
    /// run from before the catalogue has none (`.none`: judged as it was, without CDNs).
    var cdn = CDNPolicy.none
    var baseline: String?
    var options: [(String, String)] = []
    var shard: Shard?
    var judgedFrom: String?
    /// A merged run's shards (`merge`), and the ones it lacks (`--allow-partial`).
    var merged: MergedShards?
    /// Times the run was continued with `--resume`.
    var resumes = 0
    /// When the run was first started; kept when a resume writes run.json again.
    var startedAt = Timestamp.now()

    func write(_ directory: String) throws {
        var j = JSONBuffer()
        j.beginObject()
        // Absolute, so `judge` and a resume from another directory find the run's own.
        j.key("inventory"); j.string(URL(fileURLWithPath: inventory).standardizedFileURL.path)
        j.key("inventory_checksum"); j.string("fnv1a64:" + checksum)
        if let ranges { j.key("ranges"); j.strings(ranges.blocks.map(\.description)) }
        if cdn != .none {
            j.key("own_cdn"); j.strings(cdn.own)
            j.key("cdn_catalogue"); j.string(cdn.catalogue.text)
        }
        for (k, v) in options { j.key(k); j.string(v) }
        if let shard { j.key("shard"); j.string(shard.description) }
        if let merged { merged.write(into: &j) }
        if let baseline { j.key("baseline"); j.string(URL(fileURLWithPath: baseline).standardizedFileURL.path) }
        if let judgedFrom { j.key("judged_from"); j.string(judgedFrom) }
        if resumes > 0 { j.key("resumes"); j.number(resumes) }
        j.key("started_at"); j.string(startedAt)
        j.endObject()
        j.newline()
        try OutputFile.write(j.bytes, to: directory + "/run.json")
    }

    static func read(_ directory: String) throws -> RunInfo {
        guard let data = FileManager.default.contents(atPath: directory + "/run.json"),
              let o = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let inventory = o["inventory"] as? String, let checksum = o["inventory_checksum"] as? String else {
            throw InventoryError(description: "\(directory): not a run directory (no readable run.json)")
        }
        var ranges: CIDRSet?
        if let blocks = o["ranges"] as? [String] {
            let parsed = blocks.compactMap(CIDR.init)
            guard parsed.count == blocks.count else { throw InventoryError(description: "\(directory)/run.json: a range is not CIDR") }
            ranges = CIDRSet(blocks: parsed)
        }
        var cdn = CDNPolicy.none
        if let text = o["cdn_catalogue"] as? String {
            do {
                cdn = try CDNPolicy(catalogue: CDNCatalogue.parse(text, file: directory + "/run.json cdn_catalogue"),
                                    own: o["own_cdn"] as? [String] ?? [])
            } catch {
                throw InventoryError(description: "\(directory)/run.json: \(error)")
            }
        }
        var shard: Shard?
        if let text = o["shard"] as? String {
            guard let parsed = Shard(text) else { throw InventoryError(description: "\(directory)/run.json: shard '\(text)' is not K/N") }
            shard = parsed
        }
        return RunInfo(inventory: inventory, checksum: String(checksum.dropFirst("fnv1a64:".count)), ranges: ranges, cdn: cdn,
                       baseline: o["baseline"] as? String,
                       options: ["concurrency", "per_ip", "dns_concurrency", "per_ip_in_shard"].compactMap { k in (o[k] as? String).map { (k, $0) } },
                       shard: shard, judgedFrom: o["judged_from"] as? String, merged: MergedShards.read(o),
                       resumes: o["resumes"] as? Int ?? 0,
                       startedAt: o["started_at"] as? String ?? Timestamp.now())
    }
}

/// Sites done, rate and findings on a terminal; nothing when the output is not one. The run
/// writer's, drawn on its queue.
struct ProgressLine {
    private let enabled: Bool
    private let started: Date
    private var lastDraw = 0.0

    init(enabled: Bool, started: Date) {
        self.enabled = enabled
        self.started = started
    }

    mutating func update(_ s: RunSummary) {
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
