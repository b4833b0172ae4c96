import ICPFetch
import ICPModel
import ICPRender

/// The render merge: the drawn page replaces the static reading as what a person sees, the
/// static reading kept beside it, and what the drawing says about icpaudit's own load (a
/// deadline, a late request, a crashed renderer) makes the look a suspect.
extension HostObserver {
    /// Draws the host's page in the browser, as the view's device, and keeps what it shows; the
    /// static reading is kept beside it. A browser that failed twice is icpaudit's failure, not
    /// the site's; a page the browser could not load keeps its static reading.
    func render(_ seen: inout HostObservation, _ renderer: PageRenderer, ticket: SiteTicket) async throws(CrawlerFailure) {
        guard let url = seen.answered?.url, let staticPage = seen.page else { return }
        let device = seen.view == .mobile ? RenderDevice.phone(userAgent: options.mobileProfile.userAgent)
                                          : RenderDevice.desktop(userAgent: options.profile.userAgent)
        var known: [String: [IPAddress]] = [seen.host: seen.dns.addresses]
        for hop in seen.hops where !hop.addresses.isEmpty { if let host = ParsedURL(hop.url)?.host { known[host] = hop.addresses } }
        let network = BrowserNetwork(observer: self, ticket: ticket, profile: options.profile(for: seen.view), known: known)
        let (drawing, drawnFor) = drawings.drawing(of: url, view: seen.view, staticPage: staticPage, host: seen.host) {
            do throws(RenderError) {
                return (.success(try await renderer.pool.render(url: url, device: device, timeout: renderer.timeout, network: network.fetch)),
                        network.ownFailure, network.lateRequest)
            } catch {
                return (.failure(error), network.ownFailure, network.lateRequest)
            }
        }
        let (outcome, ownFailure, lateRequest) = await drawing.value
        if let drawnFor { seen.renderShared = "drawn once for \(drawnFor), which ended on the same page" }
        if let own = ownFailure { throw own }
        if let lateRequest {
            seen.suspect = renderSuspect(seen, reason: "the browser's requests share the crawler's connections and loop",
                                         outcome: "a request of the page's ran out of time: \(lateRequest)")
        }
        let drawn: RenderedPage
        switch outcome {
        case .success(let page): drawn = page
        case .failure(.browser(let why)): throw CrawlerFailure(description: "rendering \(url): \(why)")
        case .failure(.page(let why)):
            seen.renderFailure = why
            if why.contains(RenderError.outOfTime) { seen.suspect = renderSuspect(seen, outcome: why) }
            if why.contains(RenderError.rendererCrashed) {
                seen.suspect = renderSuspect(seen, reason: "the browser shares the machine's memory with the crawler", outcome: why)
            }
            return
        }
        if !drawn.settled {
            seen.suspect = renderSuspect(seen, outcome: "drawn at its \(options.renderTimeoutSeconds)s deadline before the page settled")
        }
        var page = drawn.facts(riskWords: options.riskWords)
        page.rendered = true
        page.charset = staticPage.charset
        page.hiddenNumbers = drawn.hiddenNumbers().map { var n = $0.number; n.hiddenBy = $0.how; return n }
        page.numberPlacement = placementSummary(drawn)
        // What the served HTML announces (a mobile variant, a device test) stays known.
        page.mobileSignals = staticPage.mobileSignals
        page.conditionalRedirect = staticPage.conditionalRedirect
        seen.staticPage = staticPage
        seen.page = page
        // Where scripts took the browser on: script hops of the way to the page.
        let end = seen.chain.count
        var taken: [Hop] = []
        for next in drawn.navigations.drop(while: { $0 != url }).dropFirst() where next != (taken.last?.url ?? url) {
            taken.append(Hop(url: next, kind: .script, status: 200))
        }
        if !taken.isEmpty {
            seen.hops[end - 1].location = taken[0].url
            for i in taken.indices.dropLast() { taken[i].location = taken[i + 1].url }
            seen.hops.insert(contentsOf: taken, at: end)
        }
    }

    /// A drawing cut short by its deadline: the browser shares the machine's CPU with the rest of
    /// the run, so it may be icpaudit's doing; drawn again at the end of the run with the crawler idle.
    private func renderSuspect(_ seen: HostObservation, reason: String = "the browser shares the crawler's CPU", outcome: String) -> SuspectLook? {
        secondLook ? nil : SuspectLook(reason: reason, outcome: "render: \(outcome)", ms: seen.ms)
    }
}
