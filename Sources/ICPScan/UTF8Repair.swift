import CUTF8

/// Makes a UTF-8 byte stream well-formed before libxml2 sees it, as a browser decodes: each
/// ill-formed sequence becomes one U+FFFD and NULs are dropped (an HTML body ignores them).
/// libxml2 2.9 instead switches the rest of the page to Latin-1 at the first bad byte, which
/// would turn a correct footer into mojibake.
/// Valid chunks pass through without a copy; a sequence cut by a chunk boundary is held back.
struct UTF8Repair {
    private var pending: [UInt8] = []
    private var repaired: [UInt8] = []
    private static let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]

    mutating func feed(_ chunk: UnsafeRawBufferPointer, _ emit: (UnsafeRawBufferPointer) -> Void) {
        var rest = chunk
        while !pending.isEmpty && !rest.isEmpty {
            // Finish the held-back sequence with the chunk's first bytes (a sequence is at most
            // four), on the stack: most chunks of Chinese text start with one. The rest of the
            // chunk then passes as usual, not copied behind them.
            let taken = min(rest.count, 3)
            withUnsafeTemporaryAllocation(byteCount: pending.count + taken, alignment: 1) { head in
                head.copyBytes(from: pending)
                UnsafeMutableRawBufferPointer(rebasing: head[pending.count...]).copyMemory(from: UnsafeRawBufferPointer(rebasing: rest[..<taken]))
                pending.removeAll(keepingCapacity: true)
                repair(UnsafeRawBufferPointer(head), emit)
            }
            rest = UnsafeRawBufferPointer(rebasing: rest[taken...])
        }
        repair(rest, emit)
    }

    mutating func finish(_ emit: (UnsafeRawBufferPointer) -> Void) {
        guard !pending.isEmpty else { return }
        pending.removeAll()
        Self.replacement.withUnsafeBytes(emit)
    }

    private mutating func repair(_ bytes: UnsafeRawBufferPointer, _ emit: (UnsafeRawBufferPointer) -> Void) {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        var i = 0
        let n = bytes.count
        repaired.removeAll(keepingCapacity: true)
        while i < n {
            var incomplete: Int32 = 0
            var invalid = 0
            let valid = icp_utf8_valid_prefix(base + i, n - i, &incomplete, &invalid)
            let run = UnsafeRawBufferPointer(rebasing: bytes[i..<i + valid])
            i += valid
            if i == n || incomplete != 0 {
                // The common case, a valid chunk perhaps ending in a cut sequence: no copy.
                if !repaired.isEmpty { repaired.append(contentsOf: run) } else if !run.isEmpty { emit(run) }
                if incomplete != 0 { pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[i..<n])) }
                break
            }
            repaired.append(contentsOf: run)
            if invalid > 0 {
                repaired.append(contentsOf: Self.replacement)
                i += invalid
            } else {
                i += icp_nul_run(base + i, n - i)  // a decompression bomb of zeros is skipped in bulk
            }
        }
        if !repaired.isEmpty { repaired.withUnsafeBytes(emit) }
    }
}
