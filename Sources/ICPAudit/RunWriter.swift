#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Foundation
import ICPLoop
import ICPModel
import ICPReport

/// Owns a run directory's output files and counts: findings.jsonl, observations.jsonl,
/// findings.csv and bad_rows.jsonl as sites finish, then summary.json, findings.xlsx and
/// report.html. Records
/// are handed over with one enqueue each and encoded and written on the writer's own serial
/// queue, so the pool never waits on a write.
final class RunWriter: @unchecked Sendable {
    private let queue = DispatchQueue(label: "icpaudit.writer")
    private let directory: String
    // Touched only on `queue` (and in `init`, before any other thread has the writer).
    private let findings: OutputFile
    private let observations: OutputFile
    private let csv: OutputFile
    private let workbook: FindingsWorkbook
    private let badRows: OutputFile
    private var codec: RecordCodec
    /// `--lang`: the language of the findings' details and of report.html.
    private let language: ReportLanguage
    private var summary = RunSummary()
    private var reportSites: ReportSites
    private var progress: ProgressLine
    /// The first output failure; once set, nothing more is written.
    private let firstFailure = Locked<WriteFailure?>(nil)

    /// A function that hands each carried site (kept from an interrupted run, or judged again)
    /// to `keep`.
    typealias Carry = (_ keep: (SiteObservation, SiteRecord) -> Void) throws -> Void

    /// - Parameter carry: sites the files start with. They are written to temporary files that
    ///   then replace the run's, so a kill while carrying loses nothing; the run continues by
    ///   appending.
    init(directory: String, language: ReportLanguage, progress: ProgressLine, carry: Carry = { _ in }) throws {
        self.directory = directory
        self.language = language
        codec = RecordCodec(language: language)
        self.progress = progress
        let paths = ["findings.jsonl", "observations.jsonl", "findings.csv"].map { directory + "/" + $0 }
        do {
            let temps = try paths.map { try OutputFile(path: $0 + ".tmp") }
            temps[2].write(CSVEncoder.header(), flush: false)
            let workbook = try FindingsWorkbook(path: directory + "/findings.xlsx", language: language)
            var codec = RecordCodec(language: language)
            var summary = RunSummary()
            var reportSites = ReportSites(language: language)
            try carry { seen, record in
                temps[0].write(codec.encode(record), flush: false)
                temps[1].write(codec.encode(seen), flush: false)
                temps[2].write(CSVEncoder.row(record, language: language), flush: false)
                workbook.add(record)
                summary.add(record)
                reportSites.add(record)
            }
            for t in temps {
                t.sync()
                try t.check()
            }
            self.summary = summary
            self.reportSites = reportSites
            self.workbook = workbook
        }
        for path in paths where rename(path + ".tmp", path) != 0 {
            throw OutputError(description: "\(path): cannot replace: \(String(cString: strerror(errno)))")
        }
        findings = try OutputFile(path: paths[0], append: true)
        observations = try OutputFile(path: paths[1], append: true)
        csv = try OutputFile(path: paths[2], append: true)
        badRows = try OutputFile(path: directory + "/bad_rows.jsonl")
    }

    /// A site's observation and record. The observation goes first: `--resume` keeps a site
    /// by it, so a site whose record was cut off is audited again, never half kept.
    func write(_ seen: SiteObservation, _ record: SiteRecord) {
        queue.async { [self] in
            guard failure == nil else { return }
            observations.write(codec.encode(seen))
            findings.write(codec.encode(record))
            csv.write(CSVEncoder.row(record, language: language))
            if noteFailure(of: [observations, findings, csv]) { return }
            workbook.add(record)
            summary.add(record)
            reportSites.add(record)
            progress.update(summary)
        }
    }

    /// The first output failure (a full disk, say): the run stops on it with exit code 1.
    var failure: WriteFailure? { firstFailure.withLock { $0 } }

    /// Traps in debug builds off the writer's queue, where its files and counts live.
    private func assertOnQueue() { assert({ dispatchPrecondition(condition: .onQueue(queue)); return true }()) }

    private func noteFailure(of files: [OutputFile]) -> Bool {
        assertOnQueue()
        guard let failed = files.lazy.compactMap(\.failure).first else { return false }
        firstFailure.withLock { if $0 == nil { $0 = failed } }
        return true
    }

    /// A bad row: said on stderr with its file, line and field, and listed in bad_rows.jsonl.
    func skip(_ bad: BadRow) {
        queue.async { [self] in
            summary.badRows += 1
            FileHandle.standardError.write(Data("\(bad.description) (row skipped)\n".utf8))
            var j = JSONBuffer()
            j.beginObject()
            j.key("file"); j.string(bad.file)
            j.key("line"); j.number(bad.line)
            j.key("field"); j.string(bad.field)
            j.key("message"); j.string(bad.message)
            j.endObject()
            j.newline()
            badRows.write(j.bytes)
            _ = noteFailure(of: [badRows])
        }
    }

    /// What summary.json and report.html say about the run besides its counts.
    struct Closing {
        var startedAt: String
        var wallSeconds: Double
        var inventory: String
        var options: [(String, String)]
        var trend: [TrendPoint]
        /// Times the run was continued with `--resume`, for metrics.prom.
        var resumes = 0
        /// `--metrics`: a copy of metrics.prom for a textfile collector.
        var metricsPath: String?
    }

    /// Waits for every record handed over so far, then writes summary.json, findings.xlsx,
    /// report.html and metrics.prom (last: a run whose outputs failed is no success).
    /// Throws the first output failure instead.
    func finish(_ closing: Closing) throws -> RunSummary {
        let (summary, reportSites) = queue.sync { () -> (RunSummary, ReportSites) in
            progress.finish(self.summary)
            return (self.summary, self.reportSites)
        }
        if let failure { throw failure }
        let finishedAt = Timestamp.now()
        try OutputFile.write(summary.json(
            startedAt: closing.startedAt, finishedAt: finishedAt, wallSeconds: closing.wallSeconds,
            options: [("inventory", closing.inventory)] + closing.options, trend: closing.trend), to: directory + "/summary.json")
        try workbook.finish()
        let report = HTMLReport(title: TrendPoint.runName(directory: directory), summary: summary, sites: reportSites,
                                trend: closing.trend, finishedAt: finishedAt, inventory: closing.inventory, language: language)
        let reportFile = try OutputFile(path: directory + "/report.html")
        report.write { reportFile.write($0, flush: false) }
        reportFile.sync()
        try reportFile.check()
        let ended = Date().timeIntervalSince1970
        let metrics = RunMetrics(summary: summary, startedAt: ended - closing.wallSeconds, finishedAt: ended, resumes: closing.resumes)
        try metrics.write(to: directory + "/metrics.prom")
        if let path = closing.metricsPath { try metrics.write(to: path) }
        return summary
    }
}
