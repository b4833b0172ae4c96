#if canImport(Glibc)
import Glibc
#endif
import ICPModel

/// metrics.prom: a finished run in Prometheus's text format, for node_exporter's textfile
/// collector. Every value is of the last run, so all are gauges; a night that did not run
/// shows as an old `icpaudit_last_success_timestamp_seconds`.
public struct RunMetrics {
    public var summary: RunSummary
    /// Seconds since the epoch.
    public var startedAt: Double
    public var finishedAt: Double
    /// Times the run was continued with `--resume`.
    public var resumes: Int

    public init(summary: RunSummary, startedAt: Double, finishedAt: Double, resumes: Int) {
        self.summary = summary
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.resumes = resumes
    }

    public var text: String {
        var out = ""
        func metric(_ name: String, _ help: String, _ samples: [(labels: String, value: String)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) gauge\n"
            for s in samples { out += "\(name)\(s.labels.isEmpty ? "" : "{\(s.labels)}") \(s.value)\n" }
        }
        metric("icpaudit_sites", "Sites audited by the last run, by verdict.",
               Verdict.allCases.map { ("verdict=\"\($0.rawValue)\"", String(summary.verdicts[$0] ?? 0)) })
        metric("icpaudit_findings", "Findings of the last run (one per host and view), by code and view.",
               View.allCases.flatMap { view in
                   FindingCode.allCases.compactMap { code in
                       summary.findingsByView[view]?[code].map { ("code=\"\(code.rawValue)\",view=\"\(view.rawValue)\"", String($0)) }
                   }
               })
        metric("icpaudit_hosts", "Hosts audited by the last run, by whether their home page opened.",
               [("result=\"opened\"", String(summary.hostsOpened)), ("result=\"failed\"", String(summary.hostsFailed))])
        metric("icpaudit_rendered_pages", "Host pages the last run judged as headless Chromium drew them (--render).",
               [("", String(summary.pagesRendered))])
        metric("icpaudit_bad_rows", "Inventory rows the last run skipped as bad.", [("", String(summary.badRows))])
        metric("icpaudit_resumes", "Times the last run was continued with --resume.", [("", String(resumes))])
        metric("icpaudit_run_start_timestamp_seconds", "When the last run (its last invocation) started.", [("", seconds(startedAt))])
        metric("icpaudit_run_end_timestamp_seconds", "When the last run finished.", [("", seconds(finishedAt))])
        metric("icpaudit_run_duration_seconds", "Wall time of the last run's last invocation.", [("", seconds(finishedAt - startedAt))])
        metric("icpaudit_last_success_timestamp_seconds", "When a run last finished and wrote its outputs.", [("", seconds(finishedAt))])
        return out
    }

    private func seconds(_ s: Double) -> String { String(Double(Int((s * 1000).rounded())) / 1000) }

    /// Writes `text` to `path` so a collector reading it never sees half a file: a temporary
    /// file beside it (not named *.prom, which the collector would read), synced, then renamed.
    public func write(to path: String) throws {
        let temporary = "\(path).\(getpid()).tmp"
        try OutputFile.write(Array(text.utf8), to: temporary)
        if rename(temporary, path) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw OutputError(description: "\(path): cannot replace: \(reason)")
        }
    }
}
