#if canImport(Glibc)
import Glibc
#endif
import CXLSXWriter
import ICPModel

/// findings.xlsx, for compliance staff in Excel or WPS: a sheet of every site (typed columns,
/// header frozen, autofilter, the notice wrapped, final URLs as links), then one sheet per
/// finding code that occurred, in SPEC's order, listing its hosts, views and details.
///
/// Written through libxlsxwriter's constant-memory mode, as the run goes: each site's row
/// streams into the sites sheet; its findings go to a spill file beside it, which `finish`
/// streams into the code sheets, made then so that they come in a fixed order (a
/// constant-memory sheet is written once, top to bottom, but sheets may be added late). Memory
/// stays flat however many rows the run has. Not thread-safe: one writer at a time.
public final class FindingsWorkbook {
    private let path: String
    private let book: Book
    private let sites: Sheet
    private let spill: UnsafeMutablePointer<FILE>
    private var codes = Set<FindingCode>()
    /// The language of the findings' details.
    private let language: ReportLanguage

    /// Starts `path` (as `path.tmp`, renamed by `finish` when whole).
    public init(path: String, language: ReportLanguage = .zh) throws {
        self.path = path
        self.language = language
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        var template = Array((directory + "/.findings-xlsx-XXXXXX").utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0, let file = fdopen(fd, "w+") else {
            throw OutputError(description: "\(directory): cannot write: \(String(cString: strerror(errno)))")
        }
        unlink(template)  // gone with the process, whatever happens to the run
        spill = file
        do { book = try Book(path: path + ".tmp", tmpdir: directory) } catch {
            fclose(file)
            throw error
        }
        sites = book.sheet(named: "站点", columns: Self.siteColumns)
    }

    deinit { fclose(spill) }

    public func add(_ record: SiteRecord) {
        let s = SiteCells(record, language: language)
        sites.add([.number(s.line), .text(s.domain), .text(s.verdict.chinese), .text(s.codes.map(\.rawValue).joined(separator: "; ")),
                   .text(s.codes.map(Notices.problem).joined(separator: "；")),
                   .number(s.hostsOpened), .number(s.hostCount), .text(s.title), .text(s.icpFound), .text(s.psbFound),
                   .link(s.finalURL), .text(s.detail), .wrapped(s.notice), .time(record.checkedAt)])
        for f in record.findings {
            codes.insert(f.code)
            let fields = [f.code.rawValue, record.domain, String(record.line), f.host, f.view.rawValue, f.severity.rawValue, f.detail(in: language)]
            fputs(fields.map(Self.escaped).joined(separator: "\t") + "\n", spill)
        }
    }

    /// Writes the code sheets, packs the workbook and puts it in place.
    public func finish() throws {
        var byCode: [FindingCode: Sheet] = [:]
        for code in FindingCode.allCases where codes.contains(code) {
            byCode[code] = book.sheet(named: code.rawValue, title: "\(code.rawValue)：\(Notices.problem(code))", columns: Self.codeColumns)
        }
        guard fflush(spill) == 0, ferror(spill) == 0 else {
            throw WriteFailure(description: "\(path): spill file: \(String(cString: strerror(errno)))")
        }
        rewind(spill)
        var buffer: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(buffer) }
        while case let n = getline(&buffer, &capacity, spill), n > 0, let buffer {
            let fields = String(decoding: UnsafeRawBufferPointer(start: buffer, count: n - 1), as: UTF8.self)
                .split(separator: "\t", omittingEmptySubsequences: false).map(Self.unescaped)
            guard fields.count == 7, let code = FindingCode(rawValue: fields[0]), let sheet = byCode[code] else { continue }
            sheet.add([.text(fields[1]), .number(Int(fields[2]) ?? 0), .text(fields[3]), .text(View(rawValue: fields[4])?.chinese ?? fields[4]),
                       .text(Severity(rawValue: fields[5])?.chinese ?? fields[5]), .text(fields[6])])
        }
        try book.close()
        if rename(path + ".tmp", path) != 0 {
            throw OutputError(description: "\(path): cannot replace: \(String(cString: strerror(errno)))")
        }
    }

    /// A spill field on one line: tab, newline, carriage return and backslash escaped.
    private static func escaped(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || $0 == 0x5C }) else { return s }
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\\": out += "\\\\"
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }

    private static func unescaped(_ s: Substring) -> String {
        guard s.utf8.contains(0x5C) else { return String(s) }
        var out = ""
        var escaping = false
        for u in s.unicodeScalars {
            if escaping {
                out.unicodeScalars.append(u == "t" ? "\t" : u == "n" ? "\n" : u == "r" ? "\r" : u)
                escaping = false
            } else if u == "\\" {
                escaping = true
            } else {
                out.unicodeScalars.append(u)
            }
        }
        return out
    }

    struct Column {
        var title: String
        var width: Double
    }

    static let siteColumns = [("行号", 7.0), ("域名", 26), ("结论", 9), ("问题代码", 28), ("问题", 36), ("可访问主机数", 8), ("主机数", 7),
                              ("网站标题", 28), ("页面备案号", 26), ("页面公安备案号", 28), ("最终网址", 34), ("详情", 60),
                              ("整改通知", 70), ("核查时间（北京时间）", 20)].map { Column(title: $0.0, width: $0.1) }
    static let codeColumns = [("域名", 26.0), ("行号", 7), ("主机", 28), ("视图", 8), ("严重程度", 9), ("详情", 90)]
        .map { Column(title: $0.0, width: $0.1) }

    enum Cell {
        case text(String)
        case wrapped(String)
        case number(Int)
        /// An http(s) URL, written as a link while the sheet has room for one.
        case link(String)
        /// An ISO 8601 UTC timestamp, written as a date-time in Beijing time.
        case time(String)
    }

    /// A workbook being written; the first failing libxlsxwriter call's error is kept.
    final class Book {
        let handle: UnsafeMutablePointer<lxw_workbook>
        let path: String
        /// Kept until the workbook is closed: libxlsxwriter holds on to it.
        private let tmpdir: UnsafeMutablePointer<CChar>
        var failure: lxw_error = LXW_NO_ERROR
        let header, wrap, link, time: UnsafeMutablePointer<lxw_format>
        private var sheetNames = Set<String>()
        private var sheets: [Sheet] = []

        init(path: String, tmpdir: String) throws {
            self.path = path
            self.tmpdir = strdup(tmpdir)
            // Temp files go beside the output: a run's disk, not a RAM-backed /tmp.
            var options = lxw_workbook_options(constant_memory: 1, tmpdir: self.tmpdir, use_zip64: 1)
            guard let made = workbook_new_opt(path, &options) else {
                free(self.tmpdir)
                throw OutputError(description: "\(path): cannot create the workbook")
            }
            handle = made
            header = workbook_add_format(made)
            format_set_bold(header)
            format_set_bg_color(header, 0xDDEBF7)
            format_set_text_wrap(header)
            format_set_align(header, UInt8(LXW_ALIGN_VERTICAL_TOP.rawValue))
            wrap = workbook_add_format(made)
            format_set_text_wrap(wrap)
            format_set_align(wrap, UInt8(LXW_ALIGN_VERTICAL_TOP.rawValue))
            link = workbook_add_format(made)
            format_set_font_color(link, LXW_COLOR_BLUE.rawValue)
            format_set_underline(link, UInt8(LXW_UNDERLINE_SINGLE.rawValue))
            time = workbook_add_format(made)
            format_set_num_format(time, "yyyy-mm-dd hh:mm:ss")
        }

        deinit { free(tmpdir) }

        func sheet(named name: String, title: String? = nil, columns: [Column]) -> Sheet {
            let sheet = Sheet(book: self, name: name, title: title, columns: columns)
            sheets.append(sheet)
            return sheet
        }

        /// A new worksheet; `name` is made unique and short enough for Excel (31 characters).
        func addWorksheet(_ name: String) -> UnsafeMutablePointer<lxw_worksheet> {
            var unique = String(name.prefix(31)), n = 1
            while !sheetNames.insert(unique).inserted {
                n += 1
                unique = String(name.prefix(25)) + " (\(n))"
            }
            return workbook_add_worksheet(handle, unique)
        }

        func note(_ error: lxw_error) {
            if error != LXW_NO_ERROR && failure == LXW_NO_ERROR { failure = error }
        }

        func check() throws {
            guard failure == LXW_NO_ERROR else {
                throw WriteFailure(description: "\(path): \(String(cString: lxw_strerror(failure)))")
            }
        }

        /// Packs the workbook; a full disk fails here.
        func close() throws {
            for sheet in sheets { sheet.setFilter() }
            note(workbook_close(handle))
            try check()
        }
    }

    /// One list of rows; it goes on in a new worksheet when Excel's row limit is reached.
    final class Sheet {
        unowned let book: Book
        let name: String
        let title: String?
        let columns: [Column]
        private var worksheet: UnsafeMutablePointer<lxw_worksheet>
        private var row: lxw_row_t = 0
        private var firstDataRow: lxw_row_t = 0

        init(book: Book, name: String, title: String?, columns: [Column]) {
            self.book = book
            self.name = name
            self.title = title
            self.columns = columns
            worksheet = book.addWorksheet(name)
            start()
        }

        private func start() {
            row = 0
            for (i, c) in columns.enumerated() { book.note(worksheet_set_column(worksheet, lxw_col_t(i), lxw_col_t(i), c.width, nil)) }
            if let title {
                book.note(worksheet_write_string(worksheet, row, 0, title, book.header))
                row += 1
            }
            for (i, c) in columns.enumerated() { book.note(worksheet_write_string(worksheet, row, lxw_col_t(i), c.title, book.header)) }
            row += 1
            firstDataRow = row
            worksheet_freeze_panes(worksheet, row, 0)
        }

        /// The autofilter over the header and the rows of the current worksheet.
        func setFilter() {
            book.note(worksheet_autofilter(worksheet, firstDataRow - 1, 0, max(row, firstDataRow) - 1, lxw_col_t(columns.count - 1)))
        }

        func add(_ cells: [Cell]) {
            if row == lxw_row_t(LXW_ROW_MAX) {
                setFilter()
                worksheet = book.addWorksheet(name)
                start()
            }
            for (i, cell) in cells.enumerated() { write(cell, column: lxw_col_t(i)) }
            row += 1
        }

        private func write(_ cell: Cell, column: lxw_col_t) {
            switch cell {
            case .text(let s): book.note(worksheet_write_string(worksheet, row, column, excelText(s), nil))
            case .wrapped(let s): book.note(worksheet_write_string(worksheet, row, column, excelText(s), book.wrap))
            case .number(let n): book.note(worksheet_write_number(worksheet, row, column, Double(n), nil))
            case .link(let url):
                // A HYPERLINK formula rather than a stored hyperlink: libxlsxwriter keeps every
                // stored hyperlink in memory until the workbook is packed (at 100,000 rows, 150 MB
                // more), while a formula is streamed like any cell. Its cached result is the URL,
                // so a reader that does not calculate shows it too. Excel takes at most 255
                // characters in a formula's string; a longer URL stays text.
                if url.utf16.count <= 255, url.hasPrefix("http://") || url.hasPrefix("https://") {
                    let formula = "=HYPERLINK(\"" + url.replacingAll("\"", with: "\"\"") + "\")"
                    book.note(worksheet_write_formula_str(worksheet, row, column, formula, book.link, url))
                } else {
                    book.note(worksheet_write_string(worksheet, row, column, excelText(url), nil))
                }
            case .time(let iso):
                guard let p = ShanghaiTime.parts(ofUTC: iso) else {
                    book.note(worksheet_write_string(worksheet, row, column, excelText(iso), nil))
                    return
                }
                var t = lxw_datetime(year: Int32(p.year), month: Int32(p.month), day: Int32(p.day),
                                     hour: Int32(p.hour), min: Int32(p.minute), sec: Double(p.second))
                book.note(worksheet_write_datetime(worksheet, row, column, &t, book.time))
            }
        }

        /// Excel's cell limit is 32,767 characters; a longer text is cut with a mark (the
        /// run's findings.jsonl has it whole).
        private func excelText(_ s: String) -> String {
            let limit = 32_767
            guard s.unicodeScalars.count > limit else { return s }
            return String(String.UnicodeScalarView(s.unicodeScalars.prefix(limit - 1))) + "…"
        }
    }
}
