/// FNV-1a, 64 bits: stable across runs, machines and versions, and cheap. It names the
/// inventory's checksum, keys the host index, assigns rows to shards and fingerprints a page's scripts.
public struct FNV1a64 {
    public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    public mutating func add<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        for b in bytes { value = (value ^ UInt64(b)) &* 0x100_0000_01b3 }
    }

    public static func hash(_ s: String) -> UInt64 {
        var h = FNV1a64()
        h.add(s.utf8)
        return h.value
    }
}
