import ICPModel

/// Counts over a run, for summary.json.
public struct RunSummary {
    public var sites = 0
    public var badRows = 0
    public var verdicts: [Verdict: Int] = [:]
    /// Findings per code (one per host it was raised on).
    public var findings: [FindingCode: Int] = [:]
    /// Sites with at least one finding of the code.
    public var sitesByCode: [FindingCode: Int] = [:]
    /// Findings per view and code, for metrics.prom.
    public var findingsByView: [View: [FindingCode: Int]] = [:]
    public var hostsOpened = 0
    public var hostsFailed = 0
    /// Host pages judged as a browser drew them (`--render`).
    public var pagesRendered = 0

    public init() {}

    public mutating func add(_ r: SiteRecord) {
        sites += 1
        verdicts[r.verdict, default: 0] += 1
        for f in r.findings {
            findings[f.code, default: 0] += 1
            findingsByView[f.view, default: [:]][f.code, default: 0] += 1
        }
        let opened = r.hosts.filter(\.opened).count
        hostsOpened += opened
        hostsFailed += r.hosts.count - opened
        pagesRendered += r.hosts.filter(\.rendered).count
        for code in Set(r.findings.map(\.code)) { sitesByCode[code, default: 0] += 1 }
    }

    public var findingCount: Int { findings.values.reduce(0, +) }

    /// - Parameter trend: earlier runs (the baseline's trend and the baseline), so the next run
    ///   that takes this one as its baseline can show them all.
    public func json(startedAt: String, finishedAt: String, wallSeconds: Double, options: [(String, String)],
                     trend: [TrendPoint] = []) -> [UInt8] {
        var j = JSONBuffer()
        j.beginObject()
        j.key("sites"); j.number(sites)
        j.key("bad_rows"); j.number(badRows)
        j.counts("verdicts", verdicts)
        j.counts("codes", findings)
        j.counts("sites_by_code", sitesByCode)
        j.key("sites_per_second"); j.number(wallSeconds > 0 ? Double(sites) / wallSeconds : 0)
        j.key("wall_seconds"); j.number(wallSeconds)
        j.key("started_at"); j.string(startedAt)
        j.key("finished_at"); j.string(finishedAt)
        for (k, v) in options { j.key(k); j.string(v) }
        j.key("trend"); j.beginArray()
        for p in trend {
            j.beginObject()
            j.key("run"); j.string(p.run)
            j.key("finished_at"); j.string(p.finishedAt)
            j.key("sites"); j.number(p.sites)
            j.counts("verdicts", p.verdicts)
            j.counts("sites_by_code", p.sitesByCode)
            j.endObject()
        }
        j.endArray()
        j.endObject()
        j.newline()
        return j.bytes
    }
}

private extension JSONBuffer {
    /// Every verdict with its count, zeros included.
    mutating func counts(_ name: String, _ counts: [Verdict: Int]) {
        key(name); beginObject()
        for v in Verdict.allCases { key(v.rawValue); number(counts[v] ?? 0) }
        endObject()
    }

    /// The codes that occurred, in SPEC's order.
    mutating func counts(_ name: String, _ counts: [FindingCode: Int]) {
        key(name); beginObject()
        for c in FindingCode.allCases { if let n = counts[c] { key(c.rawValue); number(n) } }
        endObject()
    }
}
