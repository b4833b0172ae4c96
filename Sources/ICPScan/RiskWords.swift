import ICPModel
import ICPNumbers

/// A malformed risk-word list: which file, line and field.
public struct RiskWordsError: Error, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var field: String
    public var problem: String
    public var description: String { "\(file): line \(line): \(field): \(problem)" }
}

/// The risk-word list of SPEC "Content risks" (`risk-words.tsv`, or `--risk-words FILE`),
/// compiled once into one Aho–Corasick automaton over normalised UTF-8 bytes: a page's text is
/// matched against every word (and every exception) in a single pass, one table step per byte.
///
/// Text is matched as `Normalizer` leaves it (full-width forms folded); separators are skipped
/// (so `博 彩` and `博　彩` read as `博彩`) and ASCII letters fold to one case in the byte classes.
// @unchecked: the tables are raw memory, written only in `init` and freed in `deinit`; raw
// pointers let the per-text-run pass read them without retaining an array per call.
public final class RiskWords: @unchecked Sendable {
    struct Entry: Sendable {
        var word: String
        var category: String
        var weight: Int
        /// A harmless longer word: hits it covers do not count.
        var isException: Bool
        /// Normalised bytes without separators.
        var length: Int
    }

    public static let categories = ["gambling", "pornography", "drugs", "fraud"]
    static let exceptionCategory = "exception"

    let entries: [Entry]
    /// Byte → input class; `skip` for separators, 0 for bytes no word contains.
    let classOf: UnsafeMutablePointer<UInt8>
    let classCount: Int
    /// DFA transitions, `state * classCount + class`; the top bit marks a state with outputs.
    let delta: UnsafeMutablePointer<UInt16>
    /// Entries ending in each state (through suffix links too): `outputs[outputStart[s]..<outputStart[s + 1]]`.
    let outputStart: [Int32]
    let outputs: [Int32]
    /// The longest word or exception, in matched bytes: how long a hit waits for a longer one
    /// that may cover it.
    let window: Int
    /// The characters of the Basic Multilingual Plane some word or exception uses (ASCII letters
    /// in both cases), one bit each (8 KiB): text is mostly other characters, after which the
    /// automaton can only be at its root, so they are passed over without stepping through their bytes.
    let used: UnsafeMutablePointer<UInt64>
    /// Likewise the characters some word or exception starts with: at the root, every other
    /// character leaves the automaton there.
    let starts: UnsafeMutablePointer<UInt64>

    static let skip: UInt8 = 255
    static let hasOutput: UInt16 = 0x8000

    /// The project's own list, bundled (`risk-words.tsv`).
    public static let standard: RiskWords = {
        do { return try RiskWords(tsv: String(decoding: PackageResources.risk_words_tsv, as: UTF8.self), file: "risk-words.tsv") } catch {
            preconditionFailure("bundled \(error)")
        }
    }()

    /// `word⇥category⇥weight` a line, `#` comments and blank lines ignored; category `exception`
    /// (weight 0 or empty) for a harmless longer word.
    public init(tsv: String, file: String) throws(RiskWordsError) {
        var entries: [Entry] = []
        var patterns: [[UInt8]] = []
        for (n, raw) in tsv.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            if line.trimmingWhitespace().isEmpty || line.hasPrefix("#") { continue }
            func fail(_ field: String, _ problem: String) -> RiskWordsError {
                RiskWordsError(file: file, line: n + 1, field: field, problem: problem)
            }
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map { String($0).trimmingWhitespace() }
            guard f.count >= 2 else { throw fail("line", "expected word⇥category⇥weight, found \(f.count) field") }
            let pattern = Self.fold(f[0])
            guard !pattern.isEmpty else { throw fail("word", "empty") }
            let isException = f[1] == Self.exceptionCategory
            guard isException || Self.categories.contains(f[1]) else {
                throw fail("category", "'\(f[1])' is not one of \((Self.categories + [Self.exceptionCategory]).joined(separator: ", "))")
            }
            let weightField = f.count > 2 ? f[2] : ""
            let weight: Int
            if isException && weightField.isEmpty { weight = 0 } else {
                guard let w = Int(weightField), w >= 0, w <= 1000, !isException || w == 0 else {
                    throw fail("weight", "'\(weightField)' is not \(isException ? "0 or empty for an exception" : "a whole number 0–1000")")
                }
                weight = w
            }
            guard pattern.count < 200 else { throw fail("word", "longer than 200 bytes") }
            entries.append(Entry(word: f[0], category: f[1], weight: weight, isException: isException, length: pattern.count))
            patterns.append(pattern)
        }
        guard entries.count < 10_000 else { throw RiskWordsError(file: file, line: 0, field: "line", problem: "more than 10000 words") }
        self.entries = entries
        window = entries.map(\.length).max() ?? 0

        // Byte classes: every byte some word uses gets one, with ASCII letters of both cases sharing.
        var classOf = [UInt8](repeating: 0, count: 256)
        var classCount = 1
        for p in patterns {
            for b in p where classOf[Int(b)] == 0 {
                guard classCount < 254 else { break }
                classOf[Int(b)] = UInt8(classCount)
                if (0x61...0x7A).contains(b) { classOf[Int(b) - 0x20] = UInt8(classCount) }
                classCount += 1
            }
        }
        classOf[Int(Normalizer.separator)] = Self.skip
        self.classOf = Self.copy(classOf)
        var used = [UInt64](repeating: 0, count: 1024), starts = used
        for p in patterns {
            for (k, scalar) in String(decoding: p, as: UTF8.self).unicodeScalars.enumerated() where scalar.value < 0x10000 {
                for v in [scalar.value, (0x61...0x7A).contains(scalar.value) ? scalar.value - 0x20 : scalar.value] {
                    used[Int(v >> 6)] |= 1 << UInt64(v & 63)
                    if k == 0 { starts[Int(v >> 6)] |= 1 << UInt64(v & 63) }
                }
            }
        }
        self.used = Self.copy(used)
        self.starts = Self.copy(starts)
        self.classCount = classCount

        // The trie, then suffix links breadth first, then the full transition table.
        var next: [[Int]] = [[Int](repeating: -1, count: classCount)]
        var ends: [[Int32]] = [[]]
        for (i, p) in patterns.enumerated() {
            var s = 0
            for b in p {
                let c = Int(classOf[Int(b)])
                if next[s][c] < 0 {
                    next[s][c] = next.count
                    next.append([Int](repeating: -1, count: classCount))
                    ends.append([])
                }
                s = next[s][c]
            }
            ends[s].append(Int32(i))
        }
        guard next.count < Int(Self.hasOutput) else {
            throw RiskWordsError(file: file, line: 0, field: "word", problem: "the list is too large (\(next.count) automaton states)")
        }
        var link = [Int](repeating: 0, count: next.count)
        var queue: [Int] = []
        for c in 0..<classCount {
            if next[0][c] < 0 { next[0][c] = 0 } else { queue.append(next[0][c]) }
        }
        var head = 0
        while head < queue.count {
            let s = queue[head]
            head += 1
            ends[s] += ends[link[s]]
            for c in 0..<classCount {
                let t = next[s][c]
                if t < 0 {
                    next[s][c] = next[link[s]][c]
                } else {
                    link[t] = next[link[s]][c]
                    queue.append(t)
                }
            }
        }
        var delta = [UInt16](repeating: 0, count: next.count * classCount)
        var outputStart: [Int32] = [0]
        var outputs: [Int32] = []
        for s in 0..<next.count {
            for c in 0..<classCount {
                let t = next[s][c]
                delta[s * classCount + c] = UInt16(t) | (ends[t].isEmpty ? 0 : Self.hasOutput)
            }
            // Shorter words first, exceptions last: what ends at the same byte and covers them then cancels them.
            outputs += ends[s].sorted { a, b in
                let (x, y) = (entries[Int(a)], entries[Int(b)])
                return x.isException != y.isException ? !x.isException : x.length < y.length
            }
            outputStart.append(Int32(outputs.count))
        }
        self.delta = Self.copy(delta)
        self.outputStart = outputStart
        self.outputs = outputs
    }

    deinit {
        classOf.deallocate()
        delta.deallocate()
        used.deallocate()
        starts.deallocate()
    }

    private static func copy<T>(_ a: [T]) -> UnsafeMutablePointer<T> {
        let p = UnsafeMutablePointer<T>.allocate(capacity: a.count)
        p.initialize(from: a, count: a.count)
        return p
    }

    /// Normalised (`Normalizer`), without separators, ASCII in lower case (page text's case is
    /// folded by the byte classes).
    static func fold(_ s: String) -> [UInt8] {
        Normalizer.normalize(s).map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }
    }

    /// The first risk word (not inside an exception) in `text`, for a link's text or URL.
    public func firstWord(in text: String) -> String? {
        var scan = RiskWordScan(self, maxHits: 1)
        scan.feed(text, place: .link)
        return scan.finish().hits.first?.word
    }
}

/// One page's pass over its text with a `RiskWords` automaton. A hit covered by a longer one
/// counts only as that one: a harmless exception cancels it, a longer risk word stands for it
/// (开户送彩金, not also 送彩金 and 彩金). Hits wait until nothing longer can still cover them
/// (`window` bytes), then are counted by word and place; at most `maxHits` distinct ones are
/// kept, the rest counted in `dropped`.
public struct RiskWordScan {
    private let words: RiskWords
    private let maxHits: Int
    private var state = 0
    /// Bytes matched so far (separators not counted).
    private var position = 0
    private var pending: [(entry: Int32, start: Int, place: RiskPlace)] = []
    private var hits: [RiskWordHit] = []
    private var index: [Int: Int] = [:]
    public private(set) var dropped = 0

    public static let defaultMaxHits = 64

    public init(_ words: RiskWords, maxHits: Int = RiskWordScan.defaultMaxHits) {
        self.words = words
        self.maxHits = maxHits
    }

    /// Matches normalised text (as `Normalizer` writes it) seen at `place`.
    public mutating func feed(_ bytes: UnsafeBufferPointer<UInt8>, place: RiskPlace) {
        let classOf = words.classOf, delta = words.delta, classCount = words.classCount, used = words.used, starts = words.starts
        // The state and position live in locals through the loop, stored back before a hit is handled.
        var s = state, at = position
        let n = bytes.count
        var i = 0
        while i < n {
            // A whole character no word uses (at the root: starts with) leaves the automaton at its root.
            let b = bytes[i]
            var width = 1
            let set = s == 0 ? starts : used
            if b >= 0xE0 && b < 0xF0 && i + 2 < n {
                let v = Int(b & 0x0F) << 12 | Int(bytes[i + 1] & 0x3F) << 6 | Int(bytes[i + 2] & 0x3F)
                width = set[v >> 6] & (1 << UInt64(v & 63)) == 0 ? 0 : 3
            } else if b < 0x80 && b != Normalizer.separator {
                width = set[Int(b >> 6)] & (1 << UInt64(b & 63)) == 0 ? 0 : 1
            }
            if width == 0 {
                s = 0
                i += b < 0x80 ? 1 : 3
                if !pending.isEmpty { (state, position) = (s, at); commit(all: true) }
                continue
            }
            for k in i..<(i + width) {
                let c = classOf[Int(bytes[k])]
                if c == RiskWords.skip { continue }
                let t = delta[s &* classCount &+ Int(c)]
                s = Int(t & ~RiskWords.hasOutput)
                at &+= 1
                if t & RiskWords.hasOutput != 0 || !pending.isEmpty {
                    (state, position) = (s, at)
                    if t & RiskWords.hasOutput != 0 { matched(place) }
                    if !pending.isEmpty && pending[0].start + words.window <= at { commit(all: false) }
                }
            }
            i += width
        }
        (state, position) = (s, at)
    }

    /// Normalises and matches a whole string (title, meta content, a link's text or URL), as
    /// a run of its own: nothing matches across its ends.
    public mutating func feed(_ text: String, place: RiskPlace) {
        var normalised: [UInt8] = []
        var last = true
        var copy = text
        copy.withUTF8 { _ = Normalizer.append(UnsafeRawBufferPointer($0), to: &normalised, lastWasSeparator: &last) }
        boundary()
        normalised.withUnsafeBufferPointer { feed($0, place: place) }
        boundary()
    }

    /// A break a person sees (a block's edge): words do not run across it.
    public mutating func boundary() {
        state = 0
        commit(all: true)
    }

    /// The hits, by place (title and meta first) in the order first seen, and how many were dropped.
    public mutating func finish() -> (hits: [RiskWordHit], dropped: Int) {
        boundary()
        let ordered = hits.enumerated().sorted { ($0.element.place, $0.offset) < ($1.element.place, $1.offset) }.map(\.element)
        return (ordered, dropped)
    }

    private mutating func matched(_ place: RiskPlace) {
        let start = Int(words.outputStart[state]), end = Int(words.outputStart[state + 1])
        for k in start..<end {
            let e = words.outputs[k]
            let entry = words.entries[Int(e)]
            let from = position - entry.length
            pending.removeAll { $0.start >= from }
            if !entry.isException { pending.append((e, from, place)) }
        }
    }

    private mutating func commit(all: Bool) {
        var n = 0
        while n < pending.count && (all || pending[n].start + words.window <= position) {
            count(pending[n].entry, pending[n].place)
            n += 1
        }
        pending.removeFirst(n)
    }

    private mutating func count(_ e: Int32, _ place: RiskPlace) {
        let key = Int(e) << 2 | (RiskPlace.allCases.firstIndex(of: place) ?? 0)
        if let i = index[key] {
            hits[i].count += 1
        } else if hits.count < maxHits {
            let entry = words.entries[Int(e)]
            index[key] = hits.count
            hits.append(RiskWordHit(word: entry.word, category: entry.category, weight: entry.weight, place: place, count: 1))
        } else {
            dropped += 1
        }
    }
}
