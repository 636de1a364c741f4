import Synchronization

/// Word-at-a-time byte classification shared by the parser and the writer.
///
/// Each function looks at eight bytes loaded little-endian into a `UInt64` and sets the high bit of
/// every byte lane that needs attention. Borrows only run upward from a lane that is itself a hit,
/// so the lowest set lane (`trailingZeroBitCount / 8`) is always exact; higher lanes may be false
/// positives, which is why callers look at one byte and then scan on.
enum JSONBytes {
    static let ones: UInt64 = 0x0101_0101_0101_0101
    static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// Lanes holding `"`, `\` or a control character (< 0x20). Bytes ≥ 0x80 are never flagged.
    @inline(__always)
    static func needsEscape(_ x: UInt64) -> UInt64 {
        let quote = x ^ (ones &* 0x22)
        let backslash = x ^ (ones &* 0x5C)
        let hits = (x &- ones &* 0x20) | (quote &- ones) | (backslash &- ones)
        return hits & ~x & highBits
    }

    /// Lanes holding `"` or `\`.
    @inline(__always)
    static func quoteOrBackslash(_ x: UInt64) -> UInt64 {
        let quote = x ^ (ones &* 0x22)
        let backslash = x ^ (ones &* 0x5C)
        return ((quote &- ones) | (backslash &- ones)) & ~x & highBits
    }

    /// `needsEscape` plus every lane ≥ 0x80 (the parser's ASCII fast path stops there).
    @inline(__always)
    static func needsEscapeOrNonASCII(_ x: UInt64) -> UInt64 {
        needsEscape(x) | (x & highBits)
    }

    /// Loads eight bytes at `offset` (the caller guarantees they are in bounds).
    @inline(__always)
    static func word(_ base: UnsafeRawPointer, _ offset: Int) -> UInt64 {
        UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// The first `count` (0...8) bytes at `offset` as a word, zero-padded; never reads past `offset + count`.
    @inline(__always)
    static func partialWord(_ base: UnsafeRawPointer, _ offset: Int, count: Int) -> UInt64 {
        var w: UInt64 = 0
        var k = count
        while k > 0 {
            k -= 1
            w = w << 8 | UInt64(base.load(fromByteOffset: offset + k, as: UInt8.self))
        }
        return w
    }

    /// The value of a hex digit (either case), or nil.
    @inline(__always)
    static func hexDigit(_ c: UInt8) -> UInt32? {
        switch c {
        case 0x30...0x39: return UInt32(c - 0x30)
        case 0x41...0x46: return UInt32(c - 0x41 + 10)
        case 0x61...0x66: return UInt32(c - 0x61 + 10)
        default: return nil
        }
    }

    /// The four hex digits of a `\u` escape at `j`, or nil (too few bytes, or not hex).
    static func hex4(_ p: UnsafeBufferPointer<UInt8>, at j: Int) -> UInt32? {
        guard j + 4 <= p.count else { return nil }
        var v: UInt32 = 0
        for k in 0..<4 {
            guard let d = hexDigit(p[j + k]) else { return nil }
            v = v << 4 | d
        }
        return v
    }

    /// Whether `count` bytes at `a` and at `b` are equal, compared a word at a time.
    @inline(__always)
    static func equal(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, count: Int) -> Bool {
        var k = 0
        while k + 8 <= count {
            if word(a, k) != word(b, k) { return false }
            k += 8
        }
        return partialWord(a, k, count: count - k) == partialWord(b, k, count: count - k)
    }

    /// A 64-bit digest of bytes, equal for equal byte sequences: a cheap filter before comparing
    /// strings, never a substitute for comparing them (it is not seeded).
    static func digest(_ base: UnsafeRawPointer, count: Int) -> UInt64 {
        if count <= 16 {
            let first = partialWord(base, 0, count: min(count, 8))
            let second = count > 8 ? partialWord(base, 8, count: count - 8) : 0
            return shortDigest(first, second, count: count)
        }
        var h = UInt64(truncatingIfNeeded: count) &* 0x9E37_79B9_7F4A_7C15
        var k = 0
        while k + 8 <= count {
            h = (h ^ word(base, k)) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 29
            k += 8
        }
        h = (h ^ partialWord(base, k, count: count - k)) &* 0xC4CE_B9FE_1A85_EC53
        return h ^ (h >> 32)
    }

    /// `digest` of a string of at most 16 bytes given as two zero-padded words.
    @inline(__always)
    static func shortDigest(_ first: UInt64, _ second: UInt64, count: Int) -> UInt64 {
        let h = (first &* 0x9E37_79B9_7F4A_7C15) ^ (second &* 0xC2B2_AE3D_27D4_EB4F) ^ UInt64(truncatingIfNeeded: count)
        return h ^ (h >> 29)
    }
}

/// A stack of values on manually managed memory, reused across a whole document so that
/// building an array or object costs one exact-size allocation instead of repeated growth.
struct ScratchStack<Element>: ~Copyable {
    private var base: UnsafeMutablePointer<Element>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 1)
        base = UnsafeMutablePointer<Element>.allocate(capacity: self.capacity)
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    @inline(__always)
    mutating func push(_ element: consuming Element) {
        if count == capacity { grow() }
        (base + count).initialize(to: element)
        count += 1
    }

    subscript(position: Int) -> Element {
        @inline(__always) get { base[position] }
        @inline(__always) _modify { yield &base[position] }
    }

    /// Moves the elements from `start` to the top into a new array and pops them.
    mutating func popArray(from start: Int) -> [Element] {
        // `reserveCapacity` + `append` rather than `init(unsafeUninitializedCapacity:)`: the latter
        // allocates through an unspecialized stdlib entry point that looks up metadata every call.
        var result: [Element] = []
        result.reserveCapacity(count - start)
        for k in start..<count { result.append((base + k).move()) }
        count = start
        return result
    }

    /// Pops to `start`, destroying what was above it.
    mutating func pop(to start: Int) {
        (base + start).deinitialize(count: count - start)
        count = start
    }

    private mutating func grow() {
        let bigger = UnsafeMutablePointer<Element>.allocate(capacity: capacity * 2)
        bigger.moveInitialize(from: base, count: count)
        base.deallocate()
        base = bigger
        capacity *= 2
    }
}

/// Strings of at most 16 bytes already built, looked up by their bytes, so repeated member names
/// and short values (`"currency"`, `"EUR"`, `"19"`) are built once rather than once per document.
/// Direct-mapped: a clash simply replaces the older entry, so a crafted clash costs a rebuild, never
/// more. Caches live in a small pool and serve one parser at a time (`take`/`giveBack`).
final class ShortStringCache: @unchecked Sendable {
    // @unchecked Sendable: the entries are mutated through `entries` only by the one parser that
    // has taken the cache out of `pool` (under its lock); caches in the pool are not touched.
    private struct Entry {
        var first: UInt64
        var second: UInt64
        /// The string's length in bytes; -1 for an empty slot.
        var count: Int
        var value: String
    }

    private static let slotBits = 9
    private static let pool = Mutex<[ShortStringCache]>([])
    private static let pooledLimit = 16
    private let entries: UnsafeMutablePointer<Entry>

    private init() {
        entries = UnsafeMutablePointer<Entry>.allocate(capacity: 1 << Self.slotBits)
        entries.initialize(repeating: Entry(first: 0, second: 0, count: -1, value: ""), count: 1 << Self.slotBits)
    }

    deinit {
        entries.deinitialize(count: 1 << Self.slotBits)
        entries.deallocate()
    }

    /// A cache for one parser's exclusive use: warm from the pool when one is free.
    static func take() -> ShortStringCache {
        pool.withLock { $0.popLast() } ?? ShortStringCache()
    }

    /// Returns a cache taken with `take` once its parser is done with it.
    static func giveBack(_ cache: ShortStringCache) {
        pool.withLock { caches in
            if caches.count < pooledLimit { caches.append(cache) }
        }
    }

    @inline(__always)
    private static func slot(_ digest: UInt64) -> Int { Int(truncatingIfNeeded: digest >> UInt64(64 - slotBits)) }

    /// The cached string with these bytes (two zero-padded words and a length), if any.
    @inline(__always)
    func lookup(_ first: UInt64, _ second: UInt64, count: Int, digest: UInt64) -> String? {
        let e = entries + Self.slot(digest)
        guard e.pointee.count == count, e.pointee.first == first, e.pointee.second == second else { return nil }
        return e.pointee.value
    }

    func insert(_ value: String, _ first: UInt64, _ second: UInt64, count: Int, digest: UInt64) {
        entries[Self.slot(digest)] = Entry(first: first, second: second, count: count, value: value)
    }
}
