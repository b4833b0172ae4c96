import ICPModel
import ICPNumbers
import ICPRules

/// Observes every host of a site concurrently, then judges what was seen.
/// A class, like `HostObserver`: every site's task refers to the one auditor of the run.
final class SiteAuditor: Sendable {
    let options: AuditOptions
    let loops: LoopGroup
    let gate: PerIPGate
    let dnsGate: KeyedGate<Int>
    let pool: SitePool
    let judge: Judge
    let renderer: PageRenderer?
    /// Auditing the suspects' sites again at the end of the run: this look is final.
    let secondLook: Bool

    init(options: AuditOptions, loops: LoopGroup, gate: PerIPGate, dnsGate: KeyedGate<Int>, pool: SitePool, judge: Judge,
         renderer: PageRenderer?, secondLook: Bool = false) {
        self.secondLook = secondLook
        self.options = options
        self.loops = loops
        self.gate = gate
        self.dnsGate = dnsGate
        self.pool = pool
        self.judge = judge
        self.renderer = renderer
    }

    /// The same auditor for the second look at suspects, admitting sites to `pool`.
    func forSecondLook(pool: SitePool) -> SiteAuditor {
        SiteAuditor(options: options, loops: loops, gate: gate, dnsGate: dnsGate, pool: pool, judge: judge, renderer: renderer, secondLook: true)
    }

    func audit(_ site: Site, checkedAt: String) async throws(CrawlerFailure) -> (SiteObservation, SiteRecord) {
        var filedDigits: Set<String> = []
        if let icp = site.filed?.icp { filedDigits.insert(icp.digits) }
        if !site.psb.isEmpty { filedDigits.insert(RecordNumber.psbCode(site.psb)) }
        let observer = HostObserver(options: options, transport: loops.next(), gate: gate, dnsGate: dnsGate, keepDigits: filedDigits,
                                    renderer: renderer, secondLook: secondLook)
        let ticket = SiteTicket(pool: pool, hosts: site.hosts.count)
        let outcomes = await withTaskGroup(of: (Int, Result<[HostObservation], CrawlerFailure>).self) { group in
            for (i, host) in site.hosts.enumerated() {
                group.addTask {
                    defer { ticket.hostFinished() }
                    do throws(CrawlerFailure) {
                        return (i, .success(try await self.views(of: host, observer, ticket)))
                    } catch {
                        return (i, .failure(error))
                    }
                }
            }
            var results = [Result<[HostObservation], CrawlerFailure>?](repeating: nil, count: site.hosts.count)
            for await (i, outcome) in group { results[i] = outcome }
            return results.compactMap { $0 }
        }
        var hosts: [HostObservation] = []
        for outcome in outcomes { hosts += try outcome.get() }
        let seen = SiteObservation(domain: site.domain, line: site.line, checkedAt: checkedAt, hosts: hosts)
        return (seen, judge.judge(seen, row: site))
    }

    /// The host as a desktop browser sees it, then as a phone does when `--mobile` asks for it.
    private func views(of host: String, _ observer: HostObserver, _ ticket: SiteTicket) async throws(CrawlerFailure) -> [HostObservation] {
        var desktop = try await observer.observe(host, view: .desktop, ticket: ticket)
        if options.cloakCheck, let (probe, page) = try await observer.probeSpider(desktop, ticket: ticket) {
            desktop.spiderProbe = probe
            desktop.spiderPage = page
            suspectIfLate(&desktop, probe, reason: "Baiduspider's request ran out of time", label: "spider")
        }
        switch options.mobile {
        case .never:
            return [desktop]
        case .always:
            return [desktop, try await observer.observe(host, view: .mobile, ticket: ticket)]
        case .auto:
            if desktop.page?.mobileSignals.isEmpty ?? true {
                desktop.mobileProbe = try await observer.probeMobile(desktop, ticket: ticket)
                suspectIfLate(&desktop, desktop.mobileProbe, reason: "the phone's probe ran out of time", label: "probe")
            }
            guard HostObserver.mobileViewReason(desktop) != nil else { return [desktop] }
            return [desktop, try await observer.observe(host, view: .mobile, ticket: ticket)]
        }
    }

    /// A probe of the desktop view (the phone's, Baiduspider's) that ran out of time leaves what
    /// it was to tell unknown (a mobile view, cloaking); it shares the host's time, which a loaded
    /// crawler may have used up: on the first look, the host is a suspect.
    private func suspectIfLate(_ desktop: inout HostObservation, _ probe: Hop?, reason: String, label: String) {
        guard !secondLook, desktop.suspect == nil, let failure = probe?.failure, failure.kind == .timeout else { return }
        desktop.suspect = SuspectLook(reason: reason, outcome: "\(label): \(failure.detail)", ms: desktop.ms)
    }
}
