import Foundation
import ICPInventory
import ICPModel
import ICPRules
import ICPScan

/// The files a scan reads beside its inventory (`--ranges`, `--cdn-catalogue` with `--own-cdn`,
/// `--risk-words`), read before the run starts. One that cannot be read or parsed is the user's
/// error (`InventoryError`, exit 2), naming the file, line and field.
public enum RunInputs {
    /// `--ranges FILE`: the provider's address blocks.
    public static func ranges(_ path: String) throws -> CIDRSet {
        let text = try read(path, what: "the provider ranges")
        do { return try ProviderRanges.parse(text, file: path) } catch { throw InventoryError(description: error.description) }
    }

    /// `--cdn-catalogue FILE` (or the built-in catalogue) with the `--own-cdn` names, each of which
    /// the catalogue must know.
    public static func cdnPolicy(catalogue path: String?, own: [String]) throws -> CDNPolicy {
        var catalogue = CDNCatalogue.builtIn
        if let path {
            let text = try read(path, what: "the CDN catalogue")
            do { catalogue = try CDNCatalogue.parse(text, file: path) } catch { throw InventoryError(description: error.description) }
        }
        do {
            return try CDNPolicy(catalogue: catalogue, own: own)
        } catch {
            throw InventoryError(description: "--own-cdn \(error.name): not a CDN of \(path ?? "the built-in catalogue"); it knows: \(error.known.joined(separator: ", "))")
        }
    }

    /// `--risk-words FILE`, or the bundled list without one.
    public static func riskWords(_ path: String?) throws -> RiskWords {
        guard let path else { return .standard }
        let text = try read(path, what: "the risk words")
        do { return try RiskWords(tsv: text, file: path) } catch { throw InventoryError(description: error.description) }
    }

    private static func read(_ path: String, what: String) throws -> String {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw InventoryError(description: "\(path): cannot read \(what)") }
        return text
    }
}
