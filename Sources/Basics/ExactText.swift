import Foundation

/// Text compared, hashed and ordered by its UTF-8 bytes — as the store's SQLite tables compare
/// their keys (`BINARY` collation).
///
/// `String`'s `==` and hashing are Unicode canonical equivalence: "é" written as U+00E9 and as
/// "e" + U+0301 are one `String` key, but two rows in SQLite and two entities in the system that
/// sent them. A key that names an entity (revisions, entity state, readiness) is held in memory as
/// `ExactText`, so the pipeline's pending state and the store always agree on which entity an
/// event is about (docs/decisions.md, 2026-12-05).
public struct ExactText: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let string: String

    @inlinable
    public init(_ string: String) { self.string = string }

    @inlinable
    public static func == (a: ExactText, b: ExactText) -> Bool { a.string.hasSameUTF8(as: b.string) }

    @inlinable
    public func hash(into hasher: inout Hasher) { hasher.combineUTF8(string) }

    /// Byte order, as SQLite orders `TEXT` keys.
    @inlinable
    public static func < (a: ExactText, b: ExactText) -> Bool { a.string.utf8.lexicographicallyPrecedes(b.string.utf8) }

    public var description: String { string }
}

extension String {
    /// Whether both strings have the same UTF-8 bytes (not `==`, which is canonical equivalence).
    @inlinable
    public func hasSameUTF8(as other: String) -> Bool {
        // memcmp: the generic `elementsEqual` compares a byte at a time (~10 instructions each).
        let contiguous = utf8.withContiguousStorageIfAvailable { a in
            other.utf8.withContiguousStorageIfAvailable { b in
                a.count == b.count && (a.count == 0 || memcmp(a.baseAddress.unsafelyUnwrapped, b.baseAddress.unsafelyUnwrapped, a.count) == 0)
            }
        }
        if let contiguous, let same = contiguous { return same }
        return utf8.elementsEqual(other.utf8)
    }
}

extension Hasher {
    /// Feeds the string's UTF-8 bytes and their count (so that consecutive fields cannot run into
    /// each other), not its Unicode-normalized form as `combine(_: String)` does.
    @inlinable
    public mutating func combineUTF8(_ text: String) {
        let done: Void? = text.utf8.withContiguousStorageIfAvailable { bytes in combine(bytes: UnsafeRawBufferPointer(bytes)) }
        if done == nil { for byte in text.utf8 { combine(byte) } }
        combine(text.utf8.count)
    }
}
