import Foundation
import XCTest

/// Spreadsheets as compliance staff open them: LibreOffice Calc (Debian's
/// libreoffice-calc-nogui) for a CSV, and openpyxl (python3-openpyxl) to read what a workbook
/// holds. Both are installed by scripts/install-deps.
enum Spreadsheet {
    /// One worksheet as Tests/Support/xlsx-cells prints it.
    struct Sheet {
        var name: String
        /// Cells: String, NSNumber, NSNull, or ["datetime": iso] / ["bool": b] for typed values.
        var rows: [[Any]]
        var freeze: String?
        var autofilter: String?
        var links: [String: String]
        var wrapped: [String]
        var widths: [String: Double]
    }

    /// Opens `csv` with Calc's CSV import set as Excel opens a CSV by default on a Chinese
    /// Windows: UTF-8, comma-separated, zh-CN (LCID 2052), special numbers (dates, times,
    /// scientific notation) detected, quoted fields not forced to text; saves it as xlsx.
    static func importCSV(_ csv: URL) throws -> URL {
        let soffice = "/usr/bin/soffice"
        guard FileManager.default.isExecutableFile(atPath: soffice) else {
            XCTFail("LibreOffice is not installed: run scripts/install-deps")
            throw XCTSkip("no LibreOffice")
        }
        let out = Farm.tempDir()
        let run = try Farm.command(soffice, ["--headless", "--norestore", "-env:UserInstallation=file://" + Farm.tempDir().path,
                                             "--infilter=Text - txt - csv (StarCalc):44,34,76,1,,2052,false,true",
                                             "--convert-to", "xlsx", "--outdir", out.path, csv.path])
        XCTAssertEqual(run.status, 0, run.stderr)
        return out.appendingPathComponent(csv.deletingPathExtension().lastPathComponent + ".xlsx")
    }

    static func read(_ xlsx: URL) throws -> [Sheet] {
        let json = try Farm.python(Farm.repo.appendingPathComponent("Tests/Support/xlsx-cells").path, [xlsx.path])
        let sheets = try XCTUnwrap((json as? [String: Any])?["sheets"] as? [[String: Any]])
        return sheets.map {
            Sheet(name: $0["name"] as? String ?? "", rows: $0["rows"] as? [[Any]] ?? [], freeze: $0["freeze"] as? String,
                  autofilter: $0["autofilter"] as? String, links: $0["links"] as? [String: String] ?? [:],
                  wrapped: $0["wrapped"] as? [String] ?? [], widths: $0["widths"] as? [String: Double] ?? [:])
        }
    }

    /// The fields of `csv` as Python's csv module reads them: an independent reading of the
    /// CSV's text.
    static func csvFields(_ csv: URL) throws -> [[String]] {
        let script = "import csv, json, sys; json.dump(list(csv.reader(open(sys.argv[1], encoding='utf-8-sig', newline=''))), sys.stdout, ensure_ascii=False)"
        return try XCTUnwrap(try Farm.python("-c", [script, csv.path]) as? [[String]])
    }

    /// Asserts that Calc kept every cell of `csv` as its text: the named number columns as
    /// the numbers written, every other cell as the very string in the CSV (an empty field as
    /// an empty cell). Returns the imported sheet.
    @discardableResult
    static func assertImportKeepsText(_ csv: URL, numberColumns: Set<String>, file: StaticString = #filePath, line: UInt = #line) throws -> Sheet {
        let fields = try csvFields(csv)
        let sheet = try XCTUnwrap(try read(try importCSV(csv)).first)
        XCTAssertEqual(sheet.rows.count, fields.count, "rows", file: file, line: line)
        let header = fields.first ?? []
        for (r, (row, cells)) in zip(fields, sheet.rows).enumerated() {
            for (c, text) in row.enumerated() {
                let cell: Any = c < cells.count ? cells[c] : NSNull()
                let place = "row \(r + 1) \(header[c]): \(text.debugDescription) became \(cell)"
                if r > 0 && numberColumns.contains(header[c]) {
                    XCTAssertEqual((cell as? NSNumber).map { "\($0)" }, text, place, file: file, line: line)
                } else if text.isEmpty {
                    XCTAssertTrue(cell is NSNull, place, file: file, line: line)
                } else {
                    XCTAssertEqual(cell as? String, text, place, file: file, line: line)
                }
            }
        }
        return sheet
    }
}
