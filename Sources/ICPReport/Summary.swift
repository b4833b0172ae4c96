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

    public init() {}

    public mutating func add(_ r: SiteRecord) {
        sites += 1
        verdicts[r.verdict, default: 0] += 1
        for f in r.findings { findings[f.code, default: 0] += 1 }
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
        j.key("verdicts"); j.beginObject()
        for v in Verdict.allCases { j.key(v.rawValue); j.number(verdicts[v] ?? 0) }
        j.endObject()
        j.key("codes"); j.beginObject()
        for c in FindingCode.allCases where findings[c] != nil { j.key(c.rawValue); j.number(findings[c]!) }
        j.endObject()
        j.key("sites_by_code"); j.beginObject()
        for c in FindingCode.allCases where sitesByCode[c] != nil { j.key(c.rawValue); j.number(sitesByCode[c]!) }
        j.endObject()
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
            j.key("verdicts"); j.beginObject()
            for v in Verdict.allCases { j.key(v.rawValue); j.number(p.verdicts[v] ?? 0) }
            j.endObject()
            j.key("sites_by_code"); j.beginObject()
            for c in FindingCode.allCases where p.sitesByCode[c] != nil { j.key(c.rawValue); j.number(p.sitesByCode[c]!) }
            j.endObject()
            j.endObject()
        }
        j.endArray()
        j.endObject()
        j.newline()
        return j.bytes
    }
}

