/// A blocked Bloom filter over dedup keys: each key sets `hashesPerKey` bits inside one 512-bit
/// block (one cache line), so a lookup costs one cache miss.
///
/// Dedup keys are already uniform 128-bit hashes, so the bit positions come straight from the
/// key: `low` picks the block (multiply-high), 9-bit slices of `high` pick the bits. With the
/// default 16 bits per key the false-positive rate is about 0.1–0.2 %; a false positive only
/// costs one SQLite lookup, never a wrong answer.
///
/// Serialized form (stored per sealed dedup generation): 8 bytes `"EBBLOOM1"`, then the words
/// little endian.
struct BloomFilter: Sendable {
    static let wordsPerBlock = 8
    static let hashesPerKey = 7
    private static let magic: [UInt8] = Array("EBBLOOM1".utf8)

    private(set) var words: [UInt64]
    var blockCount: Int { words.count / BloomFilter.wordsPerBlock }

    /// A filter sized for `expectedCount` keys at `bitsPerKey` bits each (at least one block).
    init(expectedCount: Int, bitsPerKey: Int = 16) {
        let bits = max(1, expectedCount) * max(1, bitsPerKey)
        let blocks = max(1, (bits + 511) / 512)
        words = [UInt64](repeating: 0, count: blocks * BloomFilter.wordsPerBlock)
    }

    /// A filter read back from `serialized`; nil when the bytes are not a filter.
    init?(serialized bytes: [UInt8]) {
        let header = BloomFilter.magic.count
        let payload = bytes.count - header
        guard payload > 0, payload % (8 * BloomFilter.wordsPerBlock) == 0,
            Array(bytes[0..<header]) == BloomFilter.magic
        else { return nil }
        var words = [UInt64](repeating: 0, count: payload / 8)
        bytes.withUnsafeBytes { raw in
            for index in words.indices {
                words[index] = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: header + index * 8, as: UInt64.self))
            }
        }
        self.words = words
    }

    var serialized: [UInt8] {
        var out = BloomFilter.magic
        out.reserveCapacity(out.count + words.count * 8)
        for word in words {
            withUnsafeBytes(of: word.littleEndian) { out.append(contentsOf: $0) }
        }
        return out
    }

    @inline(__always)
    private func blockStart(_ key: DedupKey) -> Int {
        Int(key.low.multipliedFullWidth(by: UInt64(blockCount)).high) * BloomFilter.wordsPerBlock
    }

    mutating func insert(_ key: DedupKey) {
        let start = blockStart(key)
        var bits = key.high
        words.withUnsafeMutableBufferPointer { buffer in
            for _ in 0..<BloomFilter.hashesPerKey {
                let bit = Int(bits & 511)
                buffer[start + bit >> 6] |= 1 << UInt64(bit & 63)
                bits >>= 9
            }
        }
    }

    func mayContain(_ key: DedupKey) -> Bool {
        let start = blockStart(key)
        var bits = key.high
        return words.withUnsafeBufferPointer { buffer in
            for _ in 0..<BloomFilter.hashesPerKey {
                let bit = Int(bits & 511)
                if buffer[start + bit >> 6] & (1 << UInt64(bit & 63)) == 0 { return false }
                bits >>= 9
            }
            return true
        }
    }
}
