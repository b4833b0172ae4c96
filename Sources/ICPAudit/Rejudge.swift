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
    /// The inventory lines judged so far (`--resume` audits the rest).
    private(set) var judgedLines = Set<Int>()
    /// Observed domains left out: without a row, or observed again for a row already judged.
    private var withoutRow: [String] = []
    private var observedAgain: [String] = []
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
                try refuseIfMerging("\(path): \(seen.domain) (line \(seen.line)) has no row in \(inventoryPath)")
                withoutRow.append(seen.domain)
                return
            }
            // A domain is of one shard only, so a row written twice is written twice in one file.
            guard judgedLines.insert(row.line).inserted else {
                try refuseIfMerging("\(path): \(seen.domain) (line \(row.line)) is written twice")
                observedAgain.append(seen.domain)
                return
            }
            pagesBeforeContentRisks += seen.hosts.filter { $0.page.map { !$0.contentRead } ?? false }.count
            var moved = seen
            moved.line = row.line
            keep(moved, judge.judge(moved, row: row))
        }
    }

    private func refuseIfMerging(_ why: String) throws {
        if mismatch == .refuse { throw InventoryError(description: why) }
    }

    /// What a reader of the judged run must know: sites left out, pages judged without content risks.
    func printNotes() {
        if !withoutRow.isEmpty {
            note("\(withoutRow.count) observed domains have no row in \(inventoryPath) and were left out: \(Self.shown(withoutRow))")
        }
        if !observedAgain.isEmpty {
            note("\(observedAgain.count) domains were observed again for a row already judged; the first observation was kept: \(Self.shown(observedAgain))")
        }
        if pagesBeforeContentRisks > 0 {
            note("\(pagesBeforeContentRisks) pages were observed before content risks were read: CONTENT_RISK_WORDS and CONTENT_HIDDEN_LINKS are not judged for them (scan again to judge them)")
        }
    }

    private static func shown(_ domains: [String]) -> String {
        domains.prefix(5).joined(separator: ", ") + (domains.count > 5 ? " and \(domains.count - 5) more" : "")
    }

    private func note(_ text: String) {
        FileHandle.standardError.write(Data("icpaudit: note: \(text)\n".utf8))
    }
}
