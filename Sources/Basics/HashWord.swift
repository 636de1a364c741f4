/// Hash-table placement for keys that already are a uniformly spread hash (a `DedupKey` is a
/// SipHash-128 tag; an entity reference carries a seeded `Hasher` digest of its strings).
///
/// `Hasher` would hash such a key a second time — seeding, combining and finalizing SipHash-1-3
/// costs about 250 instructions, and the pipeline thread looks up and inserts several keys for
/// every input. A key type returns `HashWord.raw(word, seed:)` from `_rawHashValue(seed:)`
/// instead: the word mixed with the table's seed and a secret drawn once per process, so which
/// bucket a key lands in cannot be worked out from outside the process (docs/decisions.md,
/// 2026-12-05, "hash words").
public enum HashWord {
    /// Drawn once per process (the system's random source, as `Hasher`'s own seed).
    @usableFromInline
    static let secret = UInt64.random(in: UInt64.min...UInt64.max)

    /// `word` mixed with `seed` and the process secret (the 64-bit finalizer of MurmurHash3, a
    /// bijection: distinct words never share a full hash value).
    @inlinable
    public static func raw(_ word: UInt64, seed: Int) -> Int {
        var x = word ^ secret ^ UInt64(bitPattern: Int64(seed))
        x = (x ^ (x >> 33)) &* 0xFF51_AFD7_ED55_8CCD
        x = (x ^ (x >> 33)) &* 0xC4CE_B9FE_1A85_EC53
        return Int(truncatingIfNeeded: x ^ (x >> 33))
    }
}
