import ICPModel
import ICPRules

/// Observes every host of a site concurrently, then judges what was seen.
struct SiteAuditor: Sendable {
    let options: AuditOptions
    let loops: LoopGroup
    let gate: PerIPGate
    let dnsGate: KeyedGate<Int>
    let pool: SitePool
    let judge: Judge

    func audit(_ site: Site, checkedAt: String) async throws(CrawlerFailure) -> (SiteObservation, SiteRecord) {
        let observer = HostObserver(options: options, transport: loops.next(), gate: gate, dnsGate: dnsGate)
        let ticket = SiteTicket(pool: pool, hosts: site.hosts.count)
        let outcomes = await withTaskGroup(of: (Int, Result<HostObservation, CrawlerFailure>).self) { group in
            for (i, host) in site.hosts.enumerated() {
                group.addTask {
                    defer { ticket.hostFinished() }
                    do throws(CrawlerFailure) {
                        return (i, .success(try await observer.observe(host, ticket: ticket)))
                    } catch {
                        return (i, .failure(error))
                    }
                }
            }
            var results = [Result<HostObservation, CrawlerFailure>?](repeating: nil, count: site.hosts.count)
            for await (i, outcome) in group { results[i] = outcome }
            return results.compactMap { $0 }
        }
        var hosts: [HostObservation] = []
        for outcome in outcomes { hosts.append(try outcome.get()) }
        let seen = SiteObservation(domain: site.domain, line: site.line, checkedAt: checkedAt, hosts: hosts)
        return (seen, judge.judge(seen, row: site))
    }
}
