import Foundation

/// A table from byte strings to values, built once from keys the configuration or the contract
/// catalog names (source topics, event types) and then only read — on every input, so a lookup
/// hashes the key's bytes a word at a time and compares them: no `String` is made from the input
/// and no `Hasher` runs (docs/decisions.md, 2026-12-05, "per-type plans").
///
/// The keys never come from input: a fixed key set cannot be flooded with colliding keys, so the
/// hash needs no secret, and a lookup of an unknown key costs at most the table's longest probe.
/// Its memory is its own (freed with it): a lookup reads plain memory, no array is retained.
public final class BytesTable<Value> {
    @usableFromInline
    struct Slot {
        /// Where the key's bytes are in `blob`, or -1 for an empty slot.
        @usableFromInline var offset: Int
        @usableFromInline var length: Int
        @usableFromInline var hash: UInt64
    }

    @usableFromInline let blob: UnsafeMutableRawPointer
    @usableFromInline let slots: UnsafeMutablePointer<Slot>
    @usableFromInline let values: UnsafeMutablePointer<Value?>
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
        let bytes = unique.flatMap { Array($0.key.utf8) }
        let blob = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 8)
        bytes.withUnsafeBytes { if let source = $0.baseAddress { blob.copyMemory(from: source, byteCount: $0.count) } }
        self.blob = blob
        slots = .allocate(capacity: capacity)
        slots.initialize(repeating: Slot(offset: -1, length: 0, hash: 0), count: capacity)
        values = .allocate(capacity: capacity)
        values.initialize(repeating: nil, count: capacity)
        mask = capacity - 1
        var offset = 0
        for (key, value) in unique {
            let length = key.utf8.count
            let hash = Self.hash(UnsafeRawBufferPointer(start: blob + offset, count: length))
            var slot = Int(truncatingIfNeeded: hash) & mask
            while slots[slot].offset >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Slot(offset: offset, length: length, hash: hash)
            values[slot] = value
            offset += length
        }
        keys = unique.map(\.key)
    }

    deinit {
        values.deinitialize(count: mask + 1)
        values.deallocate()
        slots.deallocate()
        blob.deallocate()
    }

    /// The value of the key with these bytes (inlinable: specialized for its `Value` where used,
    /// with no generic metadata looked up on the way).
    @inlinable
    public subscript(bytes key: UnsafeRawBufferPointer) -> Value? {
        let hash = Self.hash(key)
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let s = slots[slot]
            if s.offset < 0 { return nil }
            if s.hash == hash && s.length == key.count && Self.equal(UnsafeRawPointer(blob + s.offset), key) {
                return values[slot]
            }
            slot = (slot &+ 1) & mask
        }
    }

    /// The value of `key` (its UTF-8 bytes).
    @inlinable
    public subscript(key: String) -> Value? {
        if let found = key.utf8.withContiguousStorageIfAvailable({ self[bytes: UnsafeRawBufferPointer($0)] }) { return found }
        return Array(key.utf8).withUnsafeBytes { self[bytes: $0] }
    }

    public var count: Int { keys.count }

    /// Whether the `key.count` bytes at `a` are `key`'s: a word at a time, the last word read
    /// overlapping the one before it (no byte loop for keys of eight bytes or more).
    @inlinable @inline(__always)
    static func equal(_ a: UnsafeRawPointer, _ key: UnsafeRawBufferPointer) -> Bool {
        let count = key.count
        guard count >= 8 else {
            for i in 0..<count where a.load(fromByteOffset: i, as: UInt8.self) != key[i] { return false }
            return true
        }
        var i = 0
        while i &+ 8 < count {
            if a.loadUnaligned(fromByteOffset: i, as: UInt64.self) != key.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
            i &+= 8
        }
        return a.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self) == key.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
    }

    /// The bytes' hash: their count, then each eight bytes multiplied in — the last eight read as
    /// one word overlapping the word before; fewer than eight zero-padded.
    @inlinable @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let count = bytes.count
        var h = UInt64(truncatingIfNeeded: count) &* 0x9E37_79B9_7F4A_7C15
        if count < 8 {
            var tail: UInt64 = 0
            for i in 0..<count { tail |= UInt64(bytes[i]) << UInt64(8 &* i) }
            h = (h ^ tail) &* 0xC4CE_B9FE_1A85_EC53
            return h ^ (h >> 32)
        }
        var i = 0
        while i &+ 8 < count {
            h = (h ^ bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 29
            i &+= 8
        }
        h = (h ^ bytes.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)) &* 0xC4CE_B9FE_1A85_EC53
        return h ^ (h >> 32)
    }
}

// Sendable: written in `init` only, then read; the memory is freed by `deinit` alone.
extension BytesTable: @unchecked Sendable where Value: Sendable {}
