import ICPInventory
import ICPModel
import ICPRules

extension Site {
    var filed: FiledSite? {
        RecordNumber.parse(icp).map { FiledSite(icp: $0, psbCode: psb.isEmpty ? "" : RecordNumber.psbCode(psb), serviceName: serviceName) }
    }

    /// True when `host` belongs to this site: one of its hosts, or under its domain.
    func owns(_ host: String) -> Bool {
        hosts.contains(host) || host == domain || host.hasSuffix("." + domain)
    }
}

/// Audits every host of a site concurrently and judges each opened page.
struct SiteAuditor: Sendable {
    let options: AuditOptions
    let loops: LoopGroup
    let gate: PerIPGate
    let pool: SitePool
    /// Where a redirect to another inventory site finds that site's row.
    let index: InventoryIndex

    func audit(_ site: Site, checkedAt: String) async -> SiteRecord {
        let loop = loops.next()
        let auditor = HostAuditor(options: options, loop: loop, gate: gate)
        let ticket = SiteTicket(pool: pool, hosts: site.hosts.count)
        let outcomes = await withTaskGroup(of: (Int, HostOutcome).self) { group in
            for (i, host) in site.hosts.enumerated() {
                group.addTask {
                    let outcome = await auditor.audit(host, filedIPs: site.ips, ticket: ticket)
                    ticket.hostFinished()
                    return (i, outcome)
                }
            }
            var results = [HostOutcome?](repeating: nil, count: site.hosts.count)
            for await (i, outcome) in group { results[i] = outcome }
            return results.compactMap { $0 }
        }
        var findings: [Finding] = []
        var hosts: [HostRecord] = []
        let filed = site.filed  // parsed once for all the site's pages
        for var outcome in outcomes {
            findings += outcome.findings
            if let page = outcome.page {
                findings += judge(page, site: site, filed: filed, host: outcome.record.host, finalHost: outcome.finalHost ?? outcome.record.host)
                describe(page, into: &outcome.record)
            }
            hosts.append(outcome.record)
        }
        let opened = hosts.filter(\.opened).count
        return SiteRecord(domain: site.domain, line: site.line,
                          verdict: Verdict.of(findings: findings, hostsOpened: opened, hostCount: hosts.count),
                          checkedAt: checkedAt, findings: findings, hosts: hosts)
    }

    /// SPEC: A→B is evaluated on the final page, against B's row when B is another inventory
    /// site; `REDIRECT_OFFSITE` when B is not in the inventory.
    private func judge(_ page: PageFacts, site: Site, filed: FiledSite?, host: String, finalHost: String) -> [Finding] {
        if site.owns(finalHost), let filed {
            return PageRules.evaluate(page, against: filed, host: host)
        }
        if let other = index.site(forHost: finalHost)?.filed {
            return PageRules.evaluate(page, against: other, host: host)
        }
        return [Finding(.redirectOffsite, host: host, detail: "redirects to \(finalHost), which is not in the inventory")]
    }

    private func describe(_ page: PageFacts, into record: inout HostRecord) {
        record.title = page.title
        let icp = page.numbers.filter { $0.kind != .psb }
        record.icp = PageRules.unique(icp.map(\.canonical))
        record.icpLinks = PageRules.unique(icp.compactMap(\.href))
        record.psb = PageRules.unique(page.numbers.filter { $0.kind == .psb }.map(\.text))
        if let first = icp.first(where: { $0.kind == .record }) ?? icp.first { record.foundIn = PageRules.placement(of: first, in: page) }
        record.charset = page.charset?.name
        record.charsetSource = page.charset?.source.rawValue
    }
}
