import Foundation
import ICPInventory
import ICPModel
import ICPReport

public struct MergeConfiguration: Sendable {
    /// The shards' run directories, in any order.
    public var runDirectories: [String]
    public var outDirectory: String
    /// The inventory the shards ran on (default: theirs, from run.json).
    public var inventoryPath: String?
    /// The run report.html shows the trend against (default: the shards' own, when they agree).
    public var baselineDirectory: String?
    /// Merge the shards given even when some are missing or did not finish, and list those.
    public var allowPartial = false
    public var showProgress = false
    /// `--lang`: the language of the findings' details and of report.html.
    public var reportLanguage = ReportLanguage.zh

    public init(runDirectories: [String], outDirectory: String) {
        self.runDirectories = runDirectories
        self.outDirectory = outDirectory
    }
}

public struct MergeOutcome: Sendable {
    public var run: ScanOutcome
    /// Shards no run directory was given for (`--allow-partial`).
    public var missing: [Shard]
    /// Shards given that did not finish: their written rows are merged (`--allow-partial`).
    public var unfinished: [Shard]
}

/// A merged run's shards in run.json: which run each came from, and what the merge lacks.
struct MergedShards {
    var count: Int
    var runs: [(shard: Shard, directory: String)]
    var missing: [Shard]
    var unfinished: [Shard]

    func write(into j: inout JSONBuffer) {
        j.key("shard_count"); j.number(count)
        j.key("shards"); j.beginArray()
        for (shard, directory) in runs {
            j.beginObject()
            j.key("shard"); j.string(shard.description)
            j.key("run"); j.string(URL(fileURLWithPath: directory).standardizedFileURL.path)
            j.endObject()
        }
        j.endArray()
        if !missing.isEmpty { j.key("missing_shards"); j.strings(missing.map(\.description)) }
        if !unfinished.isEmpty { j.key("unfinished_shards"); j.strings(unfinished.map(\.description)) }
    }

    /// The shards a merged run's run.json names; nil for a run that is not merged.
    static func read(_ o: [String: Any]) -> MergedShards? {
        guard let count = o["shard_count"] as? Int, let runs = o["shards"] as? [[String: String]] else { return nil }
        let shards = { (key: String) in (o[key] as? [String] ?? []).compactMap(Shard.init) }
        return MergedShards(count: count, runs: runs.compactMap { r in r["shard"].flatMap(Shard.init).map { ($0, r["run"] ?? "") } },
                            missing: shards("missing_shards"), unfinished: shards("unfinished_shards"))
    }
}

/// `icpaudit merge`: one run directory from the shards of a run (`scan --shard K/N`). Each
/// shard's observations are judged against the inventory they ran on, as `--resume` and
/// `judge` do, and written by the same writer a scan uses, so the merged run has every file a
/// scan's has and every command reads it as one.
public enum MergeRun {
    public static func run(_ config: MergeConfiguration) throws -> MergeOutcome {
        let shards = try checkOneRun(config.runDirectories).sorted { $0.shard.index < $1.shard.index }
        let first = shards[0]
        let count = first.shard.count
        let given = Set(shards.map(\.shard.index))
        let missing = (0..<count).filter { !given.contains($0) }.map { Shard(index: $0, count: count) }
        if !missing.isEmpty && !config.allowPartial {
            throw InventoryError(description: "shards missing: \(missing.map(\.description).joined(separator: ", ")) (give every shard's run directory, or --allow-partial to merge these and list the missing ones)")
        }
        let unfinished = shards.filter { $0.timing == nil }
        if let stopped = unfinished.first, !config.allowPartial {
            throw InventoryError(description: "\(stopped.directory): shard \(stopped.shard) did not finish (no summary.json): continue it with `icpaudit scan INVENTORY --resume \(stopped.directory)`, or merge what it wrote with --allow-partial")
        }

        let inventoryPath = config.inventoryPath ?? first.info.inventory
        guard try InventoryReader.checksum(path: inventoryPath) == first.info.checksum else {
            throw InventoryError(description: "\(inventoryPath): not the inventory the shards ran on (its checksum differs from their run.json); give that one with --inventory")
        }
        let index = try InventoryIndex(inventory: inventoryPath)
        let reader = try InventoryReader(path: inventoryPath)
        var rejudge = Rejudge(inventoryPath: inventoryPath, index: index, ranges: first.info.ranges, cdn: first.info.cdn, mismatch: .refuse)
        let directory = config.outDirectory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let started = Date()
        let writer = try RunWriter(directory: directory, language: config.reportLanguage, progress: ProgressLine(enabled: config.showProgress, started: started)) { keep in
            for run in shards {
                let path = run.directory + "/observations.jsonl"
                try rejudge.judgeSaved(in: path, admit: { seen in
                    guard run.shard.contains(domain: seen.domain) else {
                        throw InventoryError(description: "\(path): \(seen.domain) is not of shard \(run.shard) (it hashes to shard \(Shard.of(domain: seen.domain, count: count))): not a shard of this run")
                    }
                }, keep: keep)
            }
        }
        for case .failure(let bad) in reader { writer.skip(bad) }
        rejudge.printNotes()

        let baseline = config.baselineDirectory ?? commonBaseline(shards.map(\.info))
        let trend = try baseline.map { try TrendPoint.chain(baseline: $0) } ?? []
        let merged = MergedShards(count: count, runs: shards.map { ($0.shard, $0.directory) }, missing: missing,
                                  unfinished: unfinished.map(\.shard))
        try RunInfo(inventory: inventoryPath, checksum: first.info.checksum, ranges: first.info.ranges, cdn: first.info.cdn, baseline: baseline,
                    options: first.info.options, merged: merged).write(directory)
        // The job's time: from the first shard's start, as long as the longest shard ran.
        let timings = shards.compactMap(\.timing)
        let wall = timings.map(\.wallSeconds).max() ?? Date().timeIntervalSince(started)
        let startedAt = timings.map(\.startedAt).min() ?? Timestamp.now()
        var shardOptions = [("shards", "\(shards.count) of \(count)")]
        if !missing.isEmpty { shardOptions.append(("missing_shards", missing.map(\.description).joined(separator: " "))) }
        if !unfinished.isEmpty { shardOptions.append(("unfinished_shards", merged.unfinished.map(\.description).joined(separator: " "))) }
        let summary = try writer.finish(RunWriter.Closing(startedAt: startedAt, wallSeconds: wall, inventory: inventoryPath,
                                                          options: first.info.options + shardOptions, trend: trend))
        return MergeOutcome(run: ScanOutcome(directory: directory, sites: summary.sites, badRows: summary.badRows,
                                             verdicts: summary.verdicts, wallSeconds: wall),
                            missing: missing, unfinished: merged.unfinished)
    }

    /// One shard's run directory, as merge reads it.
    private struct ShardRun {
        var directory: String
        var info: RunInfo
        var shard: Shard
        /// nil when the shard did not finish.
        var timing: ShardTiming?
    }

    /// Reads the directories and refuses any that are not shards of one run: unsharded, of
    /// another inventory, provider ranges, CDN catalogue or split, or a shard given twice.
    private static func checkOneRun(_ directories: [String]) throws -> [ShardRun] {
        var runs: [ShardRun] = []
        var seen: [Int: String] = [:]
        for dir in directories {
            let info = try RunInfo.read(dir)
            guard let shard = info.shard else {
                throw InventoryError(description: "\(dir): not a shard (its run.json names no shard; shards are scanned with --shard K/N)")
            }
            if let first = runs.first {
                guard info.checksum == first.info.checksum else {
                    throw InventoryError(description: "\(dir): a shard of another inventory (\(info.inventory), checksum \(info.checksum)) than \(first.directory) (\(first.info.inventory), checksum \(first.info.checksum))")
                }
                guard shard.count == first.shard.count else {
                    throw InventoryError(description: "\(dir) is shard \(shard) but \(first.directory) is shard \(first.shard): shards of different splits")
                }
                guard info.ranges?.blocks.map(\.description) == first.info.ranges?.blocks.map(\.description) else {
                    throw InventoryError(description: "\(dir): judged with other provider ranges (--ranges) than \(first.directory)")
                }
                guard info.cdn == first.info.cdn else {
                    throw InventoryError(description: "\(dir): judged with another CDN catalogue or other own CDNs (--cdn-catalogue, --own-cdn) than \(first.directory)")
                }
            }
            if let twice = seen.updateValue(dir, forKey: shard.index) {
                throw InventoryError(description: "shard \(shard) given twice: \(twice) and \(dir)")
            }
            runs.append(ShardRun(directory: dir, info: info, shard: shard, timing: try ShardTiming.read(dir)))
        }
        guard !runs.isEmpty else { throw InventoryError(description: "merge needs the shards' run directories") }
        return runs
    }

    private static func commonBaseline(_ infos: [RunInfo]) -> String? {
        let baselines = Set(infos.map(\.baseline))
        return baselines.count == 1 ? baselines.first! : nil
    }
}

/// When a finished shard started and how long it ran, from its summary.json; nil when the
/// shard has none (it was stopped before it finished).
private struct ShardTiming {
    var startedAt: String
    var wallSeconds: Double

    static func read(_ directory: String) throws -> ShardTiming? {
        guard let data = FileManager.default.contents(atPath: directory + "/summary.json") else { return nil }
        guard let o = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let startedAt = o["started_at"] as? String, let wall = (o["wall_seconds"] as? NSNumber)?.doubleValue else {
            throw InventoryError(description: "\(directory)/summary.json: not a run's summary")
        }
        return ShardTiming(startedAt: startedAt, wallSeconds: wall)
    }
}
