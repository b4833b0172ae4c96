import Foundation
import ICPModel

/// The rectification notice a provider sends its customer for each finding, in the wording of
/// provider notices: 经核查，您备案的网站【problem】。action
public enum Notices {
    /// (problem, action) per code: a switch, so a new code cannot go without its wording.
    public static func texts(for code: FindingCode) -> (problem: String, action: String) {
        switch code {
        case .dnsNoRecord: return ("无法访问（域名未解析）", "请您为网站域名配置解析记录，确保网站首页可以正常访问。")
        case .dnsError: return ("无法访问（域名解析失败）", "请您检查域名的解析服务，确保网站首页可以正常访问。")
        case .connectFailed: return ("无法访问", "请您确保网站服务正常运行，网站首页可以正常访问。")
        case .tlsFailed: return ("HTTPS证书无效", "请您为网站配置有效的SSL证书。")
        case .httpError: return ("无法访问（服务器返回错误）", "请您检查网站服务，确保网站首页可以正常打开。")
        case .timeout: return ("无法访问（响应超时）", "请您检查网站服务，确保网站首页可以正常访问。")
        case .ipNotProvider: return ("解析非本接入商", "请您将网站解析至本公司的服务器IP，或办理接入变更。")
        case .ipNotFiled: return ("服务解析IP与备案IP不一致", "请您将网站解析至备案的IP地址，或变更备案信息。")
        case .ipViaCDN: return ("经非本接入商的CDN解析，无法核实网站服务器是否在本公司接入", "请您提供网站源站服务器的IP地址，确认其在本公司接入；如使用本公司的CDN服务，请告知。")
        case .ipPrivate: return ("解析至非公网地址，无法访问", "请您将网站解析至备案的公网IP地址。")
        case .icpMissing: return ("未悬挂备案号", "请您在网站首页底部悬挂ICP备案号，并链接至工信部备案官网首页(https://beian.miit.gov.cn/)。")
        case .icpWrong: return ("备案号悬挂错误", "请您在网站首页底部悬挂本网站的ICP备案号。")
        case .icpSubjectLevel: return ("备案号悬挂错误（悬挂了主体备案号）", "请您悬挂本网站的网站备案号（如京ICP备12345678号-1）。")
        case .icpNotLinked: return ("备案号未链接至工信部备案官网首页", "请您将ICP备案号链接至工信部备案官网首页(https://beian.miit.gov.cn/)。")
        case .icpLinkWrong: return ("备案号链接工信部备案官网首页地址错误", "请您将ICP备案号的链接改为工信部备案官网首页(https://beian.miit.gov.cn/)。")
        case .psbMissing: return ("未悬挂公安备案号", "请您在网站首页底部悬挂公安备案号，并链接至全国互联网安全管理服务平台。")
        case .psbWrong: return ("公安备案号悬挂错误", "请您悬挂本网站的公安备案号，链接中的备案编号须与之一致。")
        case .psbNotLinked: return ("公安备案号未链接至全国互联网安全管理服务平台", "请您将公安备案号链接至全国互联网安全管理服务平台(https://beian.mps.gov.cn/)。")
        case .titleMismatch: return ("网站标题与备案服务名称不一致", "请您将网站标题修改为与备案的网站名称一致，或变更备案信息。")
        case .titleRestricted: return ("网站标题含有需前置审批的词语", "请您修改网站标题，或提供相关前置审批文件。")
        case .pagePlaceholder: return ("网站无法正常访问（空壳网站：首页为空白页、默认页或建设中页面）", "请您在网站首页发布与备案内容一致的实际内容，并在首页底部悬挂ICP备案号（链接至https://beian.miit.gov.cn/）与公安备案号。")
        case .pageScriptRendered: return ("首页备案信息需运行脚本才能显示", "请您在首页HTML中直接悬挂备案号与公安备案号。")
        case .redirectOffsite: return ("跳转至未在本公司接入的网站", "请您确认跳转目标网站的备案与接入情况，或取消跳转。")
        case .contentHiddenLinks: return ("首页含有隐藏的外部链接（疑似被植入暗链）", "请您立即排查网站是否被入侵，删除首页中隐藏的外部链接（暗链），修复网站漏洞并修改相关账号密码。")
        case .contentCloaked: return ("网站对搜索引擎与访问者展示不同内容（疑似被入侵：向百度蜘蛛展示违法违规信息）", "请您立即核查网站程序与服务器配置，删除针对搜索引擎的违法违规内容，修复被入侵的漏洞。")
        case .contentRiskWords: return ("网站含有涉赌、涉黄、涉毒或诈骗等违法违规信息", "请您立即核查并删除网站标题、关键词、描述及页面中的违法违规内容；如网站被入侵篡改，请及时修复漏洞。")
        case .ipv6NoRoute: return ("仅有IPv6地址，本次核查未能访问", "本次核查所在网络不支持IPv6，网站未被访问；请您确认网站同时提供IPv4访问，或等待复核。")
        }
    }

    /// The problem's name, as notices and the report call it.
    public static func problem(_ code: FindingCode) -> String { texts(for: code).problem }

    public static func text(for code: FindingCode) -> String {
        let t = texts(for: code)
        return "经核查，您备案的网站【\(t.problem)】。\(t.action)"
    }

    /// One notice per distinct code of a record, in finding order.
    public static func notices(for record: SiteRecord) -> [String] {
        var seen = Set<FindingCode>()
        return record.findings.filter { seen.insert($0.code).inserted }.map { text(for: $0.code) }
    }

    /// The letter for one domain: its notices, each with the hosts and details it rests on.
    public static func letter(for record: SiteRecord) -> String {
        var lines = ["网站：\(record.domain)", "核查时间：\(record.checkedAt)", ""]
        var seen = Set<FindingCode>()
        for finding in record.findings where seen.insert(finding.code).inserted {
            lines.append("\(seen.count). \(text(for: finding.code))")
            for f in record.findings where f.code == finding.code {
                lines.append("   （\(f.host)\(f.view == .mobile ? "，手机版" : "")：\(f.detail(in: .zh))）")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension Notices {
    /// `icpaudit notices`: a `<domain>.txt` letter in `directory` for each site of the run that
    /// did not pass; returns how many were written.
    public static func write(run: String, into directory: String) throws -> Int {
        do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
            throw OutputError(description: "\(directory): \(error.localizedDescription)")
        }
        var written = 0
        try JSONLinesFile.read(run + "/findings.jsonl", decode: RecordCodec.decodeRecord) { record, _ in
            guard record.verdict != .pass, !record.findings.isEmpty else { return }
            let file = URL(fileURLWithPath: directory).appendingPathComponent(record.domain + ".txt")
            do { try Data(letter(for: record).utf8).write(to: file) } catch { throw OutputError(description: "\(file.path): \(error.localizedDescription)") }
            written += 1
        }
        return written
    }
}
