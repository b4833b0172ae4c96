import Foundation

/// `icpaudit diff OLD NEW`: per domain and code, what is new, resolved and still failing.
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

    public static func compare(old: String, new: String) throws -> RunDiff {
        let before = try codesByDomain(old)
        let after = try codesByDomain(new)
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

    /// Error and warning codes per domain in a run's findings.jsonl.
    static func codesByDomain(_ run: String) throws -> [String: Set<String>] {
        let path = run.hasSuffix(".jsonl") ? run : run + "/findings.jsonl"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw OutputError(description: "\(path): cannot read a run's findings")
        }
        var out: [String: Set<String>] = [:]
        for (i, line) in text.split(separator: "\n").enumerated() {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let domain = object["domain"] as? String else {
                throw OutputError(description: "\(path):\(i + 1): not a findings record")
            }
            let findings = object["findings"] as? [[String: Any]] ?? []
            out[domain, default: []].formUnion(findings.compactMap { f in
                (f["severity"] as? String) == "info" ? nil : f["code"] as? String
            })
        }
        return out
    }

    public var text: String {
        var lines: [String] = []
        func section(_ title: String, _ changes: [Change]) {
            lines.append("\(title): \(changes.count)")
            let byCode = Dictionary(grouping: changes, by: \.code)
            for code in byCode.keys.sorted() {
                lines.append("  \(code) (\(byCode[code]!.count)): " + byCode[code]!.map(\.domain).joined(separator: ", "))
            }
        }
        section("new", new)
        section("resolved", resolved)
        section("still failing", persisting)
        lines.append("domains added: \(addedDomains.count)" + (addedDomains.isEmpty ? "" : " (" + addedDomains.joined(separator: ", ") + ")"))
        lines.append("domains removed: \(removedDomains.count)" + (removedDomains.isEmpty ? "" : " (" + removedDomains.joined(separator: ", ") + ")"))
        return lines.joined(separator: "\n") + "\n"
    }
}
