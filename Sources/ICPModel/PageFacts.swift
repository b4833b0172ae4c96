public enum NumberKind: String, Sendable {
    /// An ICP备 record number; site level when it carries a `-N` suffix.
    case record
    /// A telecom licence (ICP证, B1/B2): shown on pages, never a site's filed record number.
    case licence
    /// A public-security (公安) filing number.
    case psb
}

/// The services other than websites that have their own record numbers (SPEC "Numbers"): the
/// letter after the serial, `…号-2A`.
public enum ServiceNumber: Character, Sendable {
    case app = "A"
    case miniProgram = "X"
    case quickApp = "K"

    public init?(letter: UInt8) {
        guard letter < 0x80 else { return nil }
        self.init(rawValue: Character(Unicode.Scalar(letter & ~0x20)))
    }

    /// From a record's suffix, `2A`.
    public init?(suffix: String) {
        guard let last = suffix.utf8.last, suffix.utf8.count > 1 else { return nil }
        self.init(letter: last)
    }

    public var name: String {
        switch self {
        case .app: return "an app's"
        case .miniProgram: return "a mini program's"
        case .quickApp: return "a quick app's"
        }
    }
}

/// A filing number as it appears on a page.
public struct ShownNumber: Sendable, Equatable {
    public var kind: NumberKind
    /// The normalised text (separators dropped), e.g. `京ICP备12345678号-1`.
    public var text: String
    /// Province abbreviation with the alternative forms folded (川→蜀, 贵→黔, 云→滇, 甘→陇).
    public var province: String
    public var digits: String
    /// The site-level suffix N of `…号-N`, for records.
    public var suffix: String?
    /// `href` of the enclosing anchor, when any part of the number sits inside an `<a href>`.
    public var href: String?
    public var inFooter: Bool
    /// Byte offset in the page's normalised text, to tell whether it sits in the last part.
    public var offset: Int
    /// How the markup hides it from a person (`display:none on <div class="beian">`); nil: shown.
    public var hiddenBy: String?

    public init(kind: NumberKind, text: String, province: String, digits: String, suffix: String?,
                href: String?, inFooter: Bool, offset: Int, hiddenBy: String? = nil) {
        self.hiddenBy = hiddenBy
        self.kind = kind
        self.text = text
        self.province = province
        self.digits = digits
        self.suffix = suffix
        self.href = href
        self.inFooter = inFooter
        self.offset = offset
    }

    public var isLinked: Bool { href != nil }

    /// A record number of an app, mini program or quick app (`…号-2A`): not a website's number.
    public var service: ServiceNumber? { kind == .record ? suffix.flatMap(ServiceNumber.init(suffix:)) : nil }

    /// The canonical record form, `京ICP备12345678号-1`.
    public var canonical: String {
        switch kind {
        case .record: return province + "ICP备" + digits + "号" + (suffix.map { "-" + $0 } ?? "")
        case .licence, .psb: return text
        }
    }
}

/// Which encoding a page is decoded with, and what decided it (SPEC: BOM, then the HTTP
/// header, then a `<meta>` declaration, then UTF-8 when the bytes are valid UTF-8, else GB18030).
public struct CharsetDecision: Sendable, Equatable {
    public enum Source: String, Sendable { case bom, http, meta, sniff }
    public var name: String
    public var source: Source
    /// Bytes of BOM to drop before parsing.
    public var bomLength: Int = 0

    public init(name: String, source: Source, bomLength: Int = 0) {
        self.name = name
        self.source = source
        self.bomLength = bomLength
    }
}

/// A page that sends the browser on by itself: a meta refresh, or a script that only does that.
public struct PageRedirect: Sendable, Equatable {
    public var kind: HopKind
    /// The target as the page writes it (relative or absolute).
    public var url: String
    /// Seconds before a meta refresh fires; 0 for scripts.
    public var delay: Int

    public init(kind: HopKind, url: String, delay: Int = 0) {
        self.kind = kind
        self.url = url
        self.delay = delay
    }
}

/// What the rules need to know about one page, gathered while it streamed through.
public struct PageFacts: CopyOnWrite {
    public struct Fields: Sendable, Equatable {
        public var title: String
        /// Numbers a browser shows.
        public var numbers: [ShownNumber]
        /// Numbers that exist only inside `<script>`.
        public var scriptNumbers: [ShownNumber]
        /// Numbers in the HTML that its markup hides from a person (each says how).
        public var hiddenNumbers: [ShownNumber] = []
        /// Numbers seen but not kept (a directory of hundreds); footer numbers are always kept.
        public var numbersDropped = 0
        public var shownCharacters: Int
        public var textLength: Int
        public var scriptCount: Int
        /// Of those, scripts that cannot draw the page (analytics tags, libraries loaded by
        /// themselves, data blocks): a page with only these is what static reading sees.
        public var inertScripts = 0
        /// A fingerprint of the scripts (`src`, `type`, inline text); nil when one was too long
        /// to read whole. With the rest of the facts equal, two hosts serve the same page.
        public var scriptsDigest: UInt64?
        /// `<img>` elements: a page of pictures is not an empty page.
        public var images = 0
        public var charset: CharsetDecision?
        /// Where the page sends the browser by itself (followed like a redirect).
        public var redirect: PageRedirect?
        /// A script that sends the browser on under a condition static reading cannot decide (the
        /// User-Agent, the screen): what it depends on. Rendering decides it.
        public var conditionalRedirect: String?
        /// The frames the page shows instead of content of its own (a frameset's frames, or one
        /// full-page iframe): their `src` as written.
        public var frames: [String] = []
        /// How the page announces a mobile variant (`mobile-agent` meta, an alternate link for small
        /// screens, a redirect by User-Agent).
        public var mobileSignals: [String] = []
        /// The beginning of a short page's text (normalised), for recognising default pages.
        public var sample = ""
        /// The page was drawn by a browser (`--render`), not read statically.
        public var rendered = false
        /// Where a browser drew the filing numbers: `bottom (93% down), centred`.
        public var numberPlacement: String?
        /// Risk words seen in the title, meta description and keywords, visible text and link
        /// texts (distinct word and place, each with its count); those past the cap are counted.
        public var riskWords: [RiskWordHit] = []
        public var riskWordsDropped = 0
        /// Hidden links to absolute URLs (up to a cap), and how many more there were.
        public var hiddenLinks: [HiddenLink] = []
        public var hiddenLinksDropped = 0
        /// The hosts its absolute links go to, visible or not, each once (up to a cap); read
        /// statically only (`--cloak-check` compares two static readings).
        public var linkHosts: [String] = []
        /// The page was read for content risks (false for observations saved before they were).
        public var contentRead = true

        init(title: String, numbers: [ShownNumber], scriptNumbers: [ShownNumber], shownCharacters: Int,
             textLength: Int, scriptCount: Int, charset: CharsetDecision?) {
            self.title = title
            self.numbers = numbers
            self.scriptNumbers = scriptNumbers
            self.shownCharacters = shownCharacters
            self.textLength = textLength
            self.scriptCount = scriptCount
            self.charset = charset
        }
    }

    public var storage: CopyOnWriteStorage<Fields>

    /// A page showing less text than this while carrying scripts is a script-rendered shell;
    /// with less than this, a lone iframe or a script redirect is the whole page.
    public static let shellCharacters = 200

    /// Little text of its own, and scripts that may draw more (analytics tags and libraries on
    /// their own cannot): a fact of the page, which the rules judge and the renderer draws.
    public var isScriptShell: Bool { self.scriptCount > self.inertScripts && self.shownCharacters < Self.shellCharacters }

    public init(title: String, numbers: [ShownNumber], scriptNumbers: [ShownNumber], shownCharacters: Int,
                textLength: Int, scriptCount: Int, charset: CharsetDecision?) {
        storage = CopyOnWriteStorage(Fields(title: title, numbers: numbers, scriptNumbers: scriptNumbers, shownCharacters: shownCharacters,
                                 textLength: textLength, scriptCount: scriptCount, charset: charset))
    }
}

extension PageFacts {
    /// Adds a frame's content to the page, as a person sees the two together: the frame's
    /// text after the top document's (so a footer frame is the page's bottom); the title stays
    /// the top document's (what the browser tab shows).
    public mutating func include(frame: PageFacts) {
        self[dynamicMember: \Fields.self].include(frame: frame[dynamicMember: \Fields.self])
    }
}

extension PageFacts.Fields {
    mutating func include(frame: PageFacts.Fields) {
        let shift = textLength
        let shifted = { (list: [ShownNumber]) in list.map { n -> ShownNumber in var n = n; n.offset += shift; return n } }
        numbers += shifted(frame.numbers)
        scriptNumbers += shifted(frame.scriptNumbers)
        hiddenNumbers += shifted(frame.hiddenNumbers)
        numbersDropped += frame.numbersDropped
        shownCharacters += frame.shownCharacters
        textLength += frame.textLength
        scriptCount += frame.scriptCount
        inertScripts += frame.inertScripts
        images += frame.images
        mobileSignals += frame.mobileSignals
        riskWords += frame.riskWords
        riskWordsDropped += frame.riskWordsDropped
        hiddenLinks += frame.hiddenLinks
        hiddenLinksDropped += frame.hiddenLinksDropped
        linkHosts += frame.linkHosts.filter { !linkHosts.contains($0) }
        conditionalRedirect = conditionalRedirect ?? frame.conditionalRedirect
        sample = [sample, frame.sample].filter { !$0.isEmpty }.joined(separator: " ")
    }
}
