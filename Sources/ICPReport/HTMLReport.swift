import ICPModel

/// The sites report.html lists: those that did not pass, in a compact form, up to `limit`
/// (a run of a million rows would otherwise make a page no browser opens; findings.csv has all).
public struct ReportSites {
    public static let limit = 10_000
    /// Characters of the first finding's detail kept per site (the run's files have it whole).
    static let detailLength = 240

    struct Row {
        var domain: String
        var line: Int
        var verdict: Verdict
        var codes: [FindingCode]
        var detail: String
    }

    private(set) var rows: [Row] = []
    /// Sites that did not pass, listed or not.
    public private(set) var total = 0
    /// The language of the details (report.html's `--lang`).
    let language: ReportLanguage

    public init(language: ReportLanguage = .zh) { self.language = language }

    public mutating func add(_ r: SiteRecord) {
        guard r.verdict != .pass else { return }
        total += 1
        guard rows.count < Self.limit else { return }
        var codes: [FindingCode] = []
        for f in r.findings where !codes.contains(f.code) { codes.append(f.code) }
        rows.append(Row(domain: r.domain, line: r.line, verdict: r.verdict, codes: codes,
                        detail: String(r.findings.first.map { f in
                            let at = f.host + (f.view == .mobile ? (language == .zh ? "（手机版）" : " (mobile)") : "")
                            let detail = f.detail(in: language)
                            return detail.contains(f.host) && f.view == .desktop ? detail : "\(at): \(detail)"
                        }?
                            .prefix(Self.detailLength) ?? "")))
    }
}

/// One earlier run as report.html's trend shows it, read back from its summary.json.
public struct TrendPoint: Sendable, Equatable {
    public var run: String
    public var finishedAt: String
    public var sites: Int
    public var verdicts: [Verdict: Int]
    public var sitesByCode: [FindingCode: Int]

    public init(run: String, finishedAt: String, sites: Int, verdicts: [Verdict: Int], sitesByCode: [FindingCode: Int]) {
        self.run = run
        self.finishedAt = finishedAt
        self.sites = sites
        self.verdicts = verdicts
        self.sitesByCode = sitesByCode
    }

    /// Runs a summary.json keeps for the trend (its own `trend` plus the run itself).
    public static let kept = 30
}

/// report.html: one self-contained file (inline CSS, SVG and script; its Content-Security-Policy
/// forbids any fetch). Charts are SVG drawn here; the failing-sites table is drawn by the page's
/// script from embedded JSON, filtered and sorted in the browser, with the state in the URL
/// fragment (`#verdict=fail&code=ICP_MISSING&q=text&sort=-domain`) so a view can be linked.
public struct HTMLReport {
    public var title: String
    public var summary: RunSummary
    public var sites: ReportSites
    /// Earlier runs, oldest first; the last is the baseline.
    public var trend: [TrendPoint]
    public var finishedAt: String
    public var inventory: String
    public var language: ReportLanguage
    private var words: ReportWords { language.words }

    public init(title: String, summary: RunSummary, sites: ReportSites, trend: [TrendPoint], finishedAt: String, inventory: String,
                language: ReportLanguage = .zh) {
        self.title = title
        self.summary = summary
        self.sites = sites
        self.trend = trend
        self.finishedAt = finishedAt
        self.inventory = inventory
        self.language = language
    }

    /// Writes the page in pieces, the table's data one site at a time, so a large run's report
    /// is never held whole in memory.
    public func write(_ emit: ([UInt8]) -> Void) {
        let w = words
        var h = """
        <!DOCTYPE html>
        <html lang="\(language.htmlLang)"><head><meta charset="utf-8">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>icpaudit \(escape(title))</title>
        <style>\(Self.style)</style></head><body>
        <h1>\(w.heading) \(escape(title))</h1>
        <p class="meta">\(w.inventory) <code>\(escape(inventory))</code> · \(w.finished) \(escape(time(finishedAt))) ·
        \(w.sites("<span id=\"sites-count\">\(summary.sites)</span>")) · \(w.badRows(summary.badRows))</p>
        <section><h2>\(w.sitesPerVerdict)</h2>\(verdictChart())</section>
        <section><h2>\(w.sitesPerCode)</h2>\(codeChart())</section>

        """
        if let baseline = trend.last { h += trendSection(baseline) }
        h += """
        <section><h2>\(w.notPassed)</h2>
        <div class="filters">
        <input id="q" type="search" placeholder="\(w.filterPlaceholder)" aria-label="\(w.filter)">
        <select id="verdict" aria-label="\(w.verdict)"><option value="">\(w.everyVerdict)</option>\(Verdict.allCases.filter { $0 != .pass }.map { "<option value=\"\($0.rawValue)\">\(language.name(of: $0))</option>" }.joined())</select>
        <select id="code" aria-label="\(w.code)"><option value="">\(w.everyCode)</option>\(FindingCode.allCases.filter { summary.sitesByCode[$0] != nil }.map { "<option value=\"\($0.rawValue)\">\(escape(label(of: $0)))</option>" }.joined())</select>
        <span>\(w.showing("<b id=\"shown\">0</b>", "<b id=\"listed\">\(sites.rows.count)</b>"))\(sites.total > sites.rows.count ? " " + w.firstOf(sites.rows.count, sites.total) : "")</span>
        </div>
        <table><thead><tr>\(zip(Self.columnKeys, w.columns).map { "<th data-key=\"\($0)\" tabindex=\"0\">\($1)</th>" }.joined())</tr></thead>
        <tbody id="rows"></tbody></table></section>
        \(noticeSection())
        <script id="labels" type="application/json">\(labelsJSON())</script>
        <script id="sites" type="application/json">
        """
        emit(Array(h.utf8))
        writeSitesJSON(emit)
        emit(Array("</script>\n<script>\(Self.script)</script>\n</body></html>\n".utf8))
    }

    private static let columnKeys = ["domain", "line", "verdict", "codes", "detail"]

    /// A code as the page names it: in Chinese, with its problem name from the notices.
    private func label(of code: FindingCode) -> String {
        language == .zh ? "\(code.rawValue) \(Notices.problem(code))" : code.rawValue
    }

    /// A UTC timestamp shown in Beijing time.
    private func time(_ iso: String) -> String {
        let beijing = ShanghaiTime.text(ofUTC: iso)
        return beijing == iso ? iso : beijing + words.beijingTime
    }

    /// What the page's script shows for verdicts and codes (the data itself keeps the codes).
    private func labelsJSON() -> String {
        var j = JSONBuffer()
        j.beginObject()
        j.key("verdicts"); j.beginObject()
        for v in Verdict.allCases { j.key(v.rawValue); j.string(language.name(of: v)) }
        j.endObject()
        j.key("codes"); j.beginObject()
        for c in FindingCode.allCases { j.key(c.rawValue); j.string(label(of: c)) }
        j.endObject()
        j.endObject()
        return String(decoding: j.bytes, as: UTF8.self).replacingAll("<", with: "\\u003c")
    }

    /// The notice a customer is sent for each code found: in Chinese whatever the page's language.
    private func noticeSection() -> String {
        let codes = FindingCode.allCases.filter { summary.sitesByCode[$0] != nil }
        guard !codes.isEmpty else { return "" }
        var s = "<section id=\"notices\"><h2>\(words.notices)</h2><table class=\"notices\"><thead><tr>"
        s += words.noticeColumns.map { "<th>\($0)</th>" }.joined() + "</tr></thead><tbody>"
        for c in codes {
            s += "<tr data-code=\"\(c.rawValue)\"><td>\(c.rawValue)</td><td>\(escape(Notices.problem(c)))</td><td>\(escape(Notices.text(for: c)))</td></tr>"
        }
        return s + "</tbody></table></section>"
    }

    private func verdictChart() -> String {
        let baseline = trend.last
        return barChart(Verdict.allCases.map { v in
            Bar(key: v.rawValue, label: language.name(of: v), note: nil, kind: "verdict", cssClass: v.rawValue, count: summary.verdicts[v] ?? 0,
                baseline: baseline.map { $0.verdicts[v] ?? 0 }, hint: nil)
        }, labelWidth: 190)
    }

    private func codeChart() -> String {
        let baseline = trend.last
        let codes = FindingCode.allCases.filter { summary.sitesByCode[$0] != nil || (baseline?.sitesByCode[$0] ?? 0) > 0 }
        guard !codes.isEmpty else { return "<p>\(words.noFindings)</p>" }
        let chinese = language == .zh
        return barChart(codes.map { c in
            Bar(key: c.rawValue, label: c.rawValue, note: chinese ? Notices.problem(c) : nil, kind: "code", cssClass: c.severity.rawValue,
                count: summary.sitesByCode[c] ?? 0, baseline: baseline.map { $0.sitesByCode[c] ?? 0 }, hint: Notices.problem(c))
        }, labelWidth: chinese ? 400 : 190)
    }

    private struct Bar {
        /// The verdict or code, for the `data-` attribute.
        var key: String
        var label: String
        /// A second, smaller line under the label (a code's problem name).
        var note: String?
        var kind: String
        var cssClass: String
        var count: Int
        var baseline: Int?
        var hint: String?
    }

    /// Horizontal bars; with a baseline, a thin bar under each for the baseline's count.
    private func barChart(_ bars: [Bar], labelWidth: Int) -> String {
        let rowHeight = bars.contains { $0.note != nil } ? 40 : 26, barWidth = 420, width = labelWidth + barWidth + 120
        let most = max(1, bars.map { max($0.count, $0.baseline ?? 0) }.max() ?? 1)
        var s = "<svg class=\"chart\" role=\"img\" width=\"\(width)\" height=\"\(bars.count * rowHeight)\" viewBox=\"0 0 \(width) \(bars.count * rowHeight)\">"
        for (i, bar) in bars.enumerated() {
            let y = i * rowHeight
            let w = bar.count * barWidth / most
            s += "<g data-\(bar.kind)=\"\(bar.key)\" data-count=\"\(bar.count)\">"
            s += "<title>\(escape(bar.label))\(bar.hint.map { " " + escape($0) } ?? ""): \(bar.count)</title>"
            s += "<text x=\"0\" y=\"\(y + 17)\">\(escape(bar.label))</text>"
            if let note = bar.note { s += "<text class=\"note\" x=\"0\" y=\"\(y + 33)\">\(escape(note))</text>" }
            s += "<rect class=\"\(bar.cssClass)\" x=\"\(labelWidth)\" y=\"\(y + 4)\" width=\"\(max(w, bar.count > 0 ? 2 : 0))\" height=\"14\"/>"
            if let base = bar.baseline {
                s += "<rect class=\"baseline\" x=\"\(labelWidth)\" y=\"\(y + 20)\" width=\"\(base * barWidth / most)\" height=\"3\"/>"
            }
            s += "<text class=\"count\" x=\"\(labelWidth + w + 6)\" y=\"\(y + 17)\">\(bar.count)\(bar.baseline.map { " <tspan class=\"change\">\(change($0, bar.count))</tspan>" } ?? "")</text></g>"
        }
        return s + "</svg>"
    }

    private func trendSection(_ baseline: TrendPoint) -> String {
        let w = words
        var s = "<section id=\"trend\"><h2>\(w.trend)</h2><p>\(w.trendNote("<code>\(escape(baseline.run))</code>", escape(time(baseline.finishedAt))))</p>"
        s += "<table class=\"trend\"><thead><tr>" + w.trendColumns.map { "<th>\($0)</th>" }.joined()
        s += Verdict.allCases.map { "<th>\(language.name(of: $0))</th>" }.joined() + "</tr></thead><tbody>"
        let points = trend + [TrendPoint(run: title, finishedAt: finishedAt, sites: summary.sites, verdicts: summary.verdicts, sitesByCode: summary.sitesByCode)]
        for (i, p) in points.enumerated() {
            s += "<tr\(i == points.count - 1 ? " class=\"current\"" : "")><td>\(escape(p.run))</td><td>\(escape(time(p.finishedAt)))</td><td>\(p.sites)</td>"
            for v in Verdict.allCases {
                let n = p.verdicts[v] ?? 0
                s += "<td>\(n)\(i > 0 ? " <span class=\"change\">\(change(points[i - 1].verdicts[v] ?? 0, n))</span>" : "")</td>"
            }
            s += "</tr>"
        }
        return s + "</tbody></table></section>\n"
    }

    private func change(_ before: Int, _ now: Int) -> String {
        let d = now - before
        return "(\(d > 0 ? "+" : d < 0 ? "−" : "±")\(abs(d)))"
    }

    /// The listed sites as a JSON array, one site per piece; `<` is escaped so no string can
    /// close the script element.
    private func writeSitesJSON(_ emit: ([UInt8]) -> Void) {
        var j = JSONBuffer()
        var piece: [UInt8] = []
        emit([UInt8(ascii: "[")])
        for (i, r) in sites.rows.enumerated() {
            j.reset()
            j.beginObject()
            j.key("domain"); j.string(r.domain)
            j.key("line"); j.number(r.line)
            j.key("verdict"); j.string(r.verdict.rawValue)
            j.key("codes"); j.strings(r.codes.map(\.rawValue))
            j.key("detail"); j.string(r.detail)
            j.endObject()
            piece.removeAll(keepingCapacity: true)
            if i > 0 { piece.append(UInt8(ascii: ",")) }
            for b in j.bytes {
                if b == UInt8(ascii: "<") { piece += Array("\\u003c".utf8) } else { piece.append(b) }
            }
            emit(piece)
        }
        emit([UInt8(ascii: "]")])
    }

    private func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }

    private static let style = """
    body{font:14px/1.45 "PingFang SC","Microsoft YaHei","Noto Sans CJK SC","Noto Sans SC","Source Han Sans SC","WenQuanYi Micro Hei",system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}
    h1{font-size:20px}h2{font-size:16px;margin-top:28px}.meta{color:#555}
    svg text{font:12px "PingFang SC","Microsoft YaHei","Noto Sans CJK SC","Noto Sans SC","Source Han Sans SC","WenQuanYi Micro Hei",system-ui,sans-serif;fill:#222}.count{fill:#444}
    svg text.note{font-size:11px;fill:#666}.notices td:first-child{white-space:nowrap}
    .pass{fill:#2e7d32}.fail,.error{fill:#c62828}.review,.warn{fill:#ef8f00}.unreachable{fill:#6d6d6d}.info{fill:#1565c0}
    .baseline{fill:#9e9e9e}.change{fill:#777;color:#777}
    .filters{display:flex;gap:8px;align-items:center;margin:8px 0}
    table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}
    th[data-key]{cursor:pointer;user-select:none}th[aria-sort=ascending]::after{content:" ▲"}th[aria-sort=descending]::after{content:" ▼"}
    td:nth-child(5){color:#555;word-break:break-all}td:nth-child(2),td:nth-child(3),th{white-space:nowrap}.trend td,.trend th{text-align:right}.trend td:first-child,.trend th:first-child{text-align:left}
    tr.current{font-weight:bold}
    """

    private static let script = """
    (function () {
      "use strict";
      var data = JSON.parse(document.getElementById("sites").textContent);
      var labels = JSON.parse(document.getElementById("labels").textContent);
      function codeNames(s) { return s.codes.map(function (c) { return labels.codes[c] || c; }).join("; "); }
      var q = document.getElementById("q"), verdict = document.getElementById("verdict"), code = document.getElementById("code");
      var body = document.getElementById("rows"), shown = document.getElementById("shown");
      var headers = Array.prototype.slice.call(document.querySelectorAll("th[data-key]"));
      var sortKey = "line", sortDir = 1;
      function value(site, key) { return key === "codes" ? site.codes.join(" ") : site[key]; }
      function readFragment() {
        var p = new URLSearchParams(location.hash.slice(1)), sort = p.get("sort") || "line";
        q.value = p.get("q") || ""; verdict.value = p.get("verdict") || ""; code.value = p.get("code") || "";
        sortDir = sort.charAt(0) === "-" ? -1 : 1; sortKey = sort.replace(/^-/, "");
        if (!headers.some(function (h) { return h.dataset.key === sortKey; })) { sortKey = "line"; }
      }
      function writeFragment() {
        var p = new URLSearchParams();
        if (q.value) { p.set("q", q.value); }
        if (verdict.value) { p.set("verdict", verdict.value); }
        if (code.value) { p.set("code", code.value); }
        if (sortKey !== "line" || sortDir < 0) { p.set("sort", (sortDir < 0 ? "-" : "") + sortKey); }
        history.replaceState(null, "", "#" + p.toString());
      }
      function render() {
        var needle = q.value.trim().toLowerCase();
        var rows = data.filter(function (s) {
          return (!verdict.value || s.verdict === verdict.value) &&
            (!code.value || s.codes.indexOf(code.value) >= 0) &&
            (!needle || (s.domain + " " + labels.verdicts[s.verdict] + " " + codeNames(s) + " " + s.detail).toLowerCase().indexOf(needle) >= 0);
        });
        rows.sort(function (a, b) {
          var x = value(a, sortKey), y = value(b, sortKey);
          return (x < y ? -1 : x > y ? 1 : a.line - b.line) * sortDir;
        });
        var fragment = document.createDocumentFragment();
        rows.forEach(function (s) {
          var tr = document.createElement("tr");
          tr.dataset.verdict = s.verdict;
          [s.domain, String(s.line), labels.verdicts[s.verdict], codeNames(s), s.detail].forEach(function (text) {
            var td = document.createElement("td");
            td.textContent = text;
            tr.appendChild(td);
          });
          fragment.appendChild(tr);
        });
        body.replaceChildren(fragment);
        shown.textContent = String(rows.length);
        headers.forEach(function (h) {
          if (h.dataset.key === sortKey) { h.setAttribute("aria-sort", sortDir > 0 ? "ascending" : "descending"); }
          else { h.removeAttribute("aria-sort"); }
        });
      }
      function update() { writeFragment(); render(); }
      headers.forEach(function (h) {
        function sortBy() {
          sortDir = h.dataset.key === sortKey ? -sortDir : 1;
          sortKey = h.dataset.key;
          update();
        }
        h.addEventListener("click", sortBy);
        h.addEventListener("keydown", function (e) { if (e.key === "Enter") { sortBy(); } });
      });
      q.addEventListener("input", update);
      verdict.addEventListener("change", update);
      code.addEventListener("change", update);
      window.addEventListener("hashchange", function () { readFragment(); render(); });
      readFragment();
      render();
    })();
    """
}
