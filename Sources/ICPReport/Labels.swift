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

/// report.html's language (`--lang`): Chinese for the compliance staff who act on it, English
/// for others. Notices are Chinese in both: they are what the customer is sent.
public enum ReportLanguage: String, Sendable, CaseIterable {
    case zh, en

    var htmlLang: String { self == .zh ? "zh-CN" : "en" }

    func name(of verdict: Verdict) -> String { self == .zh ? verdict.chinese : verdict.rawValue }

    var words: ReportWords { self == .zh ? .chinese : .english }
}

/// The page's fixed text in one language.
struct ReportWords: Sendable {
    var heading, inventory, finished, beijingTime: String
    var sites: @Sendable (_ count: String) -> String
    var badRows: @Sendable (Int) -> String
    var sitesPerVerdict, sitesPerCode, noFindings, notPassed: String
    var filter, filterPlaceholder, verdict, code, everyVerdict, everyCode: String
    var showing: @Sendable (_ shown: String, _ listed: String) -> String
    var firstOf: @Sendable (_ listed: Int, _ total: Int) -> String
    var columns: [String]
    var trend: String
    var trendNote: @Sendable (_ baseline: String, _ finished: String) -> String
    var trendColumns: [String]
    var notices: String
    var noticeColumns: [String]

    static let chinese = ReportWords(
        heading: "icpaudit 备案核查报告", inventory: "备案清单", finished: "完成于", beijingTime: "（北京时间）",
        sites: { "共 \($0) 个网站" }, badRows: { "跳过无效行 \($0) 行" },
        sitesPerVerdict: "各结论网站数", sitesPerCode: "各问题网站数", noFindings: "未发现问题。", notPassed: "未通过的网站",
        filter: "筛选", filterPlaceholder: "筛选：域名、问题代码或详情", verdict: "结论", code: "问题", everyVerdict: "全部结论", everyCode: "全部问题",
        showing: { "显示 \($0) 个，共 \($1) 个" }, firstOf: { "（仅列出前 \($0) 个，共 \($1) 个；findings.csv 与 findings.xlsx 含全部网站）" },
        columns: ["域名", "行号", "结论", "问题", "首条问题详情"],
        trend: "趋势", trendNote: { "与基准运行 \($0)（完成于 \($1)）对比；图中每条下方的灰色细条为基准运行的数量。" },
        trendColumns: ["运行", "完成时间", "网站数"],
        notices: "整改通知", noticeColumns: ["问题代码", "问题", "通知内容"])

    static let english = ReportWords(
        heading: "icpaudit run", inventory: "Inventory", finished: "finished", beijingTime: " (Beijing time)",
        sites: { "\($0) sites" }, badRows: { "\($0) bad rows skipped" },
        sitesPerVerdict: "Sites per verdict", sitesPerCode: "Sites per finding code", noFindings: "No findings.", notPassed: "Sites that did not pass",
        filter: "Filter", filterPlaceholder: "Filter: domain, code or detail", verdict: "Verdict", code: "Code", everyVerdict: "every verdict", everyCode: "every code",
        showing: { "showing \($0) of \($1)" }, firstOf: { "(the first \($0) of \($1); findings.csv and findings.xlsx have every site)" },
        columns: ["Domain", "Line", "Verdict", "Codes", "First finding"],
        trend: "Trend", trendNote: { "Against the baseline \($0) (finished \($1)); in the charts, the thin grey bar under each bar is the baseline's count." },
        trendColumns: ["Run", "Finished", "Sites"],
        notices: "Notices (sent in Chinese)", noticeColumns: ["Code", "Problem", "Notice"])
}
