import XCTest
import ICPModel
@testable import ICPReport

/// Issue 23: every finding's detail is written from its facts, in Chinese (the default) and in
/// English (`--lang en`), with the notices' vocabulary; numbers, URLs and a server's own words
/// unchanged. Expectations written by hand, one finding per code (and per sentence where a code
/// has several).
final class DetailsTests: XCTestCase {
    private static let url = Fact.text("url", "http://a.test/")
    private static let reason = Fact.text("reason", "Connection refused")
    private static let icp = "京ICP备12345678号-1", psb = "京公网安备11010502000001号"

    private static let cases: [(Finding, zh: String, en: String)] = [
        (Finding(.dnsNoRecord, host: "a.test", .dnsNoRecord, [.text("host", "a.test"), .text("reason", "NXDOMAIN")]),
         "a.test：域名无解析记录（NXDOMAIN）", "a.test: NXDOMAIN"),
        (Finding(.dnsError, host: "a.test", .dnsError, [.text("host", "a.test"), .text("reason", "SERVFAIL")]),
         "a.test：域名解析失败（SERVFAIL）", "a.test: SERVFAIL"),
        (Finding(.timeout, host: "a.test", .dnsTimeout, [.text("host", "a.test"), .text("reason", "no answer within 3s")]),
         "a.test：域名解析超时（no answer within 3s）", "a.test: no answer within 3s (DNS lookup)"),
        (Finding(.connectFailed, host: "a.test", .connectFailed, [url, reason]),
         "http://a.test/：无法连接（Connection refused）", "http://a.test/: Connection refused"),
        (Finding(.tlsFailed, host: "a.test", .tlsFailed, [.text("url", "https://a.test/"), .text("reason", "handshake failed")]),
         "https://a.test/：HTTPS连接失败（handshake failed）", "https://a.test/: handshake failed"),
        (Finding(.tlsFailed, host: "a.test", .certificateFallback, [.text("url", "https://a.test/"), .text("reason", "certificate has expired")], severity: .warn),
         "https://a.test/：HTTPS证书无效（certificate has expired），首页是在不验证证书的情况下读取的",
         "https://a.test/: certificate has expired; page read without verification"),
        (Finding(.httpError, host: "a.test", .httpStatus, [url, .text("status", "503")]),
         "http://a.test/ 返回 HTTP 503", "http://a.test/ answered HTTP 503"),
        (Finding(.httpError, host: "a.test", .redirectLimit, [.text("count", "10"), .text("url", "http://a.test/11")]),
         "跳转超过 10 次（最后跳转至 http://a.test/11）", "more than 10 redirects (last http://a.test/11)"),
        (Finding(.timeout, host: "a.test", .timeout, [url, .text("reason", "no complete answer within 3s")]),
         "http://a.test/：响应超时（no complete answer within 3s）", "http://a.test/: no complete answer within 3s"),
        (Finding(.ipNotProvider, host: "a.test", .ipNotProvider, [.list("ips", ["198.51.100.7", "198.51.100.8"])]),
         "解析IP 198.51.100.7、198.51.100.8 不在本接入商的IP段内", "198.51.100.7, 198.51.100.8 outside the provider's ranges"),
        (Finding(.ipNotFiled, host: "a.test", .ipNotFiled, [.list("ips", ["203.0.113.9"]), .list("filed", ["203.0.113.10"])]),
         "解析IP 203.0.113.9 不在备案IP 203.0.113.10 之中", "203.0.113.9 not among filed 203.0.113.10"),
        (Finding(.ipViaCDN, host: "a.test", .ipViaCDN, [.text("host", "a.test"), .text("cdn", "Akamai"), .text("name", "akamai"),
                                                      .text("via", "a.test.edgekey.net"), .text("entry", "edgekey.net"), .list("ips", ["23.32.0.1"])]),
         "a.test 经由 Akamai（akamai）解析，不是本接入商自有的CDN：CNAME a.test.edgekey.net 匹配 edgekey.net；边缘节点IP 23.32.0.1；源站须另行核实",
         "a.test resolves through Akamai [akamai], not the provider's own CDN: CNAME a.test.edgekey.net matches edgekey.net; edge 23.32.0.1; the origin must be checked by other means"),
        (Finding(.ipPrivate, host: "a.test", .redirectIPPrivate, [url, .text("target", "b.test"), .list("ips", ["10.0.0.1"])]),
         "跳转至 http://a.test/：b.test 解析至非公网地址 10.0.0.1，未访问", "redirect to http://a.test/: b.test resolves to non-public 10.0.0.1: not fetched"),
        (Finding(.icpMissing, host: "a.test", .icpMissing, [.text("filed", icp)]),
         "首页未悬挂ICP备案号（备案号为 京ICP备12345678号-1）", "no ICP number shown on the page (filed 京ICP备12345678号-1)"),
        (Finding(.icpMissing, host: "a.test", .numberHidden, [.text("number", icp), .term("place", "footer"),
                                                            .text("how", "display:none on <div class=\"footer\">")]),
         "京ICP备12345678号-1 位于页脚，但被隐藏，访问者看不到：display:none on <div class=\"footer\">",
         "京ICP备12345678号-1 is in the page's footer but hidden from a person: display:none on <div class=\"footer\">"),
        (Finding(.icpWrong, host: "a.test", .icpWrong, [.list("shown", ["京ICP备1号-1", "京ICP备2号-1", "京ICP备3号-1"], more: 4), .text("filed", icp)]),
         "悬挂的备案号为 京ICP备1号-1、京ICP备2号-1、京ICP备3号-1 等7个，备案号应为 京ICP备12345678号-1",
         "shows 京ICP备1号-1, 京ICP备2号-1, 京ICP备3号-1 and 4 more, filed number is 京ICP备12345678号-1"),
        (Finding(.icpSubjectLevel, host: "a.test", .icpSubjectLevel, [.text("shown", "京ICP备12345678号"), .text("filed", icp)]),
         "悬挂的是主体备案号 京ICP备12345678号，备案的网站备案号为 京ICP备12345678号-1",
         "shows subject-level 京ICP备12345678号, filed site number is 京ICP备12345678号-1"),
        (Finding(.icpNotLinked, host: "a.test", .icpNotLinked, [.text("number", icp), .term("place", "bottom")]),
         "京ICP备12345678号-1 悬挂于页面底部，未链接至工信部备案官网", "京ICP备12345678号-1 shown in bottom without a link"),
        (Finding(.icpLinkWrong, host: "a.test", .icpLinkWrong, [.text("number", icp), .text("href", "http://www.miitbeian.gov.cn/")]),
         "京ICP备12345678号-1 链接至 http://www.miitbeian.gov.cn/，而非工信部备案官网首页 https://beian.miit.gov.cn/",
         "京ICP备12345678号-1 links to http://www.miitbeian.gov.cn/, not https://beian.miit.gov.cn/"),
        (Finding(.psbMissing, host: "a.test", .psbMissing), "首页未悬挂公安备案号", "no 公安备案号 shown on the page"),
        (Finding(.psbWrong, host: "a.test", .psbWrongBoth, [.list("shown", [psb]), .text("filed", "11010502000002"),
                                                          .list("links", ["\(psb) → 11010502000003"])]),
         "悬挂的公安备案号为 京公网安备11010502000001号，备案编号应为 11010502000002；链接中的备案编号与所悬挂的不一致：京公网安备11010502000001号 → 11010502000003",
         "shows 京公网安备11010502000001号, filed code is 11010502000002; record codes in the links differ from the numbers shown: 京公网安备11010502000001号 → 11010502000003"),
        (Finding(.psbNotLinked, host: "a.test", .psbNotLinked, [.text("number", psb)]),
         "京公网安备11010502000001号 未链接至全国互联网安全管理服务平台", "京公网安备11010502000001号 shown without a link"),
        (Finding(.titleMismatch, host: "a.test", .titleMismatch, [.text("title", "欢迎"), .text("name", "示例科技")]),
         "网站标题“欢迎”不含备案的网站名称“示例科技”", "title 欢迎 does not contain the filed service name 示例科技"),
        (Finding(.titleRestricted, host: "a.test", .titleRestricted, [.list("words", ["中国", "新闻"])]),
         "网站标题含有需前置审批的词语 中国、新闻，备案的网站名称中没有", "title uses restricted words 中国, 新闻 not in the filed service name"),
        (Finding(.pagePlaceholder, host: "a.test", .placeholder, [.term("page", "empty page")]),
         "空白页：网站没有实际内容", "empty page: the site shows no real content"),
        (Finding(.pageScriptRendered, host: "a.test", .scriptShell, [.text("characters", "12"), .text("scripts", "3")]),
         "首页由脚本生成（文字 12 个字符，脚本 3 个），未渲染，无法核查",
         "page is a script-rendered shell (12 characters of text, 3 scripts); not rendered, so not judged"),
        (Finding(.contentRiskWords, host: "a.test", .riskWords, [.list("words", ["百家乐", "六合彩"], more: 2), .terms("categories", ["gambling"]),
                                                               .terms("places", ["title", "link"]), .text("score", "40"), .text("threshold", "20")]),
         "网站标题、链接文字含有赌博类风险词：百家乐、六合彩 等4个（加权 40，阈值 20）",
         "risk words of gambling in the title, link texts: 百家乐, 六合彩 and 2 more (weighted 40, threshold 20)"),
        (Finding(.contentHiddenLinks, host: "a.test", .hiddenLinksRisky, [.text("count", "5"), .list("how", ["font-size:0 on <div>"]),
                                                                         .list("urls", ["http://bet.example/", "http://x.example/"], more: 3),
                                                                         .list("words", ["博彩"])]),
         "5 个指向其他网站的链接被隐藏，访问者看不到（隐藏方式：font-size:0 on <div>），含风险词 博彩：http://bet.example/、http://x.example/ 等5个",
         "5 hidden links to other sites, hidden by font-size:0 on <div>; risk words 博彩: http://bet.example/, http://x.example/ and 3 more"),
        (Finding(.contentCloaked, host: "a.test", .cloaked, [.text("spider_title", "百家乐"), .text("title", "示例科技"), .list("words", ["百家乐"]),
                                                            .list("sites", []), .text("hidden", "0")]),
         "以百度蜘蛛访问时首页内容不同：标题“百家乐”（访问者看到“示例科技”）；访问者看不到的风险词：百家乐；访问者看不到的其他网站链接：无；多出的隐藏链接 0 个",
         "the page served to Baiduspider differs: title 百家乐 (a person sees 示例科技); risk words a person does not see: 百家乐; links to other sites a person does not see: none; 0 more hidden links"),
        (Finding(.redirectOffsite, host: "a.test", .redirectOffsite, [.text("target", "b.test")]),
         "跳转至 b.test，该网站不在本次核查的网站清单中", "redirects to b.test, which is not in the inventory"),
        (Finding(.ipv6NoRoute, host: "a.test", .ipv6NoRoute, [url, .list("ips", ["2001:db8::1"]), .text("reason", "Network is unreachable")]),
         "http://a.test/：仅有IPv6地址（2001:db8::1），核查所在网络没有IPv6路由，未能访问（Network is unreachable）",
         "http://a.test/: only IPv6 addresses (2001:db8::1) and this machine has no IPv6 route: not checked (Network is unreachable)"),
    ]

    func testEachCodesDetailInChineseAndEnglish() {
        for (finding, zh, en) in Self.cases {
            XCTAssertEqual(finding.detail(in: .zh), zh, finding.form.rawValue)
            XCTAssertEqual(finding.detail(in: .en), en, finding.form.rawValue)
        }
        let codes = Set(Self.cases.map(\.0.code))
        XCTAssertEqual(FindingCode.allCases.filter { !codes.contains($0) }, [], "a code without a hand-checked detail")
    }

    /// Every sentence in both languages, naming the same facts (a fact only one language writes
    /// would be lost in the other), and every vocabulary word in both.
    func testEverySentenceIsWrittenInBothLanguagesWithTheSameFacts() throws {
        func names(_ s: String) -> Set<String> {
            Set(s.split(separator: "{", omittingEmptySubsequences: false).dropFirst().compactMap { $0.split(separator: "}", maxSplits: 1).first.map(String.init) })
        }
        for form in DetailForm.allCases {
            let sentence = try XCTUnwrap(Details.sentences[form], "details.tsv has no \(form.rawValue)")
            XCTAssertFalse(sentence.zh.isEmpty || sentence.en.isEmpty, form.rawValue)
            XCTAssertEqual(names(sentence.zh), names(sentence.en), form.rawValue)
        }
        for word in ["footer", "bottom", "body", "empty page", "markup", "gambling", "pornography", "drugs", "fraud", "title", "meta", "text", "link"] {
            XCTAssertNotNil(Details.vocabulary[word], word)
        }
        // Chinese sentences use the notices' terms, never the English ones.
        for (form, sentence) in Details.sentences where form != .asWritten {
            XCTAssertNil(sentence.zh.range(of: "[a-z]{4,}", options: .regularExpression).flatMap { range in
                // URLs and `{fact}` names are not words of the sentence.
                let word = sentence.zh[range]
                return sentence.zh.contains("{\(word)") || sentence.zh.contains("\(word)}") || word.hasPrefix("http") || word == "beian" || word == "miit" ? nil : word
            }, "\(form.rawValue): \(sentence.zh)")
        }
    }

    /// A run written before details had facts is read back with its details as they were, in
    /// either language.
    func testADetailWithoutFactsIsKeptAsWritten() throws {
        let line = #"{"domain":"a.test","line":2,"verdict":"fail","checked_at":"2026-11-23T02:00:00Z","findings":[{"code":"ICP_MISSING","host":"a.test","severity":"error","detail":"no ICP number shown on the page (filed 京ICP备1号-1)"}],"hosts":[]}"#
        let record = try RecordCodec.decodeRecord(Data(line.utf8))
        XCTAssertEqual(record.findings.first?.detail(in: .zh), "no ICP number shown on the page (filed 京ICP备1号-1)")
        XCTAssertEqual(record.findings.first?.detail(in: .en), "no ICP number shown on the page (filed 京ICP备1号-1)")
    }
}
