import ICPModel
import ICPNumbers

extension Site {
    /// The row's filed numbers and name, as the page rules compare them; nil when its ICP number
    /// does not parse (the inventory reader has already refused such a row).
    public var filed: FiledSite? {
        RecordNumber.parse(icp).map { FiledSite(icp: $0, psbCode: psb.isEmpty ? "" : RecordNumber.psbCode(psb), serviceName: serviceName) }
    }

    /// True when `host` belongs to this site: one of its hosts, or under its registrable domain
    /// (SPEC: `m.`, `wap.` hosts are the same site, also for a row filed as `www.example.cn`).
    public func owns(_ host: String) -> Bool {
        let site = registrableDomain ?? (domain.hasPrefix("www.") ? String(domain.dropFirst(4)) : domain)
        return hosts.contains(host) || host == domain || host == site || host.hasSuffix("." + site)
    }
}

/// SPEC's rules over what was observed: a pure function from a site's observations and its
/// inventory row to findings and a verdict. It reads no file and makes no request, so
/// `icpaudit judge` gives the same findings from a saved run as the scan did.
public struct Judge: Sendable {
    /// The provider's ranges (`IP_NOT_PROVIDER`); nil: not checked.
    public var ranges: CIDRSet?
    /// The CDN catalogue and the provider's own CDNs (SPEC "CDN").
    public var cdn: CDNPolicy
    /// The inventory row of another site a page redirected to, by host.
    public var siteForHost: @Sendable (String) -> Site?

    public init(ranges: CIDRSet?, cdn: CDNPolicy = .none, siteForHost: @escaping @Sendable (String) -> Site?) {
        self.ranges = ranges
        self.cdn = cdn
        self.siteForHost = siteForHost
    }

    public func judge(_ seen: SiteObservation, row: Site) -> SiteRecord {
        let filed = row.filed  // parsed once for all the site's pages
        var findings: [Finding] = []
        var hosts: [HostRecord] = []
        for host in seen.hosts {
            let through = cdn.match(host)
            var hostFindings = AccessRules.findings(host, filedIPs: row.ips, ranges: ranges,
                                                    cdn: through.map { (match: $0, own: cdn.isOwn($0.cdn)) })
            if let page = host.page {
                hostFindings += pageFindings(page, row: row, filed: filed, host: host)
            }
            for i in hostFindings.indices { hostFindings[i].view = host.view }
            findings += hostFindings
            var record = Self.record(host)
            record.cdn = through?.cdn.name
            hosts.append(record)
        }
        // Unreachable means the site's hosts did not open; a mobile view is the same hosts again.
        // A host this machine has no route to was not tried: it neither opened nor failed.
        let untried = Set(seen.hosts.filter { $0.chain.last?.failure?.kind == .noIPv6Route }.map(\.host))
        let desktop = hosts.filter { $0.view == .desktop && !untried.contains($0.host) }
        return SiteRecord(domain: seen.domain, line: seen.line,
                          verdict: Verdict.of(findings: findings, hostsOpened: desktop.filter(\.opened).count, hostCount: desktop.count),
                          checkedAt: seen.checkedAt, findings: findings, hosts: hosts)
    }

    /// SPEC: A→B is evaluated on the final page, against B's row when B is another inventory
    /// site; `REDIRECT_OFFSITE` when B is not in the inventory.
    private func pageFindings(_ page: PageFacts, row: Site, filed: FiledSite?, host: HostObservation) -> [Finding] {
        let finalHost = host.answered.flatMap { Link($0.url)?.host } ?? host.host
        // Another row's host is judged against that row, even under this site's domain; the
        // row's own hosts are its own (and need no lookup).
        let ownHost = finalHost == row.domain || row.hosts.contains(finalHost)
        // Cloaking compares two static readings: the person's page as served, and the spider's.
        let content = ContentRules.evaluate(page, pageHost: finalHost, host: host.host)
            + ContentRules.cloaking(person: host.staticPage ?? page, spider: host.spiderPage, pageHost: finalHost, host: host.host)
        if !ownHost, let other = siteForHost(finalHost), other.domain != row.domain, let otherFiled = other.filed {
            return PageRules.evaluate(page, against: otherFiled, host: host.host) + content
        }
        if row.owns(finalHost), let filed {
            return PageRules.evaluate(page, against: filed, host: host.host) + content
        }
        return [Finding(.redirectOffsite, host: host.host, .redirectOffsite, [.text("target", finalHost)])]
    }

    /// The host's line in findings.jsonl: where it led and what its page showed.
    static func record(_ seen: HostObservation) -> HostRecord {
        var r = HostRecord(host: seen.host, view: seen.view)
        r.ips = seen.dns.addresses.map(\.description)
        r.url = "http://\(seen.host)/"
        r.status = seen.chain.last(where: { $0.failure.map { !$0.kind.isBeforeRequest } ?? true })?.status
        r.redirects = zip(seen.chain, seen.chain.dropFirst()).filter { $0.0.redirected }.map(\.1.url)
        if let answered = seen.answered {
            r.finalURL = answered.url
            r.bytes = answered.bytes
            r.truncated = answered.failure?.kind == .tooLarge
        }
        r.attempts = seen.attempts
        r.ms = seen.ms
        r.frames = seen.hops.filter { $0.kind == .frame }.map(\.url)
        if let page = seen.page {
            r.opened = true
            r.title = page.title
            let icp = page.numbers.filter { $0.kind != .psb }
            r.icp = PageRules.unique(icp.map(\.canonical))
            r.icpLinks = PageRules.unique(icp.compactMap(\.href))
            r.psb = PageRules.unique(page.numbers.filter { $0.kind == .psb }.map(\.text))
            if let first = icp.first(where: { $0.kind == .record }) ?? icp.first { r.foundIn = PageRules.placement(of: first, in: page) }
            r.charset = page.charset?.name
            r.charsetSource = page.charset?.source.rawValue
            r.rendered = page.rendered
            r.numberPlacement = page.numberPlacement
        }
        return r
    }
}

/// The access and address rules: DNS_*, IP_*, CONNECT_FAILED, TLS_FAILED, HTTP_ERROR, TIMEOUT.
/// Only the step that ended a host's observation is a failure of the host; an earlier failed
/// step was a fallback that was tried (https after http, an unverified read after a bad
/// certificate, which still warns).
enum AccessRules {
    /// `cdn`: the CDN the host resolves through, and whether it is the provider's own.
    static func findings(_ seen: HostObservation, filedIPs: [IPAddress], ranges: CIDRSet?,
                         cdn: (match: CDNMatch, own: Bool)? = nil) -> [Finding] {
        let host = seen.host
        if let failure = seen.dns.failure {
            switch failure.kind {
            case .dnsNoRecord: return [Finding(.dnsNoRecord, host: host, .dnsNoRecord, [.text("host", host), .text("reason", failure.detail)])]
            case .deadline: return [Finding(.timeout, host: host, .dnsTimeout, [.text("host", host), .text("reason", failure.detail)])]
            default: return [Finding(.dnsError, host: host, .dnsError, [.text("host", host), .text("reason", failure.detail)])]
            }
        }
        var out = addressFindings(host, seen.dns.addresses, filedIPs, ranges, cdn: cdn)
        // The way to the page decides whether the host opened; a frame that failed to load is
        // only content the page lacks.
        let chain = Array(seen.chain)
        for (i, hop) in chain.enumerated() {
            guard let failure = hop.failure else { continue }
            let isLast = i == chain.count - 1
            if !isLast {
                if failure.kind == .certificate {
                    out.append(Finding(.tlsFailed, host: host, .certificateFallback, [.text("url", hop.url), .text("reason", failure.detail)], severity: .warn))
                }
                continue
            }
            out.append(ending(failure, hop: hop, isStart: i == 0, host: host, redirectsFollowed: chain.filter(\.redirected).count))
        }
        if seen.page == nil, let answered = seen.answered, answered.failure == nil {
            out.append(Finding(.httpError, host: host, .httpStatus, [.text("url", answered.url), .text("status", String(answered.status ?? 0))]))
        }
        return out
    }

    private static func ending(_ failure: AccessFailure, hop: Hop, isStart: Bool, host: String, redirectsFollowed: Int) -> Finding {
        let url = Fact.text("url", hop.url), reason = Fact.text("reason", failure.detail)
        let target = Fact.text("target", Link(hop.url)?.host ?? hop.url)
        switch failure.kind {
        case .connect: return Finding(.connectFailed, host: host, .connectFailed, [url, reason])
        case .certificate, .tls: return Finding(.tlsFailed, host: host, .tlsFailed, [url, reason])
        case .timeout: return Finding(.timeout, host: host, .timeout, [url, reason])
        case .deadline: return Finding(.timeout, host: host, .deadline, [url, reason])
        case .protocolError, .tooLarge: return Finding(.httpError, host: host, .badAnswer, [url, reason])
        case .noIPv6Route:
            return Finding(.ipv6NoRoute, host: host, .ipv6NoRoute, [url, .list("ips", hop.addresses.map(\.description)), reason])
        case .dnsNoRecord, .dnsFailed:
            return Finding(.httpError, host: host, .redirectUnresolved, [url, target, reason])
        case .privateAddress:
            let ips = Fact.list("ips", hop.addresses.filter(\.isNonPublic).map(\.description))
            return Finding(.ipPrivate, host: host, isStart ? .ipPrivate : .redirectIPPrivate, [url, target, ips])
        case .badRedirect:
            return Finding(.httpError, host: host, .badRedirect, [url, .text("target", failure.detail)])
        case .redirectLimit:
            return Finding(.httpError, host: host, .redirectLimit, [.text("count", String(redirectsFollowed)), .text("url", failure.detail)])
        }
    }

    /// IP_NOT_PROVIDER and IP_NOT_FILED; behind a CDN the addresses are its edge, which says
    /// nothing of where the site is hosted (SPEC "CDN"): none for the provider's own CDN, and
    /// IP_VIA_CDN in their place for another, when either rule is in force.
    private static func addressFindings(_ host: String, _ ips: [IPAddress], _ filed: [IPAddress], _ ranges: CIDRSet?,
                                        cdn: (match: CDNMatch, own: Bool)?) -> [Finding] {
        if let cdn {
            guard !cdn.own, ranges != nil || !filed.isEmpty else { return [] }
            let m = cdn.match
            return [Finding(.ipViaCDN, host: host, m.byAddress ? .ipViaCDNAddress : .ipViaCDN,
                            [.text("host", host), .text("cdn", m.cdn.label), .text("name", m.cdn.name), .text("via", m.via),
                             .text("entry", m.entry), .list("ips", ips.map(\.description))])]
        }
        var findings: [Finding] = []
        if let ranges, !ips.contains(where: ranges.contains) {
            findings.append(Finding(.ipNotProvider, host: host, .ipNotProvider, [.list("ips", ips.map(\.description))]))
        }
        let unfiled = ips.filter { !filed.contains($0) }
        if !filed.isEmpty && !unfiled.isEmpty {
            findings.append(Finding(.ipNotFiled, host: host, .ipNotFiled,
                                    [.list("ips", unfiled.map(\.description)), .list("filed", filed.map(\.description))]))
        }
        return findings
    }
}

extension AccessFailure.Kind {
    /// Steps that ended before a request was sent.
    var isBeforeRequest: Bool {
        switch self {
        case .dnsNoRecord, .dnsFailed, .privateAddress, .deadline: return true
        default: return false
        }
    }
}
