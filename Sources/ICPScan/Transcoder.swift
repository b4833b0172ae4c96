#if canImport(Glibc)
import Glibc
#endif

/// Decodes a legacy charset (GB18030, Big5, …) to UTF-8 with iconv, as a browser does: an
/// invalid sequence becomes U+FFFD and decoding goes on. (libxml2 2.9 stops the whole page at
/// the first one.) A sequence cut by a chunk boundary is held back for the next chunk.
final class Transcoder {
    private let cd: iconv_t
    private var pending: [UInt8] = []
    private var output = [UInt8](repeating: 0, count: 65536)
    private static let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]

    init?(from charset: String) {
        guard let cd = iconv_open("UTF-8", charset), cd != iconv_t(bitPattern: -1) else { return nil }
        self.cd = cd
    }

    deinit { iconv_close(cd) }

    func feed(_ chunk: UnsafeRawBufferPointer, _ emit: (UnsafeRawBufferPointer) -> Void) {
        if pending.isEmpty {
            convert(chunk, emit)
        } else {
            var joined = pending
            pending.removeAll()
            joined.append(contentsOf: chunk)
            joined.withUnsafeBytes { convert($0, emit) }
        }
    }

    func finish(_ emit: (UnsafeRawBufferPointer) -> Void) {
        guard !pending.isEmpty else { return }
        pending.removeAll()
        Self.replacement.withUnsafeBytes(emit)
    }

    private func convert(_ input: UnsafeRawBufferPointer, _ emit: (UnsafeRawBufferPointer) -> Void) {
        guard let start = input.baseAddress else { return }
        var inPtr = UnsafeMutablePointer(mutating: start.assumingMemoryBound(to: CChar.self))
        var inLeft = input.count
        while inLeft > 0 {
            let (produced, rc, err) = output.withUnsafeMutableBytes { out -> (Int, Int, Int32) in
                var outPtr: UnsafeMutablePointer<CChar>? = out.baseAddress!.assumingMemoryBound(to: CChar.self)
                var outLeft = out.count
                var inP: UnsafeMutablePointer<CChar>? = inPtr
                let rc = iconv(cd, &inP, &inLeft, &outPtr, &outLeft)
                let err = errno
                inPtr = inP!
                return (out.count - outLeft, rc, err)
            }
            if produced > 0 { output.withUnsafeBytes { emit(UnsafeRawBufferPointer(rebasing: $0[0..<produced])) } }
            guard rc == -1 else { continue }
            switch err {
            case E2BIG: continue  // output full: emitted, go on
            case EINVAL:  // a sequence cut by the end of the chunk
                pending.append(contentsOf: UnsafeRawBufferPointer(start: inPtr, count: inLeft))
                return
            default:  // EILSEQ: one bad byte becomes U+FFFD
                Self.replacement.withUnsafeBytes(emit)
                inPtr += 1
                inLeft -= 1
            }
        }
    }
}
