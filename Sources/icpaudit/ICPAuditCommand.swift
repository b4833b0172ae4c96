import ArgumentParser
import Foundation
import ICPAudit
import ICPInventory
import ICPModel
import ICPReport

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

/// Each option's default is the engine's own (`AuditOptions`, `ScanConfiguration`), so the help
/// text and a run without the option agree.
private let defaults = AuditOptions()

/// How sites are reached: DNS, ports, TLS, which addresses may be fetched, and how hard.
struct ReachOptions: ParsableArguments {
    @Option(name: .customLong("dns-server"), help: "DNS server HOST[:PORT]; repeat for several (default: the system's).")
    var dnsServers: [String] = []

    @Option(name: .customLong("dns-concurrency"), help: "DNS lookups in flight at most; more wait in icpaudit's queue (not counted against --timeout).")
    var dnsConcurrency = defaults.dnsConcurrency

    @Option(name: .customLong("per-ip"), help: "Fetches in flight to one server address at most, so a shared host is never flooded.")
    var perIP = defaults.perIP

    @Option(help: "Seconds each host may take, DNS, redirects and body together.")
    var timeout = defaults.timeoutSeconds

    @Option(name: .customLong("http-port"), help: "Port to connect to for http:// URLs (a local farm).")
    var httpPort = defaults.httpPort

    @Option(name: .customLong("https-port"), help: "Port to connect to for https:// URLs (a local farm).")
    var httpsPort = defaults.httpsPort

    @Option(name: .customLong("ca-bundle"), help: "CA certificates to verify TLS with.")
    var caBundle: String?

    @Flag(name: .customLong("allow-private"), help: "Fetch sites that resolve to loopback, private or other non-public addresses, all of them (--allow-private-range: only some).")
    var allowPrivate = false

    @Option(name: .customLong("allow-private-range"),
            help: ArgumentHelp("Fetch non-public addresses only inside this CIDR block; repeat for several (a provider's own internal network). Every other loopback, private, link-local or metadata address (169.254.169.254) stays refused, for the sites and for every request their drawn pages make.", valueName: "CIDR"))
    var allowPrivateRanges: [CIDR] = []

    func validate() throws {
        guard perIP >= 1 else { throw ValidationError("--per-ip must be at least 1") }
        guard dnsConcurrency >= 1 else { throw ValidationError("--dns-concurrency must be at least 1") }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
        guard (1...65535).contains(httpPort), (1...65535).contains(httpsPort) else { throw ValidationError("ports are 1 to 65535") }
        if let problem = AuditOptions.problem(withDNSServers: dnsServers) { throw ValidationError("--dns-server: \(problem)") }
        if allowPrivate && !allowPrivateRanges.isEmpty { throw ValidationError("--allow-private allows every non-public address; leave out --allow-private-range") }
        if let ca = caBundle, !FileManager.default.isReadableFile(atPath: ca) { throw ValidationError("\(ca): cannot read the CA bundle") }
    }

    func apply(to options: inout AuditOptions) {
        options.dnsServers = dnsServers
        options.dnsConcurrency = dnsConcurrency
        options.perIP = perIP
        options.timeoutSeconds = timeout
        options.httpPort = httpPort
        options.httpsPort = httpsPort
        options.caBundle = caBundle
        options.allowPrivate = allowPrivate
        options.allowedPrivateRanges = CIDRSet(blocks: allowPrivateRanges)
    }
}

/// What is looked at on each host: the phone's view, drawn pages, Baiduspider's view.
struct ViewOptions: ParsableArguments {
    @Option(help: "Audit the mobile view: auto (where the site signals one: a phone gets another answer, Vary: User-Agent, a mobile-agent meta, …), always, never.")
    var mobile = defaults.mobile

    @Option(help: "Draw pages in headless Chromium: auto (only pages static reading cannot judge: script shells, numbers only scripts write, device-dependent redirects, no ICP number on a page that runs scripts), always, never.")
    var render = defaults.render

    @Option(help: "The Chromium to render with (chromium-headless-shell when installed, else chromium).")
    var browser = defaults.browser

    @Option(name: .customLong("render-concurrency"), help: "Pages drawn at once (two per core, 2 to 8; each adds about 25 MB to the browser).")
    var renderConcurrency = defaults.renderConcurrency

    @Option(name: .customLong("render-timeout"), help: "Seconds each drawn page may take, its own budget beside --timeout (from when it gets a tab to the moment of judgement).")
    var renderTimeout = defaults.renderTimeoutSeconds

    @Flag(name: .customLong("cloak-check"), help: "Also request each host's home page as Baiduspider and compare it with the person's (CONTENT_CLOAKED).")
    var cloakCheck = false

    func validate() throws {
        guard renderConcurrency >= 1 else { throw ValidationError("--render-concurrency must be at least 1") }
        guard renderTimeout > 0 else { throw ValidationError("--render-timeout must be positive") }
    }

    func apply(to options: inout AuditOptions) {
        options.mobile = mobile
        options.render = render
        options.browser = browser
        options.renderConcurrency = renderConcurrency
        options.renderTimeoutSeconds = renderTimeout
        options.cloakCheck = cloakCheck
    }
}

/// How observations are judged beside the inventory: the provider's ranges and CDNs.
struct JudgingOptions: ParsableArguments {
    @Option(help: "Provider address ranges: CIDR blocks, one a line, # comments.")
    var ranges: String?

    @Option(name: .customLong("own-cdn"),
            help: ArgumentHelp("A CDN of the catalogue that is the provider's own service: a host behind it gets no IP_NOT_PROVIDER or IP_NOT_FILED; repeat for several. Another CDN's hosts get IP_VIA_CDN instead.", valueName: "NAME"))
    var ownCDNs: [String] = []

    @Option(name: .customLong("cdn-catalogue"),
            help: ArgumentHelp("A CDN catalogue replacing the built-in one: name<TAB>label|suffix|range<TAB>value lines, # comments (docs/rules.md, \"CDN\").", valueName: "FILE"))
    var cdnCatalogue: String?

    func apply(to config: inout ScanConfiguration) throws {
        config.ranges = try ranges.map(RunInputs.ranges)
        config.cdn = try RunInputs.cdnPolicy(catalogue: cdnCatalogue, own: ownCDNs)
    }
}

/// `--risk-words`, for `scan` and `page`.
struct RiskWordsOption: ParsableArguments {
    @Option(name: .customLong("risk-words"),
            help: ArgumentHelp("A risk-word list (word⇥category⇥weight a line, docs/rules.md) in place of the bundled one.", valueName: "FILE"))
    var path: String?
}

/// `--lang`, for every command that writes findings' details.
struct LanguageOption: ParsableArguments {
    @Option(help: "The language of the findings' details (findings.jsonl, findings.csv, findings.xlsx, the page command's output) and of report.html: zh (Chinese) or en (English); notices are Chinese in both.")
    var lang = ReportLanguage.zh
}

struct Scan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Audit every site of an inventory and write a run directory.")

    @Argument(help: "Inventory: CSV, TSV or JSON Lines with domain, icp[, service_name, ips, psb, hosts].")
    var inventory: String

    @Option(help: "Run directory (default runs/<UTC timestamp>/).")
    var out: String?

    @Option(help: "Continue an interrupted run directory: rows already written are kept, the rest audited.")
    var resume: String?

    @Option(help: "An earlier run directory: report.html shows the trend against it (and the runs before it). A resumed run keeps its own.")
    var baseline: String?

    @Option(help: "Sites audited at once.")
    var concurrency = ScanConfiguration.defaultConcurrency

    @Option(help: ArgumentHelp("Audit only shard K of N (K from 0): the rows whose domain hashes to K (docs/operations.md, \"Shards\"); --per-ip is divided among the N shards. auto/N takes K from JOB_COMPLETION_INDEX (a Kubernetes Indexed Job).", valueName: "K/N"),
            transform: { try Shard.parse($0, environment: ProcessInfo.processInfo.environment) })
    var shard: Shard?

    @OptionGroup(title: "Reaching sites") var reach: ReachOptions
    @OptionGroup(title: "What is looked at") var view: ViewOptions
    @OptionGroup(title: "Judging") var judging: JudgingOptions
    @OptionGroup var riskWords: RiskWordsOption
    @OptionGroup var language: LanguageOption
    @Option(help: metricsHelp) var metrics: String?

    func validate() throws {
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
        if resume != nil && out != nil { throw ValidationError("--resume continues its own directory; leave out --out") }
    }

    func run() async throws {
        var config = ScanConfiguration(inventoryPath: inventory)
        config.outDirectory = out
        config.resumeDirectory = resume
        config.baselineDirectory = baseline
        config.concurrency = concurrency
        config.shard = shard
        config.metricsPath = metrics
        config.reportLanguage = language.lang
        reach.apply(to: &config.options)
        view.apply(to: &config.options)
        do {
            try judging.apply(to: &config)
            config.options.riskWords = try RunInputs.riskWords(riskWords.path)
        } catch { throw failure(error) }
        if let shard, shard.count > reach.perIP {
            FileHandle.standardError.write(Data("icpaudit: note: \(shard.count) shards share --per-ip \(reach.perIP) with at least one connection each: a server shared by rows of every shard may see up to \(shard.count) at once\n".utf8))
        }
        let outcome: ScanOutcome
        do { outcome = try await ScanRun.run(config) } catch { throw failure(error) }
        printOutcome(outcome)
    }
}

func printOutcome(_ outcome: ScanOutcome) {
    let verdicts = Verdict.allCases.map { "\($0.rawValue) \(outcome.verdicts[$0] ?? 0)" }.joined(separator: ", ")
    print("\(outcome.sites) sites in \(String(format: "%.1f", outcome.wallSeconds))s: \(verdicts); \(outcome.badRows) bad rows skipped")
    print("wrote \(outcome.directory)/findings.jsonl, observations.jsonl, findings.csv, findings.xlsx, summary.json, report.html, metrics.prom")
}

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
    @OptionGroup var language: LanguageOption

    func run() throws {
        var config = JudgeConfiguration(runDirectory: runDirectory)
        config.inventoryPath = inventory
        config.outDirectory = out
        config.metricsPath = metrics
        config.reportLanguage = language.lang
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
    @OptionGroup var language: LanguageOption

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
        config.reportLanguage = language.lang
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
        do { print(try RunDiff.write(runs: runs, textFile: out).text, terminator: "") } catch { throw failure(error) }
    }
}

struct NoticesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notices",
        abstract: "Write the rectification notice for each domain of a run that did not pass, one text file each.")

    @Argument(help: "A run directory.") var runDirectory: String
    @Option(help: "Where to write <domain>.txt files.") var out: String

    func run() throws {
        do { print("wrote \(try Notices.write(run: runDirectory, into: out)) notices to \(out)") } catch { throw failure(error) }
    }
}

struct Page: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Audit one saved page.")

    @Argument(help: "A saved HTML page.") var file: String
    @Option(help: "The filed ICP number, e.g. 京ICP备12345678号-1.") var icp: String?
    @Option(name: .customLong("service-name"), help: "The filed service name (网站名称).") var serviceName: String?
    @Option(help: "The filed 公安备案号.") var psb: String?
    @Option(name: .customLong("content-type"), help: "The Content-Type the page was served with.") var contentType: String?
    @Option(help: "The host the page was served from: its links to other registrable domains are off-site.") var host = PageCheckConfiguration.defaultHost
    @OptionGroup var riskWords: RiskWordsOption
    @OptionGroup var language: LanguageOption

    func run() throws {
        var config = PageCheckConfiguration(file: file)
        config.icp = icp
        config.serviceName = serviceName
        config.psb = psb
        config.contentType = contentType
        config.host = host
        config.riskWordsPath = riskWords.path
        config.language = language.lang
        do { print(try PageCheck.report(config), terminator: "") } catch { throw failure(error) }
    }
}

extension ReportLanguage: ExpressibleByArgument {}
extension MobileMode: ExpressibleByArgument {}
extension RenderMode: ExpressibleByArgument {}
extension CIDR: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}
