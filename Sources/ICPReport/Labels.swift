#if canImport(Glibc)
import Glibc
#endif
import ICPModel

/// The words compliance staff read in findings.xlsx and the Chinese report.
extension Verdict {
    public var chinese: String {
        switch self {
        case .pass: return "通过"
        case .fail: return "不通过"
        case .review: return "需复核"
        case .unreachable: return "无法访问"
        }
    }
}

extension Severity {
    public var chinese: String {
        switch self {
        case .error: return "错误"
        case .warn: return "警告"
        case .info: return "提示"
        }
    }
}

extension View {
    public var chinese: String { self == .mobile ? "手机版" : "电脑版" }
}

/// Times as a provider's staff read them: Beijing time (Asia/Shanghai, UTC+8 all year; China
/// has kept no daylight saving time since 1991).
public enum ShanghaiTime {
    public struct Parts: Equatable {
        public var year, month, day, hour, minute, second: Int
    }

    /// The Beijing wall-clock time of an ISO 8601 UTC timestamp (`2026-11-23T02:00:00Z`).
    public static func parts(ofUTC iso: String) -> Parts? {
        let fields = iso.split(whereSeparator: { "-T:Z".contains($0) }).map { Int($0) }
        guard iso.hasSuffix("Z"), fields.count == 6, let y = fields[0], let mo = fields[1], let d = fields[2],
              let h = fields[3], let mi = fields[4], let s = fields[5] else { return nil }
        var utc = tm()
        utc.tm_year = Int32(y - 1900); utc.tm_mon = Int32(mo - 1); utc.tm_mday = Int32(d)
        utc.tm_hour = Int32(h); utc.tm_min = Int32(mi); utc.tm_sec = Int32(s)
        var t = timegm(&utc) + 8 * 3600
        var local = tm()
        gmtime_r(&t, &local)
        return Parts(year: Int(local.tm_year) + 1900, month: Int(local.tm_mon) + 1, day: Int(local.tm_mday),
                     hour: Int(local.tm_hour), minute: Int(local.tm_min), second: Int(local.tm_sec))
    }

    /// `2026-11-23 10:00:00` (Beijing time); an unreadable timestamp is shown as it is.
    public static func text(ofUTC iso: String) -> String {
        guard let p = parts(ofUTC: iso) else { return iso }
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(p.year)-\(two(p.month))-\(two(p.day)) \(two(p.hour)):\(two(p.minute)):\(two(p.second))"
    }
}
