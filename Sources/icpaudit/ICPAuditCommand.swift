import ArgumentParser
import Foundation
import ICPAudit
import ICPFetch
import ICPInventory
import ICPModel
import ICPNumbers
import ICPReport
import ICPResolve
import ICPRules
import ICPScan

@main
struct ICPAuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "icpaudit",
        abstract: "Audit a hosting provider's filed websites for China's ICP filing rules.",
        discussion: "Exit codes: 0 the run finished (whatever it found), 2 bad usage or unreadable input, 1 an internal failure.",
        subcommands: [Scan.self, JudgeCommand.self, Merge.self, Diff.self, Page.self, NoticesCommand.self])

    /// As ArgumentParser's, but bad usage exits 2 (SPEC) instead of 64.
    static func main() async {
        // A file-size limit (RLIMIT_FSIZE) then fails the write with EFBIG, which the run
        // reports, instead of killing the process mid-record.
        signal(SIGXFSZ, SIG_IGN)
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

/// Says what went wrong and gives the exit code SPEC gives it: 2 for bad usage or unreadable
/// input (the message names the file, line and field), 1 for a failure of icpaudit itself.
func failure(_ message: String, code: Int32 = 2) -> ExitCode {
    FileHandle.standardError.write(Data("icpaudit: \(message)\n".utf8))
    return ExitCode(code)
}

/// The exit code of an error out of the library: input errors are the user's (2), the rest ours (1).
func failure(_ error: any Error) -> ExitCode {
    switch error {
    case let e as InventoryError: return failure(e.description)
    case let e as OutputError: return failure(e.description)
    case let e as RenderUnavailable: return failure(e.description)
    case let e as CrawlerFailure: return failure("stopped: \(e.description); the run can be continued with --resume", code: 1)
    case let e as WriteFailure: return failure("stopped: \(e.description); what was written is kept: free the space, then continue with --resume", code: 1)
    case let e as TemporaryFileFailure: return failure("stopped: \(e.description)", code: 1)
    default: return failure("\(error)", code: 1)
    }
}

struct Scan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Audit every site of an inventory and write a run directory.")

    @Argument(help: "Inventory: CSV, TSV or JSON Lines with domain, icp[, service_name, ips, psb, hosts].")
    var inventory: String

    @Option(help: "Provider address ranges: CIDR blocks, one a line, # comments.")
    var ranges: String?

    @Option(help: "Run directory (default runs/<UTC timestamp>/).")
    var out: String?

    @Option(help: "Sites audited at once.")
    var concurrency = 200

    @Option(name: .customLong("per-ip"), help: "Fetches in flight to one server address at most, so a shared host is never flooded.")
    var perIP = 8

    @Option(name: .customLong("dns-concurrency"), help: "DNS lookups in flight at most; more wait in icpaudit's queue (not counted against --timeout).")
    var dnsConcurrency = 100

    @Option(name: .customLong("dns-server"), help: "DNS server HOST[:PORT]; repeat for several (default: the system's).")
    var dnsServers: [String] = []

    @Option(name: .customLong("http-port"), help: "Port to connect to for http:// URLs (a local farm).")
    var httpPort = 80

    @Option(name: .customLong("https-port"), help: "Port to connect to for https:// URLs (a local farm).")
    var httpsPort = 443

    @Option(name: .customLong("ca-bundle"), help: "CA certificates to verify TLS with.")
    var caBundle: String?

    @Option(help: "Seconds each host may take, DNS, redirects and body together.")
    var timeout = 15.0

    @Option(help: "Continue an interrupted run directory: rows already written are kept, the rest audited.")
    var resume: String?

    @Option(help: "An earlier run directory: report.html shows the trend against it (and the runs before it). A resumed run keeps its own.")
    var baseline: String?

    @Flag(name: .customLong("allow-private"), help: "Fetch sites that resolve to loopback, private or other non-public addresses, all of them (--allow-private-range: only some).")
    var allowPrivate = false

    @Option(name: .customLong("allow-private-range"),
            help: ArgumentHelp("Fetch non-public addresses only inside this CIDR block; repeat for several (a provider's own internal network). Every other loopback, private, link-local or metadata address (169.254.169.254) stays refused, for the sites and for every request their drawn pages make.", valueName: "CIDR"))
    var allowPrivateRanges: [String] = []

    @Flag(name: .customLong("cloak-check"), help: "Also request each host's home page as Baiduspider and compare it with the person's (CONTENT_CLOAKED).")
    var cloakCheck = false

    @Option(help: "Audit the mobile view: auto (where the site signals one: a phone gets another answer, Vary: User-Agent, a mobile-agent meta, …), always, never.")
    var mobile = MobileMode.auto

    @Option(help: "Draw pages in headless Chromium: auto (only pages static reading cannot judge: script shells, numbers only scripts write, device-dependent redirects, no ICP number on a page that runs scripts), always, never.")
    var render = RenderMode.auto

    @Option(help: "The Chromium to render with (default: chromium-headless-shell when installed, else chromium).")
    var browser = AuditOptions().browser

    @Option(name: .customLong("render-concurrency"), help: "Pages drawn at once (default: two per core, 2 to 8; each adds about 25 MB to the browser).")
    var renderConcurrency = AuditOptions.defaultRenderConcurrency

    @Option(name: .customLong("render-timeout"), help: "Seconds each drawn page may take, its own budget beside --timeout (from when it gets a tab to the moment of judgement).")
    var renderTimeout = 15.0

    @Option(help: ArgumentHelp("Audit only shard K of N (K from 0): the rows whose domain hashes to K (docs/operations.md, \"Shards\"); --per-ip is divided among the N shards. auto/N takes K from JOB_COMPLETION_INDEX (a Kubernetes Indexed Job).", valueName: "K/N"))
    var shard: String?

    @Option(name: .customLong("own-cdn"),
            help: ArgumentHelp("A CDN of the catalogue that is the provider's own service: a host behind it gets no IP_NOT_PROVIDER or IP_NOT_FILED; repeat for several. Another CDN's hosts get IP_VIA_CDN instead.", valueName: "NAME"))
    var ownCDNs: [String] = []

    @Option(name: .customLong("cdn-catalogue"),
            help: ArgumentHelp("A CDN catalogue replacing the built-in one: name<TAB>label|suffix|range<TAB>value lines, # comments (README, \"CDN\").", valueName: "FILE"))
    var cdnCatalogue: String?

    @Option(help: metricsHelp) var metrics: String?

    @Option(help: langHelp) var lang = ReportLanguage.zh

    @Option(name: .customLong("risk-words"), help: riskWordsHelp) var riskWords: String?

    func validate() throws {
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
        guard perIP >= 1 else { throw ValidationError("--per-ip must be at least 1") }
        guard dnsConcurrency >= 1 else { throw ValidationError("--dns-concurrency must be at least 1") }
        guard renderConcurrency >= 1 else { throw ValidationError("--render-concurrency must be at least 1") }
        guard renderTimeout > 0 else { throw ValidationError("--render-timeout must be positive") }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
        guard (1...65535).contains(httpPort), (1...65535).contains(httpsPort) else { throw ValidationError("ports are 1 to 65535") }
        if resume != nil && out != nil { throw ValidationError("--resume continues its own directory; leave out --out") }
        if let problem = Resolver.problem(withServers: dnsServers) { throw ValidationError("--dns-server: \(problem)") }
        if let bad = allowPrivateRanges.first(where: { CIDR($0) == nil }) { throw ValidationError("--allow-private-range: not a CIDR block: '\(bad)'") }
        if allowPrivate && !allowPrivateRanges.isEmpty { throw ValidationError("--allow-private allows every non-public address; leave out --allow-private-range") }
    }

    func run() async throws {
        var config = ScanConfiguration(inventoryPath: inventory)
        config.outDirectory = out
        config.resumeDirectory = resume
        config.concurrency = concurrency
        config.options.perIP = perIP
        config.options.dnsConcurrency = dnsConcurrency
        config.options.dnsServers = dnsServers
        config.options.ports = PortMap(http: httpPort, https: httpsPort)
        config.options.caBundle = caBundle
        config.options.timeoutSeconds = timeout
        config.options.allowPrivate = allowPrivate
        config.options.allowedPrivateRanges = CIDRSet(blocks: allowPrivateRanges.compactMap { CIDR($0) })
        config.options.mobile = mobile
        config.options.cloakCheck = cloakCheck
        config.options.render = render
        config.options.browser = browser
        config.options.renderConcurrency = renderConcurrency
        config.options.renderTimeoutSeconds = renderTimeout
        if let ranges {
            guard let text = try? String(contentsOfFile: ranges, encoding: .utf8) else { throw failure("\(ranges): cannot read") }
            do { config.options.ranges = try ProviderRanges.parse(text, file: ranges) } catch { throw failure(error.description) }
        }
        config.options.cdn = try cdnPolicy()
        config.options.riskWords = try loadRiskWords(riskWords)
        config.baselineDirectory = baseline
        if let shard {
            let parsed: Shard
            do { parsed = try Shard.parse(shard, environment: ProcessInfo.processInfo.environment) } catch { throw failure(error.description) }
            if parsed.count > perIP {
                FileHandle.standardError.write(Data("icpaudit: note: \(parsed.count) shards share --per-ip \(perIP) with at least one connection each: a server shared by rows of every shard may see up to \(parsed.count) at once\n".utf8))
            }
            config.shard = parsed
        }
        config.metricsPath = metrics
        config.reportLanguage = lang
        if let ca = caBundle, !FileManager.default.isReadableFile(atPath: ca) { throw failure("\(ca): cannot read the CA bundle") }
        let outcome: ScanOutcome
        do { outcome = try await ScanRun.run(config) } catch { throw failure(error) }
        printOutcome(outcome)
    }
}

extension Scan {
    /// `--cdn-catalogue` (or the built-in catalogue) with `--own-cdn`: a bad file or a name the
    /// catalogue lacks is bad usage.
    func cdnPolicy() throws -> CDNPolicy {
        var catalogue = CDNCatalogue.builtIn
        if let path = cdnCatalogue {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw failure("\(path): cannot read the CDN catalogue") }
            do { catalogue = try CDNCatalogue.parse(text, file: path) } catch { throw failure(error.description) }
        }
        do {
            return try CDNPolicy(catalogue: catalogue, own: ownCDNs)
        } catch {
            throw failure("--own-cdn \(error.name): not a CDN of \(cdnCatalogue ?? "the built-in catalogue"); it knows: \(error.known.joined(separator: ", "))")
        }
    }
}

func printOutcome(_ outcome: ScanOutcome) {
    let verdicts = Verdict.allCases.map { "\($0.rawValue) \(outcome.verdicts[$0] ?? 0)" }.joined(separator: ", ")
    print("\(outcome.sites) sites in \(String(format: "%.1f", outcome.wallSeconds))s: \(verdicts); \(outcome.badRows) bad rows skipped")
    print("wrote \(outcome.directory)/findings.jsonl, observations.jsonl, findings.csv, findings.xlsx, summary.json, report.html, metrics.prom")
}

extension ReportLanguage: ExpressibleByArgument {}

let langHelp = ArgumentHelp("The language of the findings' details (findings.jsonl, findings.csv, findings.xlsx) and of report.html: zh (Chinese) or en (English); notices are Chinese in both.")

let metricsHelp = ArgumentHelp("Also write metrics.prom to this file, atomically (e.g. into node_exporter's --collector.textfile.directory).",
                               valueName: "file")

struct JudgeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "judge",
        abstract: "Judge a run's saved observations again, with no network: after an inventory fix or a rule change.",
        discussion: "Reads RUN/observations.jsonl and writes findings.jsonl, findings.csv, findings.xlsx, summary.json, report.html and metrics.prom as a scan would. With --inventory, each observed domain is judged against its row there (rows moved to other lines are followed). Without --out, RUN's own findings are replaced.")

    @Argument(help: "A run directory.") var runDirectory: String
    @Option(help: "The inventory to judge against (default: the run's own, from run.json).") var inventory: String?
    @Option(help: "Write the judged run here instead of replacing RUN's findings.") var out: String?
    @Option(help: metricsHelp) var metrics: String?
    @Option(help: langHelp) var lang = ReportLanguage.zh

    func run() throws {
        var config = JudgeConfiguration(runDirectory: runDirectory)
        config.inventoryPath = inventory
        config.outDirectory = out
        config.metricsPath = metrics
        config.reportLanguage = lang
        config.showProgress = isatty(STDERR_FILENO) == 1
        do { printOutcome(try JudgeRun.run(config)) } catch { throw failure(error) }
    }
}

struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make one run directory of the shards of a run (scan --shard K/N).",
        discussion: "Refuses run directories of different inventories, provider ranges or splits, a shard given twice, and missing or unfinished shards (continue one with scan --resume) unless --allow-partial. The merged run has every file a scan writes; run.json names the shards.")

    @Argument(help: "The shards' run directories, in any order.") var runs: [String]
    @Option(help: "The merged run directory.") var out: String
    @Option(help: "The inventory the shards ran on (default: theirs, from run.json).") var inventory: String?
    @Option(help: "An earlier run report.html shows the trend against (default: the shards' own).") var baseline: String?
    @Flag(name: .customLong("allow-partial"), help: "Merge the shards given even when some are missing or unfinished, and list those.")
    var allowPartial = false
    @Option(help: langHelp) var lang = ReportLanguage.zh

    func validate() throws {
        guard !runs.isEmpty else { throw ValidationError("merge needs the shards' run directories") }
        let outPath = URL(fileURLWithPath: out).standardizedFileURL.path
        if runs.contains(where: { URL(fileURLWithPath: $0).standardizedFileURL.path == outPath }) {
            throw ValidationError("--out must not be one of the shards")
        }
    }

    func run() throws {
        var config = MergeConfiguration(runDirectories: runs, outDirectory: out)
        config.inventoryPath = inventory
        config.baselineDirectory = baseline
        config.allowPartial = allowPartial
        config.reportLanguage = lang
        config.showProgress = isatty(STDERR_FILENO) == 1
        let outcome: MergeOutcome
        do { outcome = try MergeRun.run(config) } catch { throw failure(error) }
        printOutcome(outcome.run)
        if !outcome.missing.isEmpty { print("missing shards: \(outcome.missing.map(\.description).joined(separator: ", "))") }
        if !outcome.unfinished.isEmpty { print("unfinished shards (rows written so far merged): \(outcome.unfinished.map(\.description).joined(separator: ", "))") }
    }
}

struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare run directories: new, resolved and still-failing findings, and flapping codes.",
        discussion: "Compares the last two runs given; with more than two, codes that went on and off again across them are listed as flapping. Writes diff.json and diff.csv into the newest run directory.")

    @Argument(help: "Run directories, oldest first (at least two).") var runs: [String]
    @Option(help: "Also write the text to this file.") var out: String?

    func validate() throws {
        guard runs.count >= 2 else { throw ValidationError("diff needs at least two run directories") }
    }

    func run() throws {
        let diff: RunDiff
        do { diff = try RunDiff.compare(runs: runs) } catch { throw failure(error) }
        print(diff.text, terminator: "")
        let newest = runs[runs.count - 1]
        do {
            try Data(diff.json).write(to: URL(fileURLWithPath: newest).appendingPathComponent("diff.json"))
            try Data(diff.csv).write(to: URL(fileURLWithPath: newest).appendingPathComponent("diff.csv"))
            if let out { try Data(diff.text.utf8).write(to: URL(fileURLWithPath: out)) }
        } catch {
            throw failure("cannot write the diff: \(error.localizedDescription)", code: 1)
        }
    }
}

struct NoticesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notices",
        abstract: "Write the rectification notice for each domain of a run that did not pass, one text file each.")

    @Argument(help: "A run directory.") var runDirectory: String
    @Option(help: "Where to write <domain>.txt files.") var out: String

    func run() throws {
        do { try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true) } catch { throw failure("\(out): \(error.localizedDescription)") }
        var written = 0
        do {
            try JSONLinesFile.read(runDirectory + "/findings.jsonl", decode: RecordCodec.decodeRecord) { record, _ in
                guard record.verdict != .pass, !record.findings.isEmpty else { return }
                let file = URL(fileURLWithPath: out).appendingPathComponent(record.domain + ".txt")
                do { try Data(Notices.letter(for: record).utf8).write(to: file) } catch { throw OutputError(description: "\(file.path): \(error.localizedDescription)") }
                written += 1
            }
        } catch { throw failure(error) }
        print("wrote \(written) notices to \(out)")
    }
}

struct Page: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Audit one saved page.")

    @Argument(help: "A saved HTML page.") var file: String
    @Option(help: "The filed ICP number, e.g. 京ICP备12345678号-1.") var icp: String?
    @Option(name: .customLong("service-name"), help: "The filed service name (网站名称).") var serviceName: String?
    @Option(help: "The filed 公安备案号.") var psb: String?
    @Option(name: .customLong("content-type"), help: "The Content-Type the page was served with.") var contentType: String?
    @Option(help: "The language of the findings' details: zh (Chinese) or en (English).") var lang = ReportLanguage.zh
    @Option(help: "The host the page was served from: its links to other registrable domains are off-site.") var host = "page.invalid"
    @Option(name: .customLong("risk-words"), help: riskWordsHelp) var riskWords: String?

    func run() throws {
        let words = try loadRiskWords(riskWords)
        guard let page = PageReader.read(file: file, contentType: contentType, riskWords: words) else { throw failure("\(file): cannot read") }
        print("title: \(page.title)")
        print("charset: \(page.charset?.name ?? "-") (\(page.charset?.source.rawValue ?? "-"))")
        for n in page.numbers {
            print("\(n.kind.rawValue): \(n.canonical)  \(PageRules.placement(of: n, in: page))  \(n.href.map { "-> \($0)" } ?? "(no link)")")
        }
        for n in page.scriptNumbers { print("in <script> only: \(n.canonical)") }
        for h in page.riskWords { print("risk word: \(h.word) (\(h.category), weight \(h.weight)) in \(h.place.rawValue) ×\(h.count)") }
        for l in page.hiddenLinks { print("hidden link: \(l.href) [\(l.how)] \(l.text)\(l.riskWord.map { " (risk word \($0))" } ?? "")") }
        if page.hiddenLinksDropped > 0 { print("hidden links not kept: \(page.hiddenLinksDropped)") }
        for f in ContentRules.evaluate(page, pageHost: host, host: host) { print("\(f.code.rawValue) [\(f.severity.rawValue)] \(f.detail)") }
        guard let icp else { return }
        guard let number = RecordNumber.parse(icp) else { throw failure("--icp: not an ICP record number: '\(icp)'") }
        let filed = FiledSite(icp: number, psbCode: psb.map(RecordNumber.psbCode) ?? "", serviceName: serviceName ?? "")
        let findings = PageRules.evaluate(page, against: filed, host: file)
        if findings.isEmpty { print("no findings") }
        for f in findings { print("\(f.code.rawValue) [\(f.severity.rawValue)] \(f.detail(in: lang))") }
    }
}

let riskWordsHelp = ArgumentHelp("A risk-word list (word⇥category⇥weight a line, README) in place of the bundled one.", valueName: "FILE")

/// The bundled risk-word list, or FILE's; a file that cannot be read or parsed is a usage error.
func loadRiskWords(_ path: String?) throws -> RiskWords {
    guard let path else { return .standard }
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw failure("\(path): cannot read") }
    do { return try RiskWords(tsv: text, file: path) } catch { throw failure(error.description) }
}

extension MobileMode: ExpressibleByArgument {}
extension RenderMode: ExpressibleByArgument {}
