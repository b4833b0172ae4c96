#if canImport(Glibc)
import Glibc
#endif
import CIDN2
import CPSL
import ICPModel

/// Domain names as the audit needs them: IDNs in punycode (libidn2), and whether a name is
/// registrable (libpsl), which decides whether its `www.` host is audited too.
public enum Domains {
    /// Lower-case ASCII (punycode) form of a host name; nil when it is not a valid name.
    public static func ascii(_ name: String) -> String? {
        var host = name.trimmingWhitespace()
        if host.hasSuffix(".") { host.removeLast() }
        guard !host.isEmpty, host.utf8.count <= 253 else { return nil }
        if host.utf8.allSatisfy({ $0 < 0x80 }) {
            let lower = host.lowercased()
            let labels = lower.split(separator: ".", omittingEmptySubsequences: false)
            let ok = labels.count >= 1 && labels.allSatisfy { label in
                !label.isEmpty && label.utf8.count <= 63 && label.utf8.allSatisfy { c in
                    (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x2D || c == 0x5F
                }
            }
            return ok ? lower : nil
        }
        var out: UnsafeMutablePointer<CChar>?
        let rc = idn2_to_ascii_8z(host, &out, Int32(IDN2_NFC_INPUT.rawValue | IDN2_NONTRANSITIONAL.rawValue))
        guard rc == Int32(IDN2_OK.rawValue), let out else { return nil }
        defer { idn2_free(out) }
        return String(cString: out).lowercased()
    }

    nonisolated(unsafe) private static let psl: OpaquePointer? = psl_latest(nil) ?? psl_builtin()

    /// True when `host` is itself a registrable domain (example.cn, not www.example.cn or com.cn).
    public static func isRegistrable(_ host: String) -> Bool {
        registrableDomain(host) == host
    }

    /// The registrable domain a host belongs to, if any.
    public static func registrableDomain(_ host: String) -> String? {
        guard let psl else { return nil }
        // libpsl answers with a pointer into its argument: read it while the C string lives.
        return host.withCString { name in psl_registrable_domain(psl, name).map { String(cString: $0) } }
    }
}
