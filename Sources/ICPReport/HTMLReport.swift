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

    public init() {}

    public mutating func add(_ r: SiteRecord) {
        guard r.verdict != .pass else { return }
        total += 1
        guard rows.count < Self.limit else { return }
        var codes: [FindingCode] = []
        for f in r.findings where !codes.contains(f.code) { codes.append(f.code) }
        rows.append(Row(domain: r.domain, line: r.line, verdict: r.verdict, codes: codes,
                        detail: String(r.findings.first.map { $0.detail.contains($0.host) ? $0.detail : "\($0.host): \($0.detail)" }?
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

    public init(title: String, summary: RunSummary, sites: ReportSites, trend: [TrendPoint], finishedAt: String, inventory: String) {
        self.title = title
        self.summary = summary
        self.sites = sites
        self.trend = trend
        self.finishedAt = finishedAt
        self.inventory = inventory
    }

    /// Writes the page in pieces, the table's data one site at a time, so a large run's report
    /// is never held whole in memory.
    public func write(_ emit: ([UInt8]) -> Void) {
        var h = """
        <!DOCTYPE html>
        <html lang="zh-CN"><head><meta charset="utf-8">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>icpaudit \(escape(title))</title>
        <style>\(Self.style)</style></head><body>
        <h1>icpaudit run \(escape(title))</h1>
        <p class="meta">Inventory <code>\(escape(inventory))</code> · finished \(escape(finishedAt)) ·
        <span id="sites-count">\(summary.sites)</span> sites · \(summary.badRows) bad rows skipped</p>
        <section><h2>Sites per verdict</h2>\(verdictChart())</section>
        <section><h2>Sites per finding code</h2>\(codeChart())</section>

        """
        if let baseline = trend.last { h += trendSection(baseline) }
        h += """
        <section><h2>Sites that did not pass</h2>
        <div class="filters">
        <input id="q" type="search" placeholder="Filter: domain, code or detail" aria-label="Filter">
        <select id="verdict" aria-label="Verdict"><option value="">every verdict</option>\(Verdict.allCases.filter { $0 != .pass }.map { "<option>\($0.rawValue)</option>" }.joined())</select>
        <select id="code" aria-label="Code"><option value="">every code</option>\(FindingCode.allCases.filter { summary.sitesByCode[$0] != nil }.map { "<option>\($0.rawValue)</option>" }.joined())</select>
        <span>showing <b id="shown">0</b> of <b id="listed">\(sites.rows.count)</b>\(sites.total > sites.rows.count ? " (the first \(sites.rows.count) of \(sites.total); findings.csv has every site)" : "")</span>
        </div>
        <table><thead><tr>\(Self.columns.map { "<th data-key=\"\($0.key)\" tabindex=\"0\">\($0.label)</th>" }.joined())</tr></thead>
        <tbody id="rows"></tbody></table></section>
        <script id="sites" type="application/json">
        """
        emit(Array(h.utf8))
        writeSitesJSON(emit)
        emit(Array("</script>\n<script>\(Self.script)</script>\n</body></html>\n".utf8))
    }

    private static let columns = [("domain", "Domain"), ("line", "Line"), ("verdict", "Verdict"), ("codes", "Codes"), ("detail", "First finding")]
        .map { (key: $0.0, label: $0.1) }

    private func verdictChart() -> String {
        let baseline = trend.last
        return barChart(Verdict.allCases.map { v in
            Bar(label: v.rawValue, kind: "verdict", cssClass: v.rawValue, count: summary.verdicts[v] ?? 0,
                baseline: baseline.map { $0.verdicts[v] ?? 0 }, hint: nil)
        })
    }

    private func codeChart() -> String {
        let baseline = trend.last
        let codes = FindingCode.allCases.filter { summary.sitesByCode[$0] != nil || (baseline?.sitesByCode[$0] ?? 0) > 0 }
        guard !codes.isEmpty else { return "<p>No findings.</p>" }
        return barChart(codes.map { c in
            Bar(label: c.rawValue, kind: "code", cssClass: c.severity.rawValue, count: summary.sitesByCode[c] ?? 0,
                baseline: baseline.map { $0.sitesByCode[c] ?? 0 }, hint: Notices.texts[c]?.problem)
        })
    }

    private struct Bar {
        var label: String
        var kind: String
        var cssClass: String
        var count: Int
        var baseline: Int?
        var hint: String?
    }

    /// Horizontal bars; with a baseline, a thin bar under each for the baseline's count.
    private func barChart(_ bars: [Bar]) -> String {
        let rowHeight = 26, labelWidth = 190, barWidth = 420, width = labelWidth + barWidth + 120
        let most = max(1, bars.map { max($0.count, $0.baseline ?? 0) }.max() ?? 1)
        var s = "<svg class=\"chart\" role=\"img\" width=\"\(width)\" height=\"\(bars.count * rowHeight)\" viewBox=\"0 0 \(width) \(bars.count * rowHeight)\">"
        for (i, bar) in bars.enumerated() {
            let y = i * rowHeight
            let w = bar.count * barWidth / most
            s += "<g data-\(bar.kind)=\"\(bar.label)\" data-count=\"\(bar.count)\">"
            s += "<title>\(escape(bar.label))\(bar.hint.map { " " + escape($0) } ?? ""): \(bar.count)</title>"
            s += "<text x=\"0\" y=\"\(y + 17)\">\(escape(bar.label))</text>"
            s += "<rect class=\"\(bar.cssClass)\" x=\"\(labelWidth)\" y=\"\(y + 4)\" width=\"\(max(w, bar.count > 0 ? 2 : 0))\" height=\"14\"/>"
            if let base = bar.baseline {
                s += "<rect class=\"baseline\" x=\"\(labelWidth)\" y=\"\(y + 20)\" width=\"\(base * barWidth / most)\" height=\"3\"/>"
            }
            s += "<text class=\"count\" x=\"\(labelWidth + w + 6)\" y=\"\(y + 17)\">\(bar.count)\(bar.baseline.map { " <tspan class=\"change\">\(change($0, bar.count))</tspan>" } ?? "")</text></g>"
        }
        return s + "</svg>"
    }

    private func trendSection(_ baseline: TrendPoint) -> String {
        var s = "<section id=\"trend\"><h2>Trend</h2><p>Against the baseline <code>\(escape(baseline.run))</code> (finished \(escape(baseline.finishedAt))); in the charts, the thin grey bar under each bar is the baseline's count.</p>"
        s += "<table class=\"trend\"><thead><tr><th>Run</th><th>Finished</th><th>Sites</th>"
        s += Verdict.allCases.map { "<th>\($0.rawValue)</th>" }.joined() + "</tr></thead><tbody>"
        let points = trend + [TrendPoint(run: title, finishedAt: finishedAt, sites: summary.sites, verdicts: summary.verdicts, sitesByCode: summary.sitesByCode)]
        for (i, p) in points.enumerated() {
            s += "<tr\(i == points.count - 1 ? " class=\"current\"" : "")><td>\(escape(p.run))</td><td>\(escape(p.finishedAt))</td><td>\(p.sites)</td>"
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
    body{font:14px/1.45 system-ui,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;margin:24px;color:#222;max-width:1200px}
    h1{font-size:20px}h2{font-size:16px;margin-top:28px}.meta{color:#555}
    svg text{font:12px system-ui,sans-serif;fill:#222}.count{fill:#444}
    .pass{fill:#2e7d32}.fail,.error{fill:#c62828}.review,.warn{fill:#ef8f00}.unreachable{fill:#6d6d6d}.info{fill:#1565c0}
    .baseline{fill:#9e9e9e}.change{fill:#777;color:#777}
    .filters{display:flex;gap:8px;align-items:center;margin:8px 0}
    table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}
    th[data-key]{cursor:pointer;user-select:none}th[aria-sort=ascending]::after{content:" ▲"}th[aria-sort=descending]::after{content:" ▼"}
    td:nth-child(5){color:#555;word-break:break-all}.trend td,.trend th{text-align:right}.trend td:first-child,.trend th:first-child{text-align:left}
    tr.current{font-weight:bold}
    """

    private static let script = """
    (function () {
      "use strict";
      var data = JSON.parse(document.getElementById("sites").textContent);
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
            (!needle || (s.domain + " " + s.codes.join(" ") + " " + s.detail).toLowerCase().indexOf(needle) >= 0);
        });
        rows.sort(function (a, b) {
          var x = value(a, sortKey), y = value(b, sortKey);
          return (x < y ? -1 : x > y ? 1 : a.line - b.line) * sortDir;
        });
        var fragment = document.createDocumentFragment();
        rows.forEach(function (s) {
          var tr = document.createElement("tr");
          tr.dataset.verdict = s.verdict;
          [s.domain, String(s.line), s.verdict, s.codes.join(" "), s.detail].forEach(function (text) {
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
