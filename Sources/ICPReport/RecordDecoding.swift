import Foundation
import ICPModel

extension SiteRecord {
    /// A record back from its findings.jsonl line (`--resume`); nil for a line that is not one
    /// (such as the half-written last line of a killed run).
    public init?(jsonLine line: Substring) {
        guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let domain = o["domain"] as? String, let lineNumber = o["line"] as? Int,
              let verdict = (o["verdict"] as? String).flatMap(Verdict.init(rawValue:)),
              let checkedAt = o["checked_at"] as? String else { return nil }
        var findings: [Finding] = []
        for f in o["findings"] as? [[String: Any]] ?? [] {
            guard let code = (f["code"] as? String).flatMap(FindingCode.init(rawValue:)),
                  let severity = (f["severity"] as? String).flatMap(Severity.init(rawValue:)) else { return nil }
            findings.append(Finding(code, host: f["host"] as? String ?? "", detail: f["detail"] as? String ?? "", severity: severity))
        }
        var hosts: [HostRecord] = []
        for h in o["hosts"] as? [[String: Any]] ?? [] {
            var r = HostRecord(host: h["host"] as? String ?? "")
            r.ips = h["ips"] as? [String] ?? []
            r.url = h["url"] as? String ?? ""
            r.finalURL = h["final_url"] as? String
            r.status = h["status"] as? Int
            r.redirects = h["redirects"] as? [String] ?? []
            r.title = h["title"] as? String
            r.icp = h["icp"] as? [String] ?? []
            r.icpLinks = h["icp_links"] as? [String] ?? []
            r.psb = h["psb"] as? [String] ?? []
            r.foundIn = h["found_in"] as? String
            r.charset = h["charset"] as? String
            r.charsetSource = h["charset_source"] as? String
            r.bytes = h["bytes"] as? Int ?? 0
            r.truncated = h["truncated"] as? Bool ?? false
            r.ms = h["ms"] as? Int ?? 0
            r.opened = h["opened"] as? Bool ?? false
            r.attempts = h["attempts"] as? Int ?? 1
            hosts.append(r)
        }
        self.init(domain: domain, line: lineNumber, verdict: verdict, checkedAt: checkedAt, findings: findings, hosts: hosts)
    }
}

extension TrendPoint {
    /// The trend a run taking `directory` as its baseline shows: the baseline's own trend, then
    /// the baseline, the last `kept` of them. Throws when `directory` has no readable summary.json.
    public static func chain(baseline directory: String) throws -> [TrendPoint] {
        let path = directory + "/summary.json"
        guard let data = FileManager.default.contents(atPath: path),
              let o = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let own = TrendPoint(o, run: runName(directory: directory)) else {
            throw OutputError(description: "\(path): not a run's summary (--baseline takes a run directory)")
        }
        let earlier = (o["trend"] as? [[String: Any]] ?? []).compactMap { TrendPoint($0, run: nil) }
        return Array((earlier + [own]).suffix(kept))
    }

    /// A run's name: its directory's last component.
    public static func runName(directory: String) -> String {
        (directory as NSString).standardizingPath.split(separator: "/").last.map(String.init) ?? directory
    }

    private init?(_ o: [String: Any], run: String?) {
        guard let run = run ?? o["run"] as? String, let sites = o["sites"] as? Int,
              let verdicts = o["verdicts"] as? [String: Int] else { return nil }
        let byCode = o["sites_by_code"] as? [String: Int] ?? [:]
        self.init(run: run, finishedAt: o["finished_at"] as? String ?? "", sites: sites,
                  verdicts: Self.keyed(verdicts), sitesByCode: Self.keyed(byCode))
    }

    /// Counts by name back to counts by verdict or code; unknown names are dropped.
    private static func keyed<Key: RawRepresentable & Hashable>(_ counts: [String: Int]) -> [Key: Int] where Key.RawValue == String {
        Dictionary(uniqueKeysWithValues: counts.compactMap { name, n in Key(rawValue: name).map { ($0, n) } })
    }
}
