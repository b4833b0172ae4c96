import ICPModel

/// Shard K of N (`--shard K/N`): the rows whose domain, as the inventory reader normalises it
/// (lower-case, IDN in punycode, no trailing dot), has FNV-1a 64 mod N equal to K. The same
/// row lands in the same shard every night on every machine (docs/operations.md, "Shards").
public struct Shard: Equatable, Sendable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// The environment variable a Kubernetes Indexed Job sets to the pod's index.
    public static let indexVariable = "JOB_COMPLETION_INDEX"

    /// `K/N`, or `auto/N` with K from `JOB_COMPLETION_INDEX` in `environment`. Throws a message
    /// that says what is wrong.
    public static func parse(_ text: String, environment: [String: String]) throws(ShardError) -> Shard {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let count = Int(parts[1]), count >= 1 else {
            throw ShardError(description: "--shard '\(text)': expected K/N or auto/N with N a whole number of shards, at least 1 (e.g. 0/4)")
        }
        let indexText: String
        let source: String
        if parts[0] == "auto" {
            guard let value = environment[indexVariable] else {
                throw ShardError(description: "--shard auto/\(count): \(indexVariable) is not set (a Kubernetes Indexed Job sets it; elsewhere give --shard K/\(count))")
            }
            indexText = value
            source = "\(indexVariable)=\(value)"
        } else {
            indexText = String(parts[0])
            source = "--shard \(text)"
        }
        guard let index = Int(indexText), (0..<count).contains(index) else {
            throw ShardError(description: "\(source): the shard must be a whole number from 0 to \(count - 1) for \(count) shards")
        }
        return Shard(index: index, count: count)
    }

    /// `2/4`
    public init?(_ text: String) {
        guard let s = try? Shard.parse(text, environment: [:]) else { return nil }
        self = s
    }

    public var description: String { "\(index)/\(count)" }

    public static func of(domain: String, count: Int) -> Int { Int(FNV1a64.hash(domain) % UInt64(count)) }

    public func contains(domain: String) -> Bool { Shard.of(domain: domain, count: count) == index }

    /// A shard's part of `--per-ip`: the N shards of a job together open at most `perIP`
    /// connections to one server address (at most N when `perIP` < N, one each).
    public func perIP(of perIP: Int) -> Int { max(1, perIP / count) }
}

public struct ShardError: Error, CustomStringConvertible {
    public var description: String
}
