import Foundation

/// A table from byte strings to values, built once from keys the configuration or the contract
/// catalog names (source topics, event types) and then only read — on every input, so a lookup
/// hashes the key's bytes a word at a time and compares them: no `String` is made from the input
/// and no `Hasher` runs (docs/decisions.md, 2026-12-05, "per-type plans").
///
/// The keys never come from input: a fixed key set cannot be flooded with colliding keys, so the
/// hash needs no secret, and a lookup of an unknown key costs at most the table's longest probe.
public struct BytesTable<Value> {
    /// Every key's bytes, one after another (`offsets`/`lengths` say where).
    @usableFromInline let blob: [UInt8]
    /// Per slot: the key's offset in `blob`, or -1 for an empty slot.
    @usableFromInline let offsets: [Int]
    @usableFromInline let lengths: [Int]
    @usableFromInline let hashes: [UInt64]
    @usableFromInline let values: [Value?]
    @usableFromInline let mask: Int
    /// The keys, in the order given.
    public let keys: [String]

    /// `pairs` with distinct keys (a repeated key keeps its last value).
    public init(_ pairs: [(key: String, value: Value)]) {
        var unique: [(key: String, value: Value)] = []
        for pair in pairs {
            if let k = unique.firstIndex(where: { $0.key.utf8.elementsEqual(pair.key.utf8) }) { unique[k].value = pair.value } else { unique.append(pair) }
        }
        var capacity = 4
        while capacity < unique.count * 2 { capacity *= 2 }
        var blob: [UInt8] = []
        var offsets = [Int](repeating: -1, count: capacity)
        var lengths = [Int](repeating: 0, count: capacity)
        var hashes = [UInt64](repeating: 0, count: capacity)
        var values = [Value?](repeating: nil, count: capacity)
        for (key, value) in unique {
            let bytes = Array(key.utf8)
            let hash = bytes.withUnsafeBytes(Self.hash)
            var slot = Int(truncatingIfNeeded: hash) & (capacity - 1)
            while offsets[slot] >= 0 { slot = (slot + 1) & (capacity - 1) }
            (offsets[slot], lengths[slot], hashes[slot], values[slot]) = (blob.count, bytes.count, hash, value)
            blob += bytes
        }
        (self.blob, self.offsets, self.lengths, self.hashes, self.values, mask) = (blob, offsets, lengths, hashes, values, capacity - 1)
        keys = unique.map(\.key)
    }

    /// The value of the key with these bytes (inlinable: specialized for its `Value` where used,
    /// with no generic metadata looked up on the way).
    @inlinable
    public subscript(bytes key: UnsafeRawBufferPointer) -> Value? {
        let hash = Self.hash(key)
        var slot = Int(truncatingIfNeeded: hash) & mask
        return blob.withUnsafeBytes { blob in
            while true {
                let offset = offsets[slot]
                if offset < 0 { return nil }
                if hashes[slot] == hash && lengths[slot] == key.count
                    && (key.count == 0 || memcmp(blob.baseAddress.unsafelyUnwrapped + offset, key.baseAddress.unsafelyUnwrapped, key.count) == 0) {
                    return values[slot]
                }
                slot = (slot &+ 1) & mask
            }
        }
    }

    /// The value of `key` (its UTF-8 bytes).
    @inlinable
    public subscript(key: String) -> Value? {
        if let found = key.utf8.withContiguousStorageIfAvailable({ self[bytes: UnsafeRawBufferPointer($0)] }) { return found }
        return Array(key.utf8).withUnsafeBytes { self[bytes: $0] }
    }

    public var count: Int { keys.count }

    /// The bytes' hash: their count, then each eight bytes (the last ones zero-padded) multiplied in.
    @inlinable @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h = UInt64(truncatingIfNeeded: bytes.count) &* 0x9E37_79B9_7F4A_7C15
        var i = 0
        while i &+ 8 <= bytes.count {
            h = (h ^ bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 29
            i &+= 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < bytes.count {
            tail |= UInt64(bytes[i]) << shift
            shift &+= 8
            i &+= 1
        }
        h = (h ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        return h ^ (h >> 32)
    }
}

extension BytesTable: Sendable where Value: Sendable {}
