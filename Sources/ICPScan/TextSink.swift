/// Where a run of page text sits, as the scanner saw it: plain data, cheap to pass per call.
public struct TextPlace: Sendable, Equatable {
    /// The enclosing `<a>`, counted from 1 in document order; 0 outside any anchor.
    public var anchor: Int
    /// Inside a footer-like element (SPEC: `footer`, or id/class naming foot/bottom/copyright).
    public var inFooter: Bool
    /// Hidden from a person by markup: which of the scanner's `concealments` (from 1); 0: shown.
    public var hidden: Int

    public init(anchor: Int, inFooter: Bool, hidden: Int = 0) {
        self.anchor = anchor
        self.inFooter = inFooter
        self.hidden = hidden
    }
}

/// Receives page text as the parser meets it; the bytes are UTF-8 and valid only during the call.
public protocol TextSink: AnyObject {
    func text(_ bytes: UnsafeRawBufferPointer, at place: TextPlace)
    /// A block boundary (`<p>`, `<br>`, `<td>`, …): a browser shows a break there.
    func boundary()
    /// An `<a>` opened; `href` is nil when it has none (SPEC: then it is no link). Text inside
    /// it arrives with `place.anchor == id` until the next anchor opens.
    func anchorOpened(id: Int, href: String?)
}

extension TextSink {
    public func anchorOpened(id: Int, href: String?) {}
}
