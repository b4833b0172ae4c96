#if canImport(Glibc)
import Glibc
#endif
import ICPInventory
import ICPModel
import ICPNumbers
import ICPRules
import ICPScan

/// Fuzz targets: the scanner (any bytes, any chunking, any declared charset), the number
/// grammar, and the inventory reader. `ICPFUZZ_TARGET` picks one (scanner by default).
enum FuzzTargets {
    static let target = getenv("ICPFUZZ_TARGET").map { String(cString: $0) } ?? "scanner"
    static let charsets = [nil, "text/html; charset=utf-8", "text/html; charset=gbk", "text/html; charset=big5",
                           "text/html; charset=utf-16", "text/html; charset=shift_jis", "text/html; charset=bogus"]

    static func run(_ bytes: UnsafeRawBufferPointer) {
        switch target {
        case "grammar": grammar(bytes)
        case "inventory": inventory(bytes)
        default: scanner(bytes)
        }
    }

    /// The first byte picks the Content-Type, the second the chunk size; the rest is the page.
    static func scanner(_ input: UnsafeRawBufferPointer) {
        guard input.count >= 2 else { return }
        let contentType = charsets[Int(input[0]) % charsets.count]
        let chunk = 1 + Int(input[1]) * 67
        let reader = PageReader(contentType: contentType)
        var i = 2
        while i < input.count {
            let n = min(chunk, input.count - i)
            reader.feed(UnsafeRawBufferPointer(rebasing: input[i..<i + n]))
            i += n
        }
        let page = reader.finish()
        precondition(page.numbers.count <= NumberCollector.maxKept)
        if let icp = RecordNumber.parse("京ICP备12345678号-1") {
            _ = PageRules.evaluate(page, against: FiledSite(icp: icp, psbCode: "11010502000001", serviceName: "示例"), host: "fuzz")
        }
    }

    /// Any text through the streaming matcher and the whole-string parser.
    static func grammar(_ input: UnsafeRawBufferPointer) {
        let collector = NumberCollector()
        collector.text(input, at: .init(anchor: 1, inFooter: true))
        collector.finish()
        for n in collector.numbers { precondition(!n.digits.isEmpty) }
        let text = String(decoding: input, as: UTF8.self)
        if let parsed = RecordNumber.parse(text) { precondition(RecordNumber.parse(parsed.description) == parsed) }
        for n in collector.numbers { _ = LinkRules.isMIITHome(n.text); _ = LinkRules.psbCode(inLink: n.text) }
    }

    /// Any file as an inventory: every row is a site or a bad row, and reading ends.
    static func inventory(_ input: UnsafeRawBufferPointer) {
        var template = Array("/tmp/icpfuzz-XXXXXX.csv".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemps($0.baseAddress!, 4) }
        guard fd >= 0 else { return }
        let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        defer { unlink(path) }
        _ = write(fd, input.baseAddress, input.count)
        close(fd)
        guard let reader = try? InventoryReader(path: path) else { return }
        var rows = 0
        while let row = reader.next() {
            if case .success(let site) = row { precondition(!site.hosts.isEmpty) }
            rows += 1
            precondition(rows <= input.count + 1, "more rows than bytes")
        }
    }
}

#if FUZZING
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

/// SwiftPM links an executable's entry as `<module>_main`; here it hands over to libFuzzer.
@_cdecl("icpaudit_fuzz_main")
func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var args = argv
    return LLVMFuzzerRunDriver(&count, &args) { data, size in
        FuzzTargets.run(UnsafeRawBufferPointer(start: data, count: size))
        return 0
    }
}
#else
/// Without libFuzzer: replays the given files (saved crashes, the corpus) through the target.
@main
struct ReplayInputs {
    static func main() {
        var replayed = 0
        for path in CommandLine.arguments.dropFirst() {
            guard let f = fopen(path, "rb") else {
                let message = "icpaudit-fuzz: cannot read \(path)\n"
                _ = message.withCString { write(2, $0, strlen($0)) }
                exit(2)
            }
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            while case let n = fread(&buffer, 1, buffer.count, f), n > 0 { bytes += buffer[0..<n] }
            fclose(f)
            bytes.withUnsafeBytes(FuzzTargets.run)
            replayed += 1
        }
        print("replayed \(replayed) inputs through the \(FuzzTargets.target) target")
    }
}
#endif
