import ICPModel

/// The provider's address ranges: CIDR blocks one a line, `#` comments.
public enum ProviderRanges {
    public static func parse(_ text: String, file: String) throws(BadRow) -> CIDRSet {
        var blocks: [CIDR] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = (rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
                .description.trimmingWhitespace()
            guard !line.isEmpty else { continue }
            guard let block = CIDR(line) else {
                throw BadRow(file: file, line: index + 1, field: "cidr", message: "not a CIDR block: '\(line)'")
            }
            blocks.append(block)
        }
        return CIDRSet(blocks: blocks)
    }
}
