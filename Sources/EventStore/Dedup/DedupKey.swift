import Basics
import Contracts

/// A 16-byte dedup key: SipHash-2-4-128 of the event type family and the contract's dedup key
/// values, under a fixed key (`DedupKey.hashKey`).
///
/// Stable across runs, versions and platforms — the key is persisted for the retention period,
/// so the hash input format below is part of the on-disk format and must never change without
/// a schema migration:
///
///     hash = SipHash128(key: "EventBridge.dedup.v1"-derived, framed(family) ‖ framed(value₁) ‖ …)
///
/// where `framed(s)` is the UTF-8 byte count as 4-byte little endian followed by the bytes.
/// Stored in SQLite as a 16-byte BLOB; `high`/`low` are the big-endian halves, so ordering keys by
/// `(high, low)` is the same as SQLite's `memcmp` order of the blobs.
public struct DedupKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(high)
        hasher.combine(low)
    }

    /// The key is a SipHash tag already: one word of it, mixed (`HashWord`), places it in a table.
    public func _rawHashValue(seed: Int) -> Int { HashWord.raw(low &+ high &* 0x9E37_79B9_7F4A_7C15, seed: seed) }

    /// The SipHash key: the ASCII bytes of "EBdedup1" and "finance!" read little endian.
    /// Part of the on-disk format.
    static let hashKey: (UInt64, UInt64) = (0x3170_7564_6564_4245, 0x2165_636e_616e_6966)

    /// The key of an event: `family` is the event type family (the contract type without
    /// version, e.g. `finance.invoice.posted`); `values` are the dedup key values in the
    /// contract's `dedupKey` pointer order, as text.
    public init(family: String, values: [String]) {
        var hasher = SipHash128(k0: DedupKey.hashKey.0, k1: DedupKey.hashKey.1)
        hasher.appendFramed(family)
        for value in values { hasher.appendFramed(value) }
        self.init(hasher)
    }

    /// The key of an event with one dedup value, `init(family:values:)` of `[value]`.
    public init(family: String, value: String) {
        self = Family(family).key(value: value)
    }

    /// The key of an event with one dedup value given as its UTF-8 bytes (no `String` made).
    public init(family: String, utf8 value: UnsafeRawBufferPointer) {
        self = Family(family).key(utf8: value)
    }

    /// A family's part of its keys, hashed once (the pipeline keeps one per event type): each key
    /// of the family then hashes only its value. The keys are `init(family:values:)`'s.
    public struct Family: Sendable {
        private let hasher: SipHash128

        public init(_ family: String) {
            var hasher = SipHash128(k0: DedupKey.hashKey.0, k1: DedupKey.hashKey.1)
            hasher.appendFramed(family)
            self.hasher = hasher
        }

        /// The key with one dedup value.
        public func key(value: String) -> DedupKey {
            var hasher = hasher
            hasher.appendFramed(value)
            return DedupKey(hasher)
        }

        /// The key with one dedup value given as its UTF-8 bytes.
        public func key(utf8 value: UnsafeRawBufferPointer) -> DedupKey {
            var hasher = hasher
            hasher.appendFramed(bytes: value)
            return DedupKey(hasher)
        }
    }

    fileprivate init(_ hasher: consuming SipHash128) {
        // The tag's bytes read big endian (the stored blob is the tag, byte for byte).
        let (first, second) = hasher.finalizeWords()
        self.init(high: first.byteSwapped, low: second.byteSwapped)
    }

    /// The key of an event from JSON values: strings hash as their text, every other value as
    /// its compact JSON text (`42`, `true`, `null`). Numbers keep their literal (`1.0` ≠ `1`).
    public init(family: String, jsonValues: [JSONValue]) {
        self.init(family: family, values: jsonValues.map { value in
            if case .string(let text) = value { return text }
            return JSONWriter.compact.string(value)
        })
    }

    /// A key from exactly 16 bytes (the tag or a stored blob). Shorter input is zero-padded.
    public init(bytes: UnsafeRawBufferPointer) {
        var high: UInt64 = 0
        var low: UInt64 = 0
        for index in 0..<16 {
            let byte = index < bytes.count ? UInt64(bytes[index]) : 0
            if index < 8 { high = (high << 8) | byte } else { low = (low << 8) | byte }
        }
        self.init(high: high, low: low)
    }

    /// The 16 bytes (big-endian `high` then `low`) as stored in SQLite.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var words = (high.bigEndian, low.bigEndian)
        return try Swift.withUnsafeBytes(of: &words, body)
    }

    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    /// A key from its 32 hex digits (`description`); nil for anything else.
    public init?(hex: String) {
        let digits = Array(hex.utf8)
        guard digits.count == 32 else { return nil }
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<16 {
            guard let hi = Hex.value(digits[2 * i]), let lo = Hex.value(digits[2 * i + 1]) else { return nil }
            bytes[i] = hi << 4 | lo
        }
        self = bytes.withUnsafeBytes { DedupKey(bytes: $0) }
    }

    /// 32 lowercase hex digits.
    public var description: String { Hex.string(bytes) }

    public static func < (a: DedupKey, b: DedupKey) -> Bool {
        a.high != b.high ? a.high < b.high : a.low < b.low
    }
}
