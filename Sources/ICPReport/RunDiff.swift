import Foundation
import ICPModel

/// `icpaudit diff RUN… `: per domain and code, what is new, resolved and still failing between the
/// last two runs, the domains added and removed, and, given more than two runs, the codes that
/// flapped (went on and off again) across them.
public struct RunDiff {
    public struct Change: Hashable, Comparable {
        public var domain: String
        public var code: String
        public static func < (a: Change, b: Change) -> Bool { (a.code, a.domain) < (b.code, b.domain) }
    }

    public var new: [Change] = []
    public var resolved: [Change] = []
    public var persisting: [Change] = []
    public var addedDomains: [String] = []
    public var removedDomains: [String] = []
    public var flapping: [Change] = []

    /// Runs oldest first; at least two.
    public static func compare(runs: [String]) throws -> RunDiff {
        precondition(runs.count >= 2)
        let history = try runs.map(codesByDomain)
        var diff = compare(history[history.count - 2], history[history.count - 1])
        if history.count > 2 { diff.flapping = flapping(history) }
        return diff
    }

    /// `icpaudit diff`: compares `runs` (oldest first) and writes diff.json and diff.csv into the
    /// newest, and the text to `textFile` when given.
    public static func write(runs: [String], textFile: String?) throws -> RunDiff {
        let diff = try compare(runs: runs)
        let newest = URL(fileURLWithPath: runs[runs.count - 1])
        var files = [(newest.appendingPathComponent("diff.json"), diff.json), (newest.appendingPathComponent("diff.csv"), diff.csv)]
        if let textFile { files.append((URL(fileURLWithPath: textFile), Array(diff.text.utf8))) }
        for (url, bytes) in files {
            do { try Data(bytes).write(to: url) } catch { throw OutputError(description: "\(url.path): cannot write the diff: \(error.localizedDescription)") }
        }
        return diff
    }

    /// A code flaps when its presence on a domain changes more than once across the runs.
    static func flapping(_ history: [[String: Set<String>]]) -> [Change] {
        var pairs = Set<Change>()
        for run in history { for (domain, codes) in run { for code in codes { pairs.insert(Change(domain: domain, code: code)) } } }
        return pairs.filter { pair in
            let seen = history.compactMap { $0[pair.domain]?.contains(pair.code) }
            return zip(seen, seen.dropFirst()).filter { $0 != $1 }.count >= 2
        }.sorted()
    }

    static func compare(_ before: [String: Set<String>], _ after: [String: Set<String>]) -> RunDiff {
        var diff = RunDiff()
        for (domain, codes) in after {
            guard let was = before[domain] else { diff.addedDomains.append(domain); continue }
            for code in codes { (was.contains(code) ? { diff.persisting.append($0) } : { diff.new.append($0) })(Change(domain: domain, code: code)) }
            for code in was where !codes.contains(code) { diff.resolved.append(Change(domain: domain, code: code)) }
        }
        diff.removedDomains = before.keys.filter { after[$0] == nil }.sorted()
        diff.addedDomains.sort()
        diff.new.sort()
        diff.resolved.sort()
        diff.persisting.sort()
        return diff
    }

    /// A finding's code as the diff names it: a mobile view's as `CODE (mobile)`, its own change.
    static func changeCode(_ f: Finding) -> String { f.code.rawValue + (f.view == .mobile ? " (mobile)" : "") }

    /// Error and warning codes per domain in a run's findings.jsonl.
    static func codesByDomain(_ run: String) throws -> [String: Set<String>] {
        let path = run.hasSuffix(".jsonl") ? run : run + "/findings.jsonl"
        var out: [String: Set<String>] = [:]
        try JSONLinesFile.read(path, decode: RecordCodec.decodeRecord) { record, _ in
            out[record.domain, default: []].formUnion(record.findings.filter { $0.severity != .info }.map(changeCode))
        }
        return out
    }

    public var text: String {
        var lines: [String] = []
        func section(_ title: String, _ changes: [Change]) {
            lines.append("\(title): \(changes.count)")
            let byCode = Dictionary(grouping: changes, by: \.code)
            for (code, changes) in byCode.sorted(by: { $0.key < $1.key }) {
                lines.append("  \(code) (\(changes.count)): " + changes.map(\.domain).joined(separator: ", "))
            }
        }
        section("new", new)
        section("resolved", resolved)
        section("still failing", persisting)
        if !flapping.isEmpty { section("flapping", flapping) }
        lines.append("domains added: \(addedDomains.count)" + (addedDomains.isEmpty ? "" : " (" + addedDomains.joined(separator: ", ") + ")"))
        lines.append("domains removed: \(removedDomains.count)" + (removedDomains.isEmpty ? "" : " (" + removedDomains.joined(separator: ", ") + ")"))
        return lines.joined(separator: "\n") + "\n"
    }

    /// The change lists as diff.json and diff.csv name them.
    private var sections: [(String, [Change])] {
        [("new", new), ("resolved", resolved), ("still_failing", persisting), ("flapping", flapping)]
    }

    /// diff.json: the same sections, each a list of {domain, code}.
    public var json: [UInt8] {
        var j = JSONBuffer()
        j.beginObject()
        for (name, changes) in sections {
            j.key(name)
            j.beginArray()
            for c in changes {
                j.beginObject()
                j.key("domain"); j.string(c.domain)
                j.key("code"); j.string(c.code)
                j.endObject()
            }
            j.endArray()
        }
        j.key("domains_added"); j.strings(addedDomains)
        j.key("domains_removed"); j.strings(removedDomains)
        j.endObject()
        j.newline()
        return j.bytes
    }

    /// diff.csv: one row per change, `status,domain,code` (status: new, resolved, still_failing,
    /// flapping, domain_added, domain_removed), UTF-8 with BOM like findings.csv.
    public var csv: [UInt8] {
        var rows = ["status,domain,code"]
        for (name, changes) in sections {
            rows += changes.map { "\(name),\(CSVEncoder.cell($0.domain)),\($0.code)" }
        }
        rows += addedDomains.map { "domain_added,\(CSVEncoder.cell($0))," }
        rows += removedDomains.map { "domain_removed,\(CSVEncoder.cell($0))," }
        return CSVEncoder.bom + Array((rows.joined(separator: "\r\n") + "\r\n").utf8)
    }
}
