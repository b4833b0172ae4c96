public enum NumberKind: String, Sendable {
    /// An ICP备 record number; site level when it carries a `-N` suffix.
    case record
    /// A telecom licence (ICP证, B1/B2): shown on pages, never a site's filed record number.
    case licence
    /// A public-security (公安) filing number.
    case psb
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

    public init(kind: NumberKind, text: String, province: String, digits: String, suffix: String?,
                href: String?, inFooter: Bool, offset: Int) {
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

/// What the rules need to know about one page, gathered while it streamed through.
public struct PageFacts: Sendable, Equatable {
    public var title: String
    /// Numbers a browser shows.
    public var numbers: [ShownNumber]
    /// Numbers that exist only inside `<script>`.
    public var scriptNumbers: [ShownNumber]
    public var shownCharacters: Int
    public var textLength: Int
    public var scriptCount: Int
    public var charset: CharsetDecision?

    public init(title: String, numbers: [ShownNumber], scriptNumbers: [ShownNumber], shownCharacters: Int,
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
