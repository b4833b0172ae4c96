import Foundation
import ICPModel

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
