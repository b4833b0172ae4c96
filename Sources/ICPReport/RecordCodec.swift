import Foundation
import ICPModel

/// The one codec of a run's JSON Lines records: what `scan` writes is what `--resume`, `diff`,
/// `notices`, `judge`, `merge` and the report read back, field for field. Encoding is written
/// by hand into a reused buffer (the hot path, in SPEC's field order); decoding goes through
/// Foundation's parser (readers are not on the hot path).
public struct RecordCodec {
    private var json = JSONBuffer()
    /// The language findings' details are written in (`--lang`); their facts are written beside them.
    public var language: ReportLanguage
    public init(language: ReportLanguage = .zh) { self.language = language }

    // MARK: findings.jsonl

    public mutating func encode(_ r: SiteRecord) -> [UInt8] {
        json.reset()
        json.beginObject()
        json.key("domain"); json.string(r.domain)
        json.key("line"); json.number(r.line)
        json.key("verdict"); json.string(r.verdict.rawValue)
        json.key("checked_at"); json.string(r.checkedAt)
        json.key("findings"); json.beginArray()
        for f in r.findings {
            json.beginObject()
            json.key("code"); json.string(f.code.rawValue)
            json.key("host"); json.string(f.host)
            if f.view != .desktop { json.key("view"); json.string(f.view.rawValue) }
            json.key("severity"); json.string(f.severity.rawValue)
            json.key("detail"); json.string(f.detail(in: language))
            json.key("form"); json.string(f.form.rawValue)
            json.key("facts"); facts(f.facts)
            json.endObject()
        }
        json.endArray()
        json.key("hosts"); json.beginArray()
        for h in r.hosts { host(h) }
        json.endArray()
        json.endObject()
        json.newline()
        return json.bytes
    }

    /// By name: a text as a string, a list as an array (with `NAME_more` when it names only the
    /// first few), a vocabulary word as `{"term": word}`, vocabulary words as `{"terms": [...]}`.
    private mutating func facts(_ facts: [Fact]) {
        json.beginObject()
        for fact in facts {
            json.key(fact.name)
            switch fact.value {
            case .text(let text): json.string(text)
            case .list(let items, let more):
                json.strings(items)
                if more > 0 { json.key(fact.name + Self.moreSuffix); json.number(more) }
            case .term(let word):
                json.beginObject(); json.key("term"); json.string(word); json.endObject()
            case .terms(let words):
                json.beginObject(); json.key("terms"); json.strings(words); json.endObject()
            }
        }
        json.endObject()
    }

    static let moreSuffix = "_more"

    private mutating func host(_ h: HostRecord) {
        json.beginObject()
        json.key("host"); json.string(h.host)
        if h.view != .desktop { json.key("view"); json.string(h.view.rawValue) }
        json.key("ips"); json.strings(h.ips)
        json.key("url"); json.string(h.url)
        json.key("final_url"); json.optional(h.finalURL)
        json.key("status"); if let s = h.status { json.number(s) } else { json.null() }
        if !h.redirects.isEmpty { json.key("redirects"); json.strings(h.redirects) }
        json.key("title"); json.optional(h.title)
        json.key("icp"); json.strings(h.icp)
        json.key("icp_links"); json.strings(h.icpLinks)
        json.key("psb"); json.strings(h.psb)
        if let w = h.foundIn { json.key("found_in"); json.string(w) }
        if let c = h.charset { json.key("charset"); json.string(c) }
        if let c = h.charsetSource { json.key("charset_source"); json.string(c) }
        json.key("bytes"); json.number(h.bytes)
        if h.truncated { json.key("truncated"); json.bool(true) }
        json.key("ms"); json.number(h.ms)
        json.key("opened"); json.bool(h.opened)
        json.key("attempts"); json.number(h.attempts)
        if !h.frames.isEmpty { json.key("frames"); json.strings(h.frames) }
        if h.rendered { json.key("rendered"); json.bool(true) }
        if let placement = h.numberPlacement { json.key("number_placement"); json.string(placement) }
        if let cdn = h.cdn { json.key("cdn"); json.string(cdn) }
        json.endObject()
    }

    public static func decodeRecord(_ line: Data) throws(RecordError) -> SiteRecord {
        let o = try object(line)
        var findings: [Finding] = []
        for f in try o.objects("findings") {
            // A run written before details had facts keeps its detail as it was written.
            let form = try f.optionalEnumValue("form", DetailForm.self)
            findings.append(Finding(try f.enumValue("code", FindingCode.self), host: try f.string("host"),
                                    view: try f.optionalEnumValue("view", View.self) ?? .desktop,
                                    form ?? .asWritten, try form == nil ? [.text("text", f.string("detail"))] : facts(try f.object("facts")),
                                    severity: try f.enumValue("severity", Severity.self)))
        }
        var hosts: [HostRecord] = []
        for h in try o.objects("hosts") {
            var r = HostRecord(host: try h.string("host"), view: try h.optionalEnumValue("view", View.self) ?? .desktop)
            r.ips = h.strings("ips")
            r.url = h.optionalString("url") ?? ""
            r.finalURL = h.optionalString("final_url")
            r.status = h.optionalInt("status")
            r.redirects = h.strings("redirects")
            r.title = h.optionalString("title")
            r.icp = h.strings("icp")
            r.icpLinks = h.strings("icp_links")
            r.psb = h.strings("psb")
            r.foundIn = h.optionalString("found_in")
            r.charset = h.optionalString("charset")
            r.charsetSource = h.optionalString("charset_source")
            r.bytes = h.optionalInt("bytes") ?? 0
            r.truncated = h.bool("truncated")
            r.ms = h.optionalInt("ms") ?? 0
            r.opened = h.bool("opened")
            r.attempts = h.optionalInt("attempts") ?? 1
            r.frames = h.strings("frames")
            r.rendered = h.bool("rendered")
            r.numberPlacement = h.optionalString("number_placement")
            r.cdn = h.optionalString("cdn")
            hosts.append(r)
        }
        return SiteRecord(domain: try o.string("domain"), line: o.optionalInt("line") ?? 0, verdict: try o.enumValue("verdict", Verdict.self),
                          checkedAt: try o.string("checked_at"), findings: findings, hosts: hosts)
    }

    // MARK: observations.jsonl

    public mutating func encode(_ s: SiteObservation) -> [UInt8] {
        json.reset()
        json.beginObject()
        json.key("domain"); json.string(s.domain)
        json.key("line"); json.number(s.line)
        json.key("checked_at"); json.string(s.checkedAt)
        json.key("hosts"); json.beginArray()
        for h in s.hosts { hostObservation(h) }
        json.endArray()
        json.endObject()
        json.newline()
        return json.bytes
    }

    private mutating func hostObservation(_ h: HostObservation) {
        json.beginObject()
        json.key("host"); json.string(h.host)
        json.key("view"); json.string(h.view.rawValue)
        json.key("dns"); json.beginObject()
        json.key("addresses"); json.strings(h.dns.addresses.map(\.description))
        if !h.dns.cnames.isEmpty { json.key("cnames"); json.strings(h.dns.cnames) }
        if let f = h.dns.failure { failure(f) }
        json.endObject()
        json.key("hops"); json.beginArray()
        for hop in h.hops { self.hop(hop) }
        json.endArray()
        if let probe = h.mobileProbe { json.key("mobile_probe"); self.hop(probe) }
        if let probe = h.spiderProbe { json.key("spider_probe"); self.hop(probe) }
        if let page = h.spiderPage { json.key("spider_page"); self.page(page) }
        json.key("page")
        if let p = h.page { page(p) } else { json.null() }
        if let p = h.staticPage { json.key("static_page"); page(p) }
        if let f = h.renderFailure { json.key("render_failure"); json.string(f) }
        if let s = h.renderShared { json.key("render_shared"); json.string(s) }
        if let s = h.renderSkipped { json.key("render_skipped"); json.string(s) }
        json.key("attempts"); json.number(h.attempts)
        json.key("ms"); json.number(h.ms)
        if let first = h.firstLook {
            json.key("first_look"); json.beginObject()
            json.key("reason"); json.string(first.reason)
            json.key("outcome"); json.string(first.outcome)
            json.key("ms"); json.number(first.ms)
            json.endObject()
        }
        json.endObject()
    }

    private mutating func hop(_ hop: Hop) {
        json.beginObject()
        json.key("url"); json.string(hop.url)
        json.key("kind"); json.string(hop.kind.rawValue)
        json.key("addresses"); json.strings(hop.addresses.map(\.description))
        if !hop.verified { json.key("verified"); json.bool(false) }
        json.key("status"); if let s = hop.status { json.number(s) } else { json.null() }
        if let l = hop.location { json.key("location"); json.string(l) }
        if let v = hop.vary { json.key("vary"); json.string(v) }
        if let f = hop.failure { failure(f) }
        json.key("bytes"); json.number(hop.bytes)
        json.key("ms"); json.number(hop.ms)
        json.endObject()
    }

    private mutating func failure(_ f: AccessFailure) {
        json.key("failure"); json.beginObject()
        json.key("kind"); json.string(f.kind.rawValue)
        json.key("detail"); json.string(f.detail)
        json.endObject()
    }

    private mutating func page(_ p: PageFacts) {
        json.beginObject()
        json.key("title"); json.string(p.title)
        json.key("numbers"); numbers(p.numbers)
        json.key("script_numbers"); numbers(p.scriptNumbers)
        if !p.hiddenNumbers.isEmpty { json.key("hidden_numbers"); numbers(p.hiddenNumbers) }
        if p.numbersDropped > 0 { json.key("numbers_dropped"); json.number(p.numbersDropped) }
        json.key("shown_characters"); json.number(p.shownCharacters)
        json.key("text_length"); json.number(p.textLength)
        json.key("scripts"); json.number(p.scriptCount)
        if p.inertScripts > 0 { json.key("inert_scripts"); json.number(p.inertScripts) }
        if let d = p.scriptsDigest { json.key("scripts_digest"); json.string(String(d, radix: 16)) }
        if p.images > 0 { json.key("images"); json.number(p.images) }
        if let c = p.charset {
            json.key("charset"); json.string(c.name)
            json.key("charset_source"); json.string(c.source.rawValue)
        }
        if let r = p.redirect {
            json.key("redirect"); json.beginObject()
            json.key("kind"); json.string(r.kind.rawValue)
            json.key("url"); json.string(r.url)
            json.key("delay"); json.number(r.delay)
            json.endObject()
        }
        if let c = p.conditionalRedirect { json.key("conditional_redirect"); json.string(c) }
        if !p.frames.isEmpty { json.key("frames"); json.strings(p.frames) }
        if !p.mobileSignals.isEmpty { json.key("mobile_signals"); json.strings(p.mobileSignals) }
        if !p.sample.isEmpty { json.key("sample"); json.string(p.sample) }
        json.key("rendered"); json.bool(p.rendered)
        if let placement = p.numberPlacement { json.key("number_placement"); json.string(placement) }
        // Written also when empty: an observation without it was saved before content risks were read.
        json.key("risk_words"); json.beginArray()
        for h in p.riskWords {
            json.beginObject()
            json.key("word"); json.string(h.word)
            json.key("category"); json.string(h.category)
            json.key("weight"); json.number(h.weight)
            json.key("where"); json.string(h.place.rawValue)
            json.key("count"); json.number(h.count)
            json.endObject()
        }
        json.endArray()
        if p.riskWordsDropped > 0 { json.key("risk_words_dropped"); json.number(p.riskWordsDropped) }
        if !p.hiddenLinks.isEmpty {
            json.key("hidden_links"); json.beginArray()
            for l in p.hiddenLinks {
                json.beginObject()
                json.key("href"); json.string(l.href)
                json.key("how"); json.string(l.how)
                json.key("text"); json.string(l.text)
                if let w = l.riskWord { json.key("risk_word"); json.string(w) }
                json.endObject()
            }
            json.endArray()
        }
        if p.hiddenLinksDropped > 0 { json.key("hidden_links_dropped"); json.number(p.hiddenLinksDropped) }
        if !p.linkHosts.isEmpty { json.key("link_hosts"); json.strings(p.linkHosts) }
        json.endObject()
    }

    private mutating func numbers(_ list: [ShownNumber]) {
        json.beginArray()
        for n in list {
            json.beginObject()
            json.key("kind"); json.string(n.kind.rawValue)
            json.key("text"); json.string(n.text)
            json.key("province"); json.string(n.province)
            json.key("digits"); json.string(n.digits)
            if let s = n.suffix { json.key("suffix"); json.string(s) }
            if let h = n.href { json.key("href"); json.string(h) }
            json.key("in_footer"); json.bool(n.inFooter)
            json.key("offset"); json.number(n.offset)
            if let h = n.hiddenBy { json.key("hidden_by"); json.string(h) }
            json.endObject()
        }
        json.endArray()
    }

    public static func decodeObservation(_ line: Data) throws(RecordError) -> SiteObservation {
        let o = try object(line)
        var hosts: [HostObservation] = []
        for h in try o.objects("hosts") {
            let d = try h.object("dns")
            let dns = DNSAnswer(addresses: try addresses(d.strings("addresses")), cnames: d.strings("cnames"),
                                failure: try d.optionalObject("failure").map(failure))
            let hops = try h.objects("hops").map { (o: JSONObject) throws(RecordError) in try hop(o) }
            var seen = HostObservation(host: try h.string("host"), view: try h.enumValue("view", View.self), dns: dns, hops: hops,
                                       page: try h.optionalObject("page").map(page),
                                       attempts: h.optionalInt("attempts") ?? 1, ms: h.optionalInt("ms") ?? 0)
            seen.mobileProbe = try h.optionalObject("mobile_probe").map(hop)
            seen.spiderProbe = try h.optionalObject("spider_probe").map(hop)
            seen.spiderPage = try h.optionalObject("spider_page").map(page)
            seen.staticPage = try h.optionalObject("static_page").map(page)
            seen.renderFailure = h.optionalString("render_failure")
            seen.renderShared = h.optionalString("render_shared")
            seen.renderSkipped = h.optionalString("render_skipped")
            if let first = try h.optionalObject("first_look") {
                seen.firstLook = SuspectLook(reason: try first.string("reason"), outcome: try first.string("outcome"), ms: first.optionalInt("ms") ?? 0)
            }
            hosts.append(seen)
        }
        return SiteObservation(domain: try o.string("domain"), line: try o.int("line"), checkedAt: try o.string("checked_at"), hosts: hosts)
    }

    private static func hop(_ hop: JSONObject) throws(RecordError) -> Hop {
        var h = Hop(url: try hop.string("url"), kind: try hop.enumValue("kind", HopKind.self),
                    addresses: try addresses(hop.strings("addresses")), verified: hop.optionalBool("verified") ?? true,
                    status: hop.optionalInt("status"), location: hop.optionalString("location"),
                    failure: try hop.optionalObject("failure").map(failure),
                    bytes: hop.optionalInt("bytes") ?? 0, ms: hop.optionalInt("ms") ?? 0)
        h.vary = hop.optionalString("vary")
        return h
    }

    private static func failure(_ f: JSONObject) throws(RecordError) -> AccessFailure {
        AccessFailure(try f.enumValue("kind", AccessFailure.Kind.self), try f.string("detail"))
    }

    private static func page(_ p: JSONObject) throws(RecordError) -> PageFacts {
        var charset: CharsetDecision?
        if let name = p.optionalString("charset") {
            charset = CharsetDecision(name: name, source: try p.enumValue("charset_source", CharsetDecision.Source.self))
        }
        var page = PageFacts(title: try p.string("title"), numbers: try numbers(p.objects("numbers")),
                             scriptNumbers: try numbers(p.objects("script_numbers")), shownCharacters: try p.int("shown_characters"),
                             textLength: try p.int("text_length"), scriptCount: try p.int("scripts"), charset: charset)
        page.hiddenNumbers = try numbers(p.optionalObjects("hidden_numbers"))
        page.numbersDropped = p.optionalInt("numbers_dropped") ?? 0
        page.images = p.optionalInt("images") ?? 0
        page.inertScripts = p.optionalInt("inert_scripts") ?? 0
        page.scriptsDigest = p.optionalString("scripts_digest").flatMap { UInt64($0, radix: 16) }
        if let r = try p.optionalObject("redirect") {
            page.redirect = PageRedirect(kind: try r.enumValue("kind", HopKind.self), url: try r.string("url"), delay: r.optionalInt("delay") ?? 0)
        }
        page.conditionalRedirect = p.optionalString("conditional_redirect")
        page.frames = p.strings("frames")
        page.mobileSignals = p.strings("mobile_signals")
        page.sample = p.optionalString("sample") ?? ""
        page.rendered = p.bool("rendered")
        page.numberPlacement = p.optionalString("number_placement")
        page.contentRead = p.o["risk_words"] != nil
        for h in try p.optionalObjects("risk_words") {
            page.riskWords.append(RiskWordHit(word: try h.string("word"), category: try h.string("category"), weight: try h.int("weight"),
                                              place: try h.enumValue("where", RiskPlace.self), count: try h.int("count")))
        }
        page.riskWordsDropped = p.optionalInt("risk_words_dropped") ?? 0
        for l in try p.optionalObjects("hidden_links") {
            page.hiddenLinks.append(HiddenLink(href: try l.string("href"), how: try l.string("how"), text: l.optionalString("text") ?? "",
                                               riskWord: l.optionalString("risk_word")))
        }
        page.hiddenLinksDropped = p.optionalInt("hidden_links_dropped") ?? 0
        page.linkHosts = p.strings("link_hosts")
        return page
    }

    private static func numbers(_ list: [JSONObject]) throws(RecordError) -> [ShownNumber] {
        var out: [ShownNumber] = []
        for n in list {
            out.append(ShownNumber(kind: try n.enumValue("kind", NumberKind.self), text: try n.string("text"),
                                   province: try n.string("province"), digits: try n.string("digits"),
                                   suffix: n.optionalString("suffix"), href: n.optionalString("href"),
                                   inFooter: n.bool("in_footer"), offset: try n.int("offset"), hiddenBy: n.optionalString("hidden_by")))
        }
        return out
    }

    private static func addresses(_ list: [String]) throws(RecordError) -> [IPAddress] {
        var out: [IPAddress] = []
        for text in list {
            guard let ip = IPAddress(text) else { throw RecordError(description: "'\(text)' is not an IP address") }
            out.append(ip)
        }
        return out
    }

    private static func facts(_ o: JSONObject) throws(RecordError) -> [Fact] {
        var out: [Fact] = []
        for (name, value) in o.o {
            switch value {
            case let text as String: out.append(.text(name, text))
            case let items as [String]: out.append(.list(name, items, more: o.optionalInt(name + moreSuffix) ?? 0))
            case let term as [String: Any]:
                if let word = term["term"] as? String {
                    out.append(.term(name, word))
                } else if let words = term["terms"] as? [String] {
                    out.append(.terms(name, words))
                } else {
                    throw RecordError(description: "fact '\(name)' is not a term")
                }
            case is Int where name.hasSuffix(moreSuffix): continue
            default: throw RecordError(description: "fact '\(name)' is not a text, list or term")
            }
        }
        return out
    }

    private static func object(_ line: Data) throws(RecordError) -> JSONObject {
        guard let o = try? JSONSerialization.jsonObject(with: line) as? [String: Any] else {
            throw RecordError(description: "not a JSON object")
        }
        return JSONObject(o)
    }
}

/// A line that is not the record it should be; says which field is wrong.
public struct RecordError: Error, CustomStringConvertible {
    public var description: String
}

/// Typed access to a decoded JSON object, each failure naming its field.
struct JSONObject {
    let o: [String: Any]
    init(_ o: [String: Any]) { self.o = o }

    func string(_ k: String) throws(RecordError) -> String {
        guard let v = o[k] as? String else { throw missing(k, "a string") }
        return v
    }
    func int(_ k: String) throws(RecordError) -> Int {
        guard let v = o[k] as? Int else { throw missing(k, "a number") }
        return v
    }
    func enumValue<T: RawRepresentable>(_ k: String, _: T.Type) throws(RecordError) -> T where T.RawValue == String {
        guard let v = (o[k] as? String).flatMap(T.init(rawValue:)) else { throw missing(k, "one of the known values") }
        return v
    }
    func optionalEnumValue<T: RawRepresentable>(_ k: String, _ type: T.Type) throws(RecordError) -> T? where T.RawValue == String {
        if o[k] == nil || o[k] is NSNull { return nil }
        return try enumValue(k, type)
    }
    func object(_ k: String) throws(RecordError) -> JSONObject {
        guard let v = o[k] as? [String: Any] else { throw missing(k, "an object") }
        return JSONObject(v)
    }
    func optionalObject(_ k: String) throws(RecordError) -> JSONObject? {
        if o[k] == nil || o[k] is NSNull { return nil }
        return try object(k)
    }
    func objects(_ k: String) throws(RecordError) -> [JSONObject] {
        guard let list = o[k] as? [[String: Any]] else { throw missing(k, "a list of objects") }
        return list.map(JSONObject.init)
    }
    func optionalObjects(_ k: String) throws(RecordError) -> [JSONObject] {
        if o[k] == nil || o[k] is NSNull { return [] }
        return try objects(k)
    }
    func optionalString(_ k: String) -> String? { o[k] as? String }
    func optionalInt(_ k: String) -> Int? { o[k] as? Int }
    func optionalBool(_ k: String) -> Bool? { o[k] as? Bool }
    func bool(_ k: String) -> Bool { o[k] as? Bool ?? false }
    func strings(_ k: String) -> [String] { o[k] as? [String] ?? [] }

    private func missing(_ k: String, _ what: String) -> RecordError {
        RecordError(description: "field '\(k)' is not \(what)")
    }
}
