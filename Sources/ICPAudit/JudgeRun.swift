import Foundation
import ICPInventory
import ICPModel
import ICPReport

public struct JudgeConfiguration: Sendable {
    /// The run whose observations.jsonl is judged.
    public var runDirectory: String
    /// The inventory to judge against (default: the run's own).
    public var inventoryPath: String?
    /// Where the judged run goes (default: the run itself, its findings replaced).
    public var outDirectory: String?
    /// `--metrics`: where metrics.prom is also written (a textfile collector's directory).
    public var metricsPath: String?
    /// `--lang`: the language of the findings' details and of report.html.
    public var reportLanguage = ReportLanguage.zh
    public var showProgress = false

    public init(runDirectory: String) { self.runDirectory = runDirectory }
}

/// `icpaudit judge`: applies the rules again to a run's saved observations, with no network:
/// the same findings when nothing changed; with a corrected inventory, the rows that changed.
public enum JudgeRun {
    public static func run(_ config: JudgeConfiguration) throws -> ScanOutcome {
        let source = config.runDirectory
        let info = try RunInfo.read(source)
        let inventoryPath = config.inventoryPath ?? info.inventory
        let index = try InventoryIndex(inventory: inventoryPath)
        let reader = try InventoryReader(path: inventoryPath)
        let directory = config.outDirectory ?? source
        let observationsPath = source + "/observations.jsonl"
        guard FileManager.default.isReadableFile(atPath: observationsPath) else {
            throw InventoryError(description: "\(observationsPath): cannot read (runs before observations.jsonl cannot be judged again)")
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let trend = try info.baseline.map { try TrendPoint.chain(baseline: $0) } ?? []
        var rejudge = Rejudge(inventoryPath: inventoryPath, index: index, ranges: info.ranges, cdn: info.cdn,
                              followMovedRows: true, mismatch: .leaveOut)
        let started = Date()
        let writer = try RunWriter(directory: directory, language: config.reportLanguage, progress: ProgressLine(enabled: config.showProgress, started: started)) { keep in
            try rejudge.judgeSaved(in: observationsPath, keep: keep)
        }
        for case .failure(let bad) in reader { writer.skip(bad) }
        rejudge.printNotes()
        try RunInfo(inventory: inventoryPath, checksum: try InventoryReader.checksum(path: inventoryPath), ranges: info.ranges, cdn: info.cdn,
                    baseline: info.baseline, options: info.options, shard: info.shard,
                    judgedFrom: URL(fileURLWithPath: source).standardizedFileURL.path, merged: info.merged)
            .write(directory)
        let wall = Date().timeIntervalSince(started)
        let summary = try writer.finish(RunWriter.Closing(startedAt: Timestamp.now(), wallSeconds: wall, inventory: inventoryPath,
                                                          options: info.options + [("judged_from", source)], trend: trend,
                                                          metricsPath: config.metricsPath))
        return ScanOutcome(directory: directory, sites: summary.sites, badRows: summary.badRows, verdicts: summary.verdicts, wallSeconds: wall)
    }
}
