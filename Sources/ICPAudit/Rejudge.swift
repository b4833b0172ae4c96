import Foundation
import ICPInventory
import ICPModel
import ICPReport
import ICPRules

/// The one path by which saved observations are judged again: the sites `scan --resume` keeps,
/// `judge` and `merge`. Each observation is matched to its inventory row and given to the same
/// `Judge` a scan uses, so the three give what the scan gave.
struct Rejudge {
    enum Mismatch {
        /// `--resume` and `judge`: an observation without a row is left out, and a note names it.
        case leaveOut
        /// `merge`: the run is refused (a shard that is not of this inventory).
        case refuse
    }

    /// The scan judges its new observations with this one too.
    let judge: Judge
    private let index: InventoryIndex
    private let inventoryPath: String
    /// `judge` with a corrected inventory follows a row to another line; the others must find it
    /// on the line it was observed on (their inventory is the one observed, by checksum).
    private let followMovedRows: Bool
    private let mismatch: Mismatch
    /// The inventory lines judged so far, and the file each came from.
    private(set) var judgedLines: [Int: String] = [:]
    private var leftOut: [String] = []
    private var pagesBeforeContentRisks = 0

    init(inventoryPath: String, index: InventoryIndex, ranges: CIDRSet?, cdn: CDNPolicy,
         followMovedRows: Bool = false, mismatch: Mismatch) {
        judge = Judge(ranges: ranges, cdn: cdn, siteForHost: index.site(forHost:))
        self.index = index
        self.inventoryPath = inventoryPath
        self.followMovedRows = followMovedRows
        self.mismatch = mismatch
    }

    /// Judges every observation of `path` (an observations.jsonl) and hands it to `keep`.
    /// `admit` may refuse an observation by throwing (merge: a domain of another shard).
    mutating func judgeSaved(in path: String, admit: (SiteObservation) throws -> Void = { _ in },
                             keep: (SiteObservation, SiteRecord) -> Void) throws {
        try JSONLinesFile.read(path, decode: RecordCodec.decodeObservation) { seen, _ in
            try admit(seen)
            guard let row = index.site(forDomain: seen.domain, line: seen.line), followMovedRows || row.line == seen.line else {
                try leaveOut("\(seen.domain) (line \(seen.line))", because: "\(path): \(seen.domain) (line \(seen.line)) has no row in \(inventoryPath)")
                return
            }
            if let earlier = judgedLines[row.line] {
                try leaveOut("\(seen.domain) (line \(row.line) again)", because: "\(path): \(seen.domain) (line \(row.line)) is written twice (also in \(earlier))")
                return
            }
            judgedLines[row.line] = path
            pagesBeforeContentRisks += seen.hosts.filter { $0.page.map { !$0.contentRead } ?? false }.count
            var moved = seen
            moved.line = row.line
            keep(moved, judge.judge(moved, row: row))
        }
    }

    private mutating func leaveOut(_ site: String, because why: String) throws {
        if mismatch == .refuse { throw InventoryError(description: why) }
        leftOut.append(site)
    }

    /// What a reader of the judged run must know: sites left out, pages judged without content risks.
    func printNotes() {
        if !leftOut.isEmpty {
            let shown = leftOut.prefix(5).joined(separator: ", ") + (leftOut.count > 5 ? " and \(leftOut.count - 5) more" : "")
            note("\(leftOut.count) observed sites have no row of their own in \(inventoryPath) and were left out: \(shown)")
        }
        if pagesBeforeContentRisks > 0 {
            note("\(pagesBeforeContentRisks) pages were observed before content risks were read: CONTENT_RISK_WORDS and CONTENT_HIDDEN_LINKS are not judged for them (scan again to judge them)")
        }
    }

    private func note(_ text: String) {
        FileHandle.standardError.write(Data("icpaudit: note: \(text)\n".utf8))
    }
}
