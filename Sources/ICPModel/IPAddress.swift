#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address as 16 bytes (IPv4 in the low 4), comparable and hashable without
/// allocating.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    public let isV6: Bool
    public let hi: UInt64
    public let lo: UInt64

    public init(v4 bits: UInt32) { isV6 = false; hi = 0; lo = UInt64(bits) }
    public init(v6 hi: UInt64, _ lo: UInt64) { isV6 = true; self.hi = hi; self.lo = lo }

    /// Parses dotted IPv4 or textual IPv6 (inet_pton); nil when it is neither.
    public init?(_ text: some StringProtocol) {
        var s = String(text)
        if s.hasPrefix("[") && s.hasSuffix("]") { s = String(s.dropFirst().dropLast()) }
        var v4 = in_addr()
        if inet_pton(AF_INET, s, &v4) == 1 {
            self.init(v4: UInt32(bigEndian: v4.s_addr))
            return
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, s, &v6) == 1 else { return nil }
        self.init(v6bytes: withUnsafeBytes(of: &v6) { Array($0) })
    }

    /// From 16 network-order bytes.
    public init(v6bytes b: [UInt8]) {
        var h: UInt64 = 0, l: UInt64 = 0
        for i in 0..<8 { h = h << 8 | UInt64(b[i]) }
        for i in 8..<16 { l = l << 8 | UInt64(b[i]) }
        self.init(v6: h, l)
    }

    public var v4bits: UInt32 { UInt32(truncatingIfNeeded: lo) }

    public var description: String {
        if !isV6 {
            let b = v4bits
            return "\(b >> 24).\(b >> 16 & 0xff).\(b >> 8 & 0xff).\(b & 0xff)"
        }
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<8 { bytes[i] = UInt8(truncatingIfNeeded: hi >> (56 - 8 * UInt64(i))) }
        for i in 0..<8 { bytes[8 + i] = UInt8(truncatingIfNeeded: lo >> (56 - 8 * UInt64(i))) }
        var out = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        _ = bytes.withUnsafeBytes { inet_ntop(AF_INET6, $0.baseAddress, &out, socklen_t(out.count)) }
        return String(decoding: out.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The form curl's CURLOPT_RESOLVE and URLs take: IPv6 in brackets.
    public var bracketed: String { isV6 ? "[\(description)]" : description }

    /// True for addresses that no public site may resolve to: loopback, private, link-local,
    /// CGNAT, multicast, documentation, benchmarking and other reserved ranges.
    public var isNonPublic: Bool { IPAddress.nonPublic.contains(self) }

    private static let nonPublic = CIDRSet(blocks: [
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
        "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15",
        "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
        "::/128", "::1/128", "::ffff:0:0/96", "64:ff9b:1::/48", "100::/64", "2001::/23", "2001:db8::/32",
        "fc00::/7", "fe80::/10", "ff00::/8",
    ].compactMap { CIDR($0) })
}

/// One CIDR block.
public struct CIDR: Sendable, Hashable, CustomStringConvertible {
    public let base: IPAddress
    public let prefix: Int

    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard let first = parts.first, let ip = IPAddress(first) else { return nil }
        let maxPrefix = ip.isV6 ? 128 : 32
        let prefix: Int
        if parts.count == 2 {
            guard let p = Int(parts[1]), (0...maxPrefix).contains(p) else { return nil }
            prefix = p
        } else {
            prefix = maxPrefix
        }
        self.prefix = prefix
        self.base = CIDR.mask(ip, prefix)
    }

    public func contains(_ ip: IPAddress) -> Bool {
        ip.isV6 == base.isV6 && CIDR.mask(ip, prefix) == base
    }

    public var description: String { "\(base)/\(prefix)" }

    private static func mask(_ ip: IPAddress, _ prefix: Int) -> IPAddress {
        if !ip.isV6 {
            let m: UInt32 = prefix == 0 ? 0 : ~UInt32(0) << UInt32(32 - prefix)
            return IPAddress(v4: ip.v4bits & m)
        }
        let hm: UInt64 = prefix >= 64 ? ~0 : (prefix == 0 ? 0 : ~UInt64(0) << UInt64(64 - prefix))
        let lm: UInt64 = prefix <= 64 ? 0 : (prefix == 128 ? ~0 : ~UInt64(0) << UInt64(128 - prefix))
        return IPAddress(v6: ip.hi & hm, ip.lo & lm)
    }
}

/// A set of CIDR blocks; membership is a linear scan, which is fine for the tens of blocks a
/// provider's range file holds.
public struct CIDRSet: Sendable {
    public let blocks: [CIDR]
    public init(blocks: [CIDR]) { self.blocks = blocks }
    public func contains(_ ip: IPAddress) -> Bool { blocks.contains { $0.contains(ip) } }
}
