/// Searching normalised text as bytes, for the scanner's and the rules' phrase checks.
public enum ByteSearch {
    /// Where `needle` first occurs in `hay` at or after `from`; an empty needle occurs at `from`.
    public static func find(_ needle: [UInt8], in hay: [UInt8], from: Int = 0) -> Int? {
        guard needle.count <= hay.count, from <= hay.count - needle.count else { return nil }
        guard let first = needle.first else { return from }
        for i in from...(hay.count - needle.count) where hay[i] == first {
            if hay[i..<i + needle.count].elementsEqual(needle) { return i }
        }
        return nil
    }
}
