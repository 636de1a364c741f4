/// SipHash-2-4 with a 128-bit tag (Aumasson & Bernstein; reference: github.com/veorq/SipHash).
///
/// Used for dedup keys, which live in the store for weeks and must hash the same on every run
/// and platform — unlike Swift's `Hasher`, which is seeded per process. Incremental: append
/// bytes in any chunking, then `finalize()`. Verified against the reference test vectors.
struct SipHash128 {
    private var v0: UInt64
    private var v1: UInt64
    private var v2: UInt64
    private var v3: UInt64
    /// Up to 7 bytes not yet forming a full 64-bit word, little-endian packed.
    private var tail: UInt64 = 0
    private var tailCount = 0
    private var length: UInt64 = 0

    /// A hasher with the 128-bit key `(k0, k1)` (each the little-endian reading of 8 key bytes).
    init(k0: UInt64, k1: UInt64) {
        v0 = k0 ^ 0x736f_6d65_7073_6575
        v1 = k1 ^ 0x646f_7261_6e64_6f6d ^ 0xee
        v2 = k0 ^ 0x6c79_6765_6e65_7261
        v3 = k1 ^ 0x7465_6462_7974_6573
    }

    @inline(__always)
    private mutating func round() {
        v0 &+= v1; v1 = (v1 << 13) | (v1 >> 51); v1 ^= v0; v0 = (v0 << 32) | (v0 >> 32)
        v2 &+= v3; v3 = (v3 << 16) | (v3 >> 48); v3 ^= v2
        v0 &+= v3; v3 = (v3 << 21) | (v3 >> 43); v3 ^= v0
        v2 &+= v1; v1 = (v1 << 17) | (v1 >> 47); v1 ^= v2; v2 = (v2 << 32) | (v2 >> 32)
    }

    @inline(__always)
    private mutating func compress(_ word: UInt64) {
        v3 ^= word
        round()
        round()
        v0 ^= word
    }

    mutating func append(_ byte: UInt8) {
        tail |= UInt64(byte) << UInt64(8 * tailCount)
        tailCount += 1
        length &+= 1
        if tailCount == 8 {
            compress(tail)
            tail = 0
            tailCount = 0
        }
    }

    mutating func append<Bytes: Sequence>(contentsOf bytes: Bytes) where Bytes.Element == UInt8 {
        let done: Void? = bytes.withContiguousStorageIfAvailable { append(bytes: UnsafeRawBufferPointer($0)) }
        if done == nil {
            for byte in bytes { append(byte) }
        }
    }

    /// Appends whole 64-bit words at a time (the fast path for contiguous bytes). With bytes
    /// pending from an earlier append, each word read is split: its low bytes complete the
    /// pending word, its high bytes become the new pending ones — never a byte at a time.
    mutating func append(bytes: UnsafeRawBufferPointer) {
        let count = bytes.count
        length &+= UInt64(count)
        var index = 0
        if tailCount == 0 {
            while index &+ 8 <= count {
                compress(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)))
                index &+= 8
            }
        } else {
            let shift = UInt64(8 &* tailCount)
            while index &+ 8 <= count {
                let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                compress(tail | word << shift)
                tail = word >> (64 &- shift)
                index &+= 8
            }
        }
        // Fewer than eight left: into the pending word, compressed when it fills.
        while index < count {
            tail |= UInt64(bytes[index]) << UInt64(8 &* tailCount)
            tailCount &+= 1
            index &+= 1
            if tailCount == 8 {
                compress(tail)
                tail = 0
                tailCount = 0
            }
        }
    }

    /// Appends the 4-byte little-endian length followed by the bytes: framing, so that
    /// ("ab", "c") and ("a", "bc") hash differently.
    mutating func appendFramed(_ text: String) {
        let done: Void? = text.utf8.withContiguousStorageIfAvailable { appendFramed(bytes: UnsafeRawBufferPointer($0)) }
        if done == nil { Array(text.utf8).withUnsafeBytes { appendFramed(bytes: $0) } }
    }

    /// `appendFramed` of these bytes.
    mutating func appendFramed(bytes: UnsafeRawBufferPointer) {
        var count = UInt32(truncatingIfNeeded: bytes.count).littleEndian
        withUnsafeBytes(of: &count) { append(bytes: $0) }
        append(bytes: bytes)
    }

    /// The tag as two words: bytes 0–7 and 8–15 of the tag, each read little endian.
    mutating func finalizeWords() -> (UInt64, UInt64) {
        let last = ((length & 0xff) << 56) | tail
        compress(last)
        v2 ^= 0xee
        round(); round(); round(); round()
        let first = v0 ^ v1 ^ v2 ^ v3
        v1 ^= 0xdd
        round(); round(); round(); round()
        return (first, v0 ^ v1 ^ v2 ^ v3)
    }

    /// The 16-byte tag, in the reference implementation's byte order.
    mutating func finalize() -> [UInt8] {
        let (first, second) = finalizeWords()
        var out = [UInt8]()
        out.reserveCapacity(16)
        for word in [first, second] {
            for shift in stride(from: 0, to: 64, by: 8) { out.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
        }
        return out
    }

    /// A 64-bit hash of `text` (the first half of the tag under the dedup hash key), as a
    /// signed integer for SQLite. Used for the ledger's trace indexes; stable like the tag.
    static func hash64(_ text: String) -> Int64 {
        var hasher = SipHash128(k0: DedupKey.hashKey.0, k1: DedupKey.hashKey.1)
        hasher.append(contentsOf: text.utf8)
        return Int64(bitPattern: hasher.finalizeWords().0)
    }
}
