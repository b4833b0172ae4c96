#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Foundation
import ICPModel
import ICPReport

/// Owns a run's output files and counts. Records are handed over with one enqueue each and
/// encoded and written on the writer's own serial queue, so the pool never waits on a write.
final class RunWriter: @unchecked Sendable {
    private let queue = DispatchQueue(label: "icpaudit.writer")
    // Touched only on `queue`.
    private let jsonl: OutputFile
    private let csv: OutputFile
    private let badRows: OutputFile
    private var encoder = JSONLinesEncoder()
    private var summary = RunSummary()
    private var reportSites = ReportSites()
    private let progress: Progress

    /// - Parameter carried: records kept from an interrupted run (`--resume`). The findings
    ///   files are rewritten from them (to temporary files, then renamed, so a second kill loses
    ///   nothing) and the run continues by appending.
    init(directory: String, progress: Progress, carried: [SiteRecord] = []) throws {
        let jsonlPath = directory + "/findings.jsonl", csvPath = directory + "/findings.csv"
        do {
            let jsonlTemp = try OutputFile(path: jsonlPath + ".tmp"), csvTemp = try OutputFile(path: csvPath + ".tmp")
            csvTemp.write(CSVEncoder.header(), flush: false)
            for record in carried {
                jsonlTemp.write(encoder.encode(record), flush: false)
                csvTemp.write(CSVEncoder.row(record), flush: false)
                summary.add(record)
                reportSites.add(record)
            }
            jsonlTemp.sync()
            csvTemp.sync()
        }
        guard rename(jsonlPath + ".tmp", jsonlPath) == 0, rename(csvPath + ".tmp", csvPath) == 0 else {
            throw OutputError(description: "\(directory): cannot replace the findings files")
        }
        jsonl = try OutputFile(path: jsonlPath, append: true)
        csv = try OutputFile(path: csvPath, append: true)
        badRows = try OutputFile(path: directory + "/bad_rows.jsonl")
        self.progress = progress
    }

    func write(_ record: SiteRecord) {
        queue.async { [self] in
            jsonl.write(encoder.encode(record))
            csv.write(CSVEncoder.row(record))
            summary.add(record)
            reportSites.add(record)
            progress.update(summary)
        }
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
        }
    }

    /// Waits for every record handed over so far to be written; returns the counts and the
    /// sites report.html lists.
    func finish() -> (RunSummary, ReportSites) {
        queue.sync {
            progress.finish(summary)
            return (summary, reportSites)
        }
    }
}
