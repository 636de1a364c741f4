/// A set of dedup keys as an open-addressing table (linear probing, load ≤ ½), without
/// `Hasher`: keys are already uniform 128-bit hashes, so a slot is one multiply away.
///
/// The multiplier is random per table, so even someone who knows the SipHash key and crafts
/// keys colliding in some bits cannot aim them at this process's slots. Insert-only (no
/// removal, hence no tombstones): the store replaces whole sets instead of removing keys.
/// About 5× faster than `Set<DedupKey>` on the hot path (no SipHash-1-3 per operation).
struct DedupKeySet: Sequence, Sendable {
    /// Slots; an all-zero key marks an empty slot, so the zero key itself is kept in `hasZero`.
    private var slots: [DedupKey]
    private var shift: UInt64
    private let multiplier: UInt64
    private var hasZero = false
    private(set) var count = 0

    init(minimumCapacity: Int = 16) {
        var capacity = 16
        while capacity < minimumCapacity * 2 { capacity <<= 1 }
        slots = [DedupKey](repeating: DedupKey(high: 0, low: 0), count: capacity)
        shift = UInt64(64 - capacity.trailingZeroBitCount)
        multiplier = UInt64.random(in: 1...UInt64.max) | 1
    }

    init<S: Sequence>(_ keys: S) where S.Element == DedupKey {
        self.init(minimumCapacity: keys.underestimatedCount)
        for key in keys { insert(key) }
    }

    var isEmpty: Bool { count == 0 }

    @inline(__always)
    private func slot(_ key: DedupKey) -> Int {
        Int(truncatingIfNeeded: ((key.high ^ key.low) &* multiplier) >> shift)
    }

    func contains(_ key: DedupKey) -> Bool {
        if key.high == 0 && key.low == 0 { return hasZero }
        return slots.withUnsafeBufferPointer { buffer in
            let mask = buffer.count - 1
            var index = slot(key)
            while true {
                let candidate = buffer[index]
                if candidate == key { return true }
                if candidate.high == 0 && candidate.low == 0 { return false }
                index = (index + 1) & mask
            }
        }
    }

    /// Inserts `key`; false when it was already present.
    @discardableResult
    mutating func insert(_ key: DedupKey) -> Bool {
        if key.high == 0 && key.low == 0 {
            guard !hasZero else { return false }
            hasZero = true
            count += 1
            return true
        }
        if (count + 1) * 2 > slots.count { grow() }
        let start = slot(key)
        let inserted = slots.withUnsafeMutableBufferPointer { buffer -> Bool in
            let mask = buffer.count - 1
            var index = start
            while true {
                let candidate = buffer[index]
                if candidate == key { return false }
                if candidate.high == 0 && candidate.low == 0 {
                    buffer[index] = key
                    return true
                }
                index = (index + 1) & mask
            }
        }
        if inserted { count += 1 }
        return inserted
    }

    mutating func formUnion(_ other: DedupKeySet) {
        for key in other { insert(key) }
    }

    private mutating func grow() {
        let old = slots
        let oldZero = hasZero
        slots = [DedupKey](repeating: DedupKey(high: 0, low: 0), count: old.count * 2)
        shift -= 1
        count = 0
        hasZero = false
        for key in old where key.high != 0 || key.low != 0 { insert(key) }
        if oldZero { insert(DedupKey(high: 0, low: 0)) }
    }

    struct Iterator: IteratorProtocol {
        fileprivate var slots: IndexingIterator<[DedupKey]>
        fileprivate var zeroPending: Bool

        mutating func next() -> DedupKey? {
            while let key = slots.next() {
                if key.high != 0 || key.low != 0 { return key }
            }
            if zeroPending {
                zeroPending = false
                return DedupKey(high: 0, low: 0)
            }
            return nil
        }
    }

    func makeIterator() -> Iterator { Iterator(slots: slots.makeIterator(), zeroPending: hasZero) }

    var underestimatedCount: Int { count }
}
