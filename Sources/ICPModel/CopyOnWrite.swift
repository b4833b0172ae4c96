/// A value whose fields live in copy-on-write storage behind one reference. Page facts and host
/// observations travel through every async frame between the scanner and the judge (host,
/// view, attempt, site), and an async frame keeps every value it holds across an await: one
/// reference instead of hundreds of bytes inline keeps those frames small with thousands of
/// hosts in flight. Fields are read and written as if stored (`page.title`,
/// `seen.hops.append(…)`): in place when this value alone holds the storage, on a copy otherwise.
@dynamicMemberLookup
public protocol CopyOnWrite: Sendable, Equatable {
    associatedtype Fields: Sendable, Equatable
    var storage: CopyOnWriteStorage<Fields> { get set }
}

public final class CopyOnWriteStorage<Fields: Sendable>: @unchecked Sendable {
    // Written only through `CopyOnWrite`'s `_modify`, once this storage is held by one value.
    public fileprivate(set) var fields: Fields
    public init(_ fields: Fields) { self.fields = fields }
}

extension CopyOnWrite {
    public subscript<T>(dynamicMember field: WritableKeyPath<Fields, T>) -> T {
        get { storage.fields[keyPath: field] }
        _modify {
            if !isKnownUniquelyReferenced(&storage) { storage = CopyOnWriteStorage(storage.fields) }
            yield &storage.fields[keyPath: field]
        }
    }

    /// Computed properties of the fields (read only).
    public subscript<T>(dynamicMember field: KeyPath<Fields, T>) -> T { storage.fields[keyPath: field] }

    public static func == (a: Self, b: Self) -> Bool { a.storage === b.storage || a.storage.fields == b.storage.fields }
}
