import BareSAX
import Benchmark
import ICPModel
import ICPReport
import ICPRules
import ICPScan

/// Throughput is iterations per second. Scan benchmarks come in pairs, `scanner: X` and
/// `bare libxml2: X` over the same bytes, whose count per iteration is in the name, so that
/// scripts/bench-scan can print MB/s and the scanner's ratio to its limit.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.throughput, .wallClock, .mallocCountTotal, .cpuTotal],
                                           maxDuration: .seconds(2), maxIterations: 100_000)
    let chunk = 16384  // what curl's write callback hands over at most

    let corpus = Pages.corpusPages()
    // One iteration: every corpus footer in its 30 KB page.
    let corpusBytes = corpus.reduce(0) { $0 + $1.count }
    Benchmark("scanner: corpus pages (\(corpusBytes) bytes)") { b in
        for _ in b.scaledIterations { for page in corpus { blackHole(PageReader.read(page, chunkSize: chunk)) } }
    }
    Benchmark("bare libxml2: corpus pages (\(corpusBytes) bytes)") { b in
        for _ in b.scaledIterations {
            for page in corpus { blackHole(page.withUnsafeBufferPointer { bare_sax_parse($0.baseAddress, $0.count, chunk, "UTF-8") }) }
        }
    }

    // One iteration: one 150 KB page.
    let big = Array(Pages.page(approximateBytes: 150_000).utf8)
    Benchmark("scanner: 150KB page (\(big.count) bytes)") { b in
        for _ in b.scaledIterations { blackHole(PageReader.read(big, chunkSize: chunk)) }
    }
    Benchmark("bare libxml2: 150KB page (\(big.count) bytes)") { b in
        for _ in b.scaledIterations { blackHole(big.withUnsafeBufferPointer { bare_sax_parse($0.baseAddress, $0.count, chunk, "UTF-8") }) }
    }

    // One iteration: one 150 KB page in GBK (decoded as GB18030).
    let gbk = Pages.gb18030(Pages.page(approximateBytes: 150_000, charset: "gbk"))
    Benchmark("scanner: GBK page (\(gbk.count) bytes)") { b in
        for _ in b.scaledIterations { blackHole(PageReader.read(gbk, chunkSize: chunk)) }
    }
    Benchmark("bare libxml2: GBK page (\(gbk.count) bytes)") { b in
        for _ in b.scaledIterations { blackHole(gbk.withUnsafeBufferPointer { bare_sax_parse($0.baseAddress, $0.count, chunk, "GB18030") }) }
    }

    // One iteration: 1,000 footer lines through the number matcher alone.
    let footerText = Array(String(repeating: "版权所有 示例科技 京ICP备12345678号-1 京公网安备11010502000001号 联系我们 ", count: 1000).utf8)
    Benchmark("number matcher: 1000 footer lines (\(footerText.count) bytes)") { b in
        for _ in b.scaledIterations {
            let collector = NumberCollector()
            footerText.withUnsafeBytes { collector.text($0, at: .init(anchor: 0, inFooter: true)) }
            collector.finish()
            blackHole(collector.numbers.count)
        }
    }

    // One iteration: one record.
    let record = sampleRecord()
    Benchmark("JSONL writer record") { b in
        var encoder = RecordCodec()
        for _ in b.scaledIterations { blackHole(encoder.encode(record).count) }
    }
    Benchmark("CSV writer record") { b in
        for _ in b.scaledIterations { blackHole(CSVEncoder.row(record, language: .zh).count) }
    }
}

func sampleRecord() -> SiteRecord {
    var hosts: [HostRecord] = []
    for name in ["example.cn", "www.example.cn"] {
        var h = HostRecord(host: name)
        h.ips = ["203.0.113.10"]
        h.url = "http://\(name)/"
        h.finalURL = "https://\(name)/"
        h.status = 200
        h.title = "示例科技"
        h.icp = ["京ICP备12345678号-1"]
        h.icpLinks = ["http://www.miitbeian.gov.cn/"]
        h.psb = ["京公网安备11010502000001号"]
        h.charset = "UTF-8"
        h.charsetSource = "meta"
        h.bytes = 48213
        h.ms = 212
        hosts.append(h)
    }
    return SiteRecord(domain: "example.cn", line: 2, verdict: .fail, checkedAt: "2026-11-23T02:00:00Z",
                      findings: ["example.cn", "www.example.cn"].map { host in
                          Finding(.icpLinkWrong, host: host, .icpLinkWrong, [.text("number", "京ICP备12345678号-1"), .text("href", "http://www.miitbeian.gov.cn/")])
                      },
                      hosts: hosts)
}
