/// Where a run of page text sits, as the scanner saw it.
public struct TextPlace: Sendable, Equatable {
    /// Places are equal when they sit in the same anchor (by id) and the same region.
    public static func == (a: TextPlace, b: TextPlace) -> Bool { a.anchor?.id == b.anchor?.id && a.inFooter == b.inFooter }

    /// The enclosing `<a>`: nil outside any anchor; an anchor without `href` has `href == nil`.
    public var anchor: Anchor?
    /// Inside a footer-like element (SPEC: `footer`, or id/class naming foot/bottom/copyright).
    public var inFooter: Bool

    public init(anchor: Anchor?, inFooter: Bool) {
        self.anchor = anchor
        self.inFooter = inFooter
    }
}

public struct Anchor: Sendable, Equatable {
    /// Counts anchors in document order, so runs of one anchor can be told from the next.
    public var id: Int
    public var href: String?
    public init(id: Int, href: String?) {
        self.id = id
        self.href = href
    }
}

/// Receives page text as the parser meets it; the bytes are UTF-8 and valid only during the call.
public protocol TextSink: AnyObject {
    func text(_ bytes: UnsafeRawBufferPointer, at place: TextPlace)
    /// A block boundary (`<p>`, `<br>`, `<td>`, …): a browser shows a break there.
    func boundary()
}
