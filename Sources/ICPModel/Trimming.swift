extension StringProtocol {
    /// The string without the leading and trailing characters `isTrimmed` accepts.
    public func trimming(_ isTrimmed: (Character) -> Bool) -> String {
        guard let first = firstIndex(where: { !isTrimmed($0) }) else { return "" }
        return String(self[first...lastIndex(where: { !isTrimmed($0) })!])
    }

    /// The string without leading and trailing whitespace (and a stray BOM).
    public func trimmingWhitespace() -> String { trimming { $0.isWhitespace || $0 == "\u{FEFF}" } }
}
