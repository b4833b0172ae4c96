import ICPFetch
import ICPModel

/// The second requests of a host's page as another visitor: the phone's (the mobile policy of
/// `--mobile auto`: whether the phone's view must be audited in full) and Baiduspider's
/// (`--cloak-check`).
extension HostObserver {
    /// Requests the desktop view's first answered URL again as a phone browser, reading only
    /// the status and headers (SPEC "What a person sees"), within what is left of the host's
    /// `--timeout` (at least `minimumProbeMilliseconds`). nil when the desktop view read no page
    /// to compare with.
    func probeMobile(_ desktop: HostObservation, ticket: SiteTicket) async throws(CrawlerFailure) -> Hop? {
        guard desktop.page != nil, let answered = desktop.chain.first(where: { $0.status != nil }) else { return nil }
        return try await probe(answered, of: desktop, as: options.mobileProfile, headersOnly: true, ticket: ticket)?.hop
    }

    /// `--cloak-check`: requests the page the desktop view ended on again as Baiduspider, through
    /// the per-IP gate, within what is left of the host's `--timeout` (at least
    /// `minimumProbeMilliseconds`), and reads what it serves as the person's page was read. nil
    /// when the desktop view read no page.
    func probeSpider(_ desktop: HostObservation, ticket: SiteTicket) async throws(CrawlerFailure) -> (Hop, PageFacts?)? {
        guard desktop.page != nil, let answered = desktop.answered,
              let (hop, page) = try await probe(answered, of: desktop, as: options.spiderProfile, headersOnly: false, ticket: ticket) else { return nil }
        return (hop, page)
    }

    /// One more request of a hop the desktop view answered, as another visitor, within what is
    /// left of the host's `--timeout` (at least `minimumProbeMilliseconds`).
    private func probe(_ answered: Hop, of desktop: HostObservation, as profile: FetchProfile, headersOnly: Bool,
                       ticket: SiteTicket) async throws(CrawlerFailure) -> (hop: Hop, page: PageFacts?)? {
        guard let url = ParsedURL(answered.url), !answered.addresses.isEmpty else { return nil }
        var budget = HostBudget(seconds: max(Double(Self.minimumProbeMilliseconds) / 1000, options.timeoutSeconds - Double(desktop.ms) / 1000))
        let (result, page) = try await fetch(url, answered.addresses, profile: profile, verify: answered.verified,
                                             headersOnly: headersOnly, ticket: ticket, budget: &budget)
        var hop = Hop(url: url.text, addresses: answered.addresses, verified: answered.verified,
                      status: result.status == 0 ? nil : result.status, location: result.redirectURL, ms: result.milliseconds)
        hop.vary = result.vary
        hop.failure = result.failure.map(accessFailure)
        return (hop, page)
    }

    /// Why the mobile view must be audited in full (`--mobile auto`): the desktop page announces
    /// a mobile variant, or the phone got another answer (status, an HTTP redirect's `Location`)
    /// or the answer varies by User-Agent. nil: the phone sees the desktop page.
    static func mobileViewReason(_ desktop: HostObservation) -> String? {
        if let signal = desktop.page?.mobileSignals.first { return signal }
        guard let probe = desktop.mobileProbe, probe.failure == nil,
              let answered = desktop.chain.first(where: { $0.status != nil }) else { return nil }
        // A server error may pass (it is retried for the desktop too): not a sign of a mobile site.
        guard let status = probe.status, status < 500 else { return nil }
        if status != answered.status { return "a phone gets HTTP \(status), the desktop \(answered.status ?? 0)" }
        if (300..<400).contains(status) && probe.location != answered.location { return "a phone is sent to \(probe.location ?? "no redirect")" }
        if let vary = answered.vary ?? probe.vary, vary.lowercased().contains("user-agent") { return "Vary: \(vary)" }
        return nil
    }
}
