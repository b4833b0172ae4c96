#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Realistic pages for the scan benchmarks: a portal-style body (navigation, article text,
/// link lists) around each real footer of ../shared/corpus, a 150 KB page and a GBK page.
enum Pages {
    static let corpusDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/corpus")

    static func body(approximateBytes: Int) -> String {
        var s = "<div class=\"header\"><ul class=\"nav\">"
        for i in 0..<30 { s += "<li><a href=\"/channel/\(i)/\">栏目\(i)</a></li>" }
        s += "</ul></div><div class=\"main\"><h1>示例科技有限公司：云主机与网站建设</h1>"
        var i = 0
        while s.utf8.count < approximateBytes {
            s += "<p class=\"para\">第\(i)段：本公司长期提供云主机、域名注册、网站建设与运维服务，"
                + "<a href=\"/news/\(i).html\">了解更多</a>。服务覆盖华北、华东、华南地区，欢迎来电咨询 010-88888888。</p>"
            if i % 10 == 0 { s += "<script>var _hmt = _hmt || []; _hmt.push(['_trackPageview', '/p/\(i)']);</script>" }
            i += 1
        }
        return s + "</div>"
    }

    /// Each corpus footer inside a 30 KB page.
    static func corpusPages() -> [[UInt8]] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: corpusDir.path)) ?? []
        let body = Self.body(approximateBytes: 30_000)
        return files.filter { $0.hasSuffix(".html") }.sorted().compactMap { name in
            guard let html = try? String(contentsOf: corpusDir.appendingPathComponent(name), encoding: .utf8) else { return nil }
            // The corpus snippet's <body> gets the realistic content in front of its footer.
            return Array(html.replacingOccurrences(of: "<body>", with: "<body>" + body).utf8)
        }
    }

    static func page(approximateBytes: Int, charset: String = "utf-8") -> String {
        "<!DOCTYPE html><html><head><meta charset=\"\(charset)\"><title>示例科技</title></head><body>"
            + body(approximateBytes: approximateBytes)
            + "<div class=\"footer\"><a href=\"https://beian.miit.gov.cn/\">京ICP备12345678号-1</a> "
            + "<a href=\"http://www.beian.gov.cn/portal/registerSystemInfo?recordcode=11010502000001\">京公网安备11010502000001号</a></div>"
            + "</body></html>"
    }

    static func gb18030(_ s: String) -> [UInt8] {
        let cd = iconv_open("GB18030", "UTF-8")
        defer { iconv_close(cd) }
        var input = Array(s.utf8).map { CChar(bitPattern: $0) }
        var output = [CChar](repeating: 0, count: input.count * 2)
        var inLeft = input.count, outLeft = output.count
        input.withUnsafeMutableBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                var inPtr: UnsafeMutablePointer<CChar>? = inBuf.baseAddress
                var outPtr: UnsafeMutablePointer<CChar>? = outBuf.baseAddress
                _ = iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft)
            }
        }
        return output.prefix(output.count - outLeft).map { UInt8(bitPattern: $0) }
    }
}
