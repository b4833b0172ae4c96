#if canImport(Glibc)
import Glibc
#endif
import Foundation
import ICPModel

/// Reads a run's JSON Lines file one line at a time, so memory does not grow with the run.
/// Every reader of a run goes through here and treats a damaged file the same way: a
/// half-written last line (a run killed with -9 and not yet resumed) is skipped with a note on
/// stderr; any other line that does not decode is an error naming the file and line.
public enum JSONLinesFile {
    /// Calls `body` with each record of `path` and its line number, in file order.
    public static func read<T>(_ path: String, decode: (Data) throws(RecordError) -> T,
                               _ body: (T, Int) throws -> Void) throws {
        guard let file = fopen(path, "rb") else {
            throw OutputError(description: "\(path): cannot read: \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        var buffer: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(buffer) }
        var number = 0
        while case let n = getline(&buffer, &capacity, file), n >= 0 {
            number += 1
            guard let buffer else { break }
            let terminated = n > 0 && buffer[n - 1] == 0x0A
            let data = Data(bytes: buffer, count: terminated ? n - 1 : n)
            if data.allSatisfy({ $0 == 0x20 || $0 == 0x0D }) { continue }
            let record: T
            do {
                record = try decode(data)
            } catch {
                if !terminated {
                    FileHandle.standardError.write(Data("icpaudit: note: \(path):\(number): half-written last line skipped (the run was interrupted)\n".utf8))
                    break
                }
                throw OutputError(description: "\(path):\(number): not a record of this file: \(error.description)")
            }
            try body(record, number)
        }
        if ferror(file) != 0 { throw OutputError(description: "\(path): read failed: \(String(cString: strerror(errno)))") }
    }
}
