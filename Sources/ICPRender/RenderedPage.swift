import ICPModel
import ICPScan

/// A page as the browser drew it, at the moment of judgement.
public struct RenderedPage: Sendable, Equatable {
    /// Where the main frame ended up (after HTTP, meta-refresh and script navigations).
    public var finalURL: String
    /// Main-frame documents in the order they were committed, the first being the one asked for.
    public var navigations: [String]
    /// The top document's title (what the tab shows; a frameset's own title).
    public var title: String
    /// A reduced HTML of only what a person sees: visible text, `<a href>` with absolute hrefs,
    /// `<div>` per block, `<footer>` around footer-named elements and around the blocks in the
    /// bottom part of the page's content (its last quarter, at most the last 600 CSS px).
    /// Hidden text is not in it (see `hidden`). Same-origin frames and open shadow roots are
    /// walked in place.
    public var visibleHTML: String
    /// Text that is in the DOM but not shown, and how it is hidden.
    public var hidden: [HiddenText]
    /// Where the blocks that look like filing numbers (ICP, 备案, 公网安备, B1/B2-) sit.
    public var placements: [Placement]
    /// The layout viewport width and the page's full height, in CSS px.
    public var pageWidth: Double
    public var pageHeight: Double
    /// `<script>` elements in the rendered top document.
    public var scriptCount: Int
    /// Same-origin frames whose documents were walked; cross-origin ones that could not be.
    public var frames: Int
    public var crossOriginFrames: Int
    /// The page's text went past the snapshot's limit (4 M characters); the rest was dropped.
    public var truncated: Bool
    /// The page had reached network idle after its load event; false when the deadline came first.
    public var settled: Bool
    /// Milliseconds from the start of this render (the retry, if any) to the snapshot.
    public var milliseconds: Int

    /// Text present in the page but not shown to a person.
    public struct HiddenText: Sendable, Equatable {
        public var text: String
        /// `display:none`, `hidden attribute`, `visibility:hidden`, `opacity:0`, `font-size:0`,
        /// `zero size`, `outside the page`, `clipped`, `clipped to nothing`, `transparent text`,
        /// `content-visibility:hidden`.
        public var how: String
        /// Inside a footer-named element.
        public var inFooter: Bool
        /// The `href` (absolute) of the link the text sits in.
        public var link: String? = nil
        /// The id and class of the element that hid it, lower-cased (a menu, a pop-up).
        public var opener: String? = nil
        /// That element is a child of a list item (a CSS dropdown).
        public var inList = false
    }

    /// A visible block whose text looks like it holds a filing number, with its box in CSS px
    /// relative to the top-left of the page.
    public struct Placement: Sendable, Equatable {
        public var text: String
        public var left: Double
        public var top: Double
        public var right: Double
        public var bottom: Double
        /// Wrapped in `<footer>` in `visibleHTML` (named a footer, or in the bottom part).
        public var inFooter: Bool
        /// Where the block's top is, as a fraction of the page's height (0 top, 1 bottom).
        public var verticalPosition: Double
        /// The block's text is centred on the page (its middle within 5% of the page's middle).
        public var centred: Bool
    }

    /// The same page facts the static scanner gives (title, shown numbers with their links and
    /// footer flag), read from `visibleHTML` by ICPScan's `PageReader`, so the judge's rules
    /// apply unchanged. Numbers only in scripts do not exist here (`scriptNumbers` is empty:
    /// the scripts ran); `scriptCount` is the rendered DOM's; `charset` is nil (the browser
    /// decoded the page; the static reading's decision stands).
    public func facts(riskWords: RiskWords = .standard) -> PageFacts {
        var facts = PageReader.read(Array(visibleHTML.utf8), contentType: "text/html; charset=utf-8", riskWords: riskWords)
        (facts.hiddenLinks, facts.hiddenLinksDropped) = hiddenLinks(riskWords)
        facts.title = PageReader.displayTitle(title)
        facts.scriptCount = scriptCount
        facts.charset = nil
        return facts
    }

    /// Links whose text the browser did not draw, one per href, but those in a region the page
    /// opens itself (the static reader's notion, `PageScanner.opensOnDemand`).
    func hiddenLinks(_ riskWords: RiskWords) -> ([HiddenLink], Int) {
        var links: [HiddenLink] = []
        var seen = Set<String>()
        var dropped = 0
        for note in hidden {
            guard let href = note.link, href.hasPrefix("http://") || href.hasPrefix("https://"),
                  !PageScanner.opensOnDemand(note.how, names: note.opener ?? "", inList: note.inList), seen.insert(href).inserted else { continue }
            guard links.count < PageScanner.maxHiddenLinks else { dropped += 1; continue }
            links.append(HiddenLink(href: href, how: "\(note.how) (drawn page)", text: note.text,
                                    riskWord: riskWords.firstWord(in: note.text) ?? riskWords.firstWord(in: href)))
        }
        return (links, dropped)
    }

    /// Filing numbers in text that is present but hidden, each with how it is hidden: what
    /// lets the judge say "hidden" instead of only "missing".
    public func hiddenNumbers() -> [(number: ShownNumber, how: String)] {
        hidden.flatMap { note in
            PageReader.read(Array(note.text.utf8), contentType: "text/plain; charset=utf-8").numbers.map { number in
                var n = number
                n.inFooter = note.inFooter
                return (n, note.how)
            }
        }
    }

    public init(finalURL: String, navigations: [String], title: String, visibleHTML: String, hidden: [HiddenText],
                placements: [Placement], pageWidth: Double, pageHeight: Double, scriptCount: Int, frames: Int,
                crossOriginFrames: Int, truncated: Bool, settled: Bool, milliseconds: Int) {
        self.finalURL = finalURL
        self.navigations = navigations
        self.title = title
        self.visibleHTML = visibleHTML
        self.hidden = hidden
        self.placements = placements
        self.pageWidth = pageWidth
        self.pageHeight = pageHeight
        self.scriptCount = scriptCount
        self.frames = frames
        self.crossOriginFrames = crossOriginFrames
        self.truncated = truncated
        self.settled = settled
        self.milliseconds = milliseconds
    }
}

extension RenderedPage {
    /// Reads the snapshot script's answer.
    init?(snapshot value: [String: Any], navigations: [String], settled: Bool, milliseconds: Int) {
        guard let html = value["html"] as? String else { return nil }
        let width = (value["pageWidth"] as? Double) ?? 0
        let height = (value["pageHeight"] as? Double) ?? 0
        let hidden = (value["hidden"] as? [[String: Any]] ?? []).map {
            HiddenText(text: $0["text"] as? String ?? "", how: $0["how"] as? String ?? "", inFooter: $0["footer"] as? Bool ?? false,
                       link: $0["link"] as? String, opener: $0["opener"] as? String, inList: $0["inList"] as? Bool ?? false)
        }
        let placements = (value["placements"] as? [[String: Any]] ?? []).map { p -> Placement in
            let left = p["left"] as? Double ?? 0, right = p["right"] as? Double ?? 0, top = p["top"] as? Double ?? 0
            return Placement(text: p["text"] as? String ?? "", left: left, top: top, right: right,
                             bottom: p["bottom"] as? Double ?? 0, inFooter: p["footer"] as? Bool ?? false,
                             verticalPosition: height > 0 ? min(1, max(0, top / height)) : 0,
                             centred: width > 0 && abs((left + right) / 2 - width / 2) <= 0.05 * width)
        }
        self.init(finalURL: value["url"] as? String ?? navigations.last ?? "", navigations: navigations,
                  title: value["title"] as? String ?? "", visibleHTML: html, hidden: hidden, placements: placements,
                  pageWidth: width, pageHeight: height, scriptCount: value["scripts"] as? Int ?? 0,
                  frames: value["frames"] as? Int ?? 0, crossOriginFrames: value["crossOriginFrames"] as? Int ?? 0,
                  truncated: value["truncated"] as? Bool ?? false, settled: settled, milliseconds: milliseconds)
    }
}
