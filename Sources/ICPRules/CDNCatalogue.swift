import ICPModel

/// One CDN of the catalogue (SPEC "CDN").
public struct CDN: Sendable, Equatable {
    /// What `--own-cdn` takes and the host record names.
    public var name: String
    /// What reports call it.
    public var label: String
    public var suffixes: [String] = []
    public var ranges: [CIDR] = []
}

/// Which CDN a host's CNAME chain (or, without a matching CNAME, its address) goes through, and
/// by which name or address.
public struct CDNMatch: Sendable, Equatable {
    public var cdn: CDN
    /// The CNAME of the chain that matched, or the address.
    public var via: String
    /// The catalogue's suffix or range it matched.
    public var entry: String
    /// Matched by an address in a published range, not by a CNAME.
    public var byAddress = false
}

/// The CDN catalogue: CDN name → CNAME suffixes and published edge ranges, kept as data
/// (`cdn-catalogue.tsv`; `--cdn-catalogue FILE` replaces it). Format in that file's header.
public struct CDNCatalogue: Sendable, Equatable {
    public private(set) var cdns: [CDN] = []
    /// Suffix → index in `cdns`.
    private var bySuffix: [String: Int] = [:]

    public static let empty = CDNCatalogue()

    /// The catalogue kept in the repository.
    public static let builtIn: CDNCatalogue = {
        do {
            return try parse(String(decoding: PackageResources.cdn_catalogue_tsv, as: UTF8.self), file: "cdn-catalogue.tsv")
        } catch {
            preconditionFailure("the built-in \(error)")
        }
    }()

    public func cdn(named name: String) -> CDN? { cdns.first { $0.name == name } }

    public var names: [String] { cdns.map(\.name) }

    /// `name⇥kind⇥value` lines, `#` comment lines; a bad line stops with its line and field.
    public static func parse(_ text: String, file: String) throws(BadRow) -> CDNCatalogue {
        var catalogue = CDNCatalogue()
        var index: [String: Int] = [:]
        var labelLine: [String: Int] = [:]
        var suffixLine: [String: Int] = [:]
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = i + 1
            func bad(_ field: String, _ message: String) -> BadRow { BadRow(file: file, line: lineNumber, field: field, message: message) }
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            if line.trimmingWhitespace().isEmpty || line.hasPrefix("#") { continue }
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map { String($0).trimmingWhitespace() }
            guard f.count >= 2 else { throw bad("kind", "missing: a line is name<TAB>kind<TAB>value, separated by tabs") }
            guard f.count >= 3 else { throw bad("value", "missing: a line is name<TAB>kind<TAB>value") }
            guard f.count == 3 else { throw bad("value", "\(f.count) fields where 3 are expected (name, kind, value)") }
            let (name, kind, value) = (f[0], f[1], f[2])
            guard !name.isEmpty, name.utf8.allSatisfy({ isNameByte($0) }) else {
                throw bad("name", "'\(name)' is not a CDN name (lower-case letters, digits and '-')")
            }
            if index[name] == nil {
                index[name] = catalogue.cdns.count
                catalogue.cdns.append(CDN(name: name, label: name))
            }
            let at = index[name] ?? 0
            switch kind {
            case "label":
                guard !value.isEmpty else { throw bad("label", "empty") }
                if let first = labelLine[name] { throw bad("label", "a second label for \(name) (the first is on line \(first))") }
                labelLine[name] = lineNumber
                catalogue.cdns[at].label = value
            case "suffix":
                let suffix = value.lowercased()
                if let problem = suffixProblem(suffix) { throw bad("suffix", "'\(value)' \(problem)") }
                if let first = suffixLine[suffix], let owner = catalogue.bySuffix[suffix] {
                    throw bad("suffix", "'\(suffix)' is already \(catalogue.cdns[owner].name)'s (line \(first)): a suffix belongs to one CDN")
                }
                suffixLine[suffix] = lineNumber
                catalogue.bySuffix[suffix] = at
                catalogue.cdns[at].suffixes.append(suffix)
            case "range":
                guard let block = CIDR(value) else { throw bad("range", "not a CIDR block: '\(value)'") }
                catalogue.cdns[at].ranges.append(block)
            default:
                throw bad("kind", "'\(kind)' is not label, suffix or range")
            }
        }
        return catalogue
    }

    private static func isNameByte(_ b: UInt8) -> Bool { (0x61...0x7A).contains(b) || (0x30...0x39).contains(b) || b == 0x2D }

    /// Why `suffix` (lower-cased) cannot be matched against DNS names, or nil.
    private static func suffixProblem(_ suffix: String) -> String? {
        if suffix.hasPrefix(".") || suffix.hasPrefix("*.") { return "is written with a leading '.' or '*.': give the suffix alone (cdn.dnsv1.com)" }
        let labels = suffix.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return "has one label: it would match a whole top-level domain" }
        for label in labels {
            guard (1...63).contains(label.utf8.count),
                  label.utf8.allSatisfy({ isNameByte($0) || $0 == 0x5F }) else {
                return "is not a DNS name (ASCII letters, digits, '-' and '_' in labels of 1 to 63; an IDN in punycode)"
            }
        }
        return nil
    }

    /// The CDN a host goes through: the chain's name nearest its addresses (the last) that ends in
    /// a catalogue suffix, since the addresses are that CDN's edge; else the first address in a
    /// CDN's published ranges; nil when neither.
    public func match(chain: [String], addresses: [IPAddress]) -> CDNMatch? {
        for raw in chain.reversed() {
            let name = raw.lowercased().hasSuffix(".") ? String(raw.lowercased().dropLast()) : raw.lowercased()
            if let (i, suffix) = longestSuffix(of: name) { return CDNMatch(cdn: cdns[i], via: name, entry: suffix) }
        }
        for ip in addresses {
            for cdn in cdns {
                if let block = cdn.ranges.first(where: { $0.contains(ip) }) { return CDNMatch(cdn: cdn, via: ip.description, entry: block.description, byAddress: true) }
            }
        }
        return nil
    }

    /// The longest catalogue suffix `name` is or ends in at a label boundary.
    private func longestSuffix(of name: String) -> (Int, String)? {
        var rest = Substring(name)
        while true {
            if let i = bySuffix[String(rest)] { return (i, String(rest)) }
            guard let dot = rest.firstIndex(of: ".") else { return nil }
            rest = rest[rest.index(after: dot)...]
        }
    }

    /// The catalogue as the file format, without comments: what run.json keeps so `judge`
    /// applies the catalogue the scan used.
    public var text: String {
        var lines: [String] = []
        for cdn in cdns {
            lines.append("\(cdn.name)\tlabel\t\(cdn.label)")
            lines += cdn.suffixes.map { "\(cdn.name)\tsuffix\t\($0)" }
            lines += cdn.ranges.map { "\(cdn.name)\trange\t\($0)" }
        }
        return lines.joined(separator: "\n") + (lines.isEmpty ? "" : "\n")
    }

    public static func == (a: CDNCatalogue, b: CDNCatalogue) -> Bool { a.cdns == b.cdns }
}

/// The catalogue and which of its CDNs are the provider's own (`--own-cdn`): what the IP rules
/// need to know of CDNs.
public struct CDNPolicy: Sendable, Equatable {
    public var catalogue: CDNCatalogue
    public private(set) var own: [String]

    /// No catalogue: the IP rules as without CDNs (runs from before the catalogue).
    public static let none = CDNPolicy(catalogue: .empty)

    public init(catalogue: CDNCatalogue) {
        self.catalogue = catalogue
        self.own = []
    }

    /// `own` must name CDNs of the catalogue.
    public init(catalogue: CDNCatalogue, own: [String]) throws(UnknownCDN) {
        self.catalogue = catalogue
        for name in own where catalogue.cdn(named: name) == nil { throw UnknownCDN(name: name, known: catalogue.names) }
        var unique: [String] = []
        for name in own where !unique.contains(name) { unique.append(name) }
        self.own = unique
    }

    public func isOwn(_ cdn: CDN) -> Bool { own.contains(cdn.name) }

    /// The CDN `seen` goes through: its CNAME chain (the host itself is not a CNAME), then its addresses.
    public func match(_ seen: HostObservation) -> CDNMatch? {
        catalogue.match(chain: seen.dns.cnames.filter { $0.lowercased() != seen.host }, addresses: seen.dns.addresses)
    }
}

public struct UnknownCDN: Error, Sendable, Equatable, CustomStringConvertible {
    public var name: String
    public var known: [String]
    public var description: String { "'\(name)' is not a CDN of the catalogue; it knows: \(known.joined(separator: ", "))" }
}
