/// `properties` (and the names `additionalProperties` must skip), looked up by member name:
/// a linear walk for a handful of names, an open-addressing table beyond, hashed with FNV-1a
/// over the UTF-8 bytes (a fraction of `Hasher`'s cost for short keys; the schema's names are
/// fixed, so there is no flooding to defend against).
///
/// A class: the evaluator holds a table while it evaluates each member's subschema, and a
/// reference costs one retain where a struct of five arrays costs five.
final class PropertyTable: Sendable {
    let names: [String]
    let nodes: [NodeID]
    /// UTF-8 lengths of `names`: a cheap filter before comparing strings (O(1) for native strings).
    private let lengths: [Int]
    /// The names' UTF-8 bytes back to back, name i at `utf8Starts[i]..<utf8Starts[i + 1]` (the
    /// tape's lookups compare bytes).
    private let utf8Names: [UInt8]
    private let utf8Starts: [Int]
    /// Slots of the hash table (empty when the walk is used): a name's index, or -1.
    private let slots: [Int32]
    /// The full hash of the name in each slot, compared before the strings.
    private let slotHashes: [UInt64]
    static let linearLimit = 4

    init(names: [String], nodes: [NodeID]) {
        self.names = names
        self.nodes = nodes
        lengths = names.map(\.utf8.count)
        utf8Names = names.flatMap { Array($0.utf8) }
        utf8Starts = names.reduce(into: [0]) { $0.append($0[$0.count - 1] + $1.utf8.count) }
        guard names.count > Self.linearLimit else {
            slots = []
            slotHashes = []
            return
        }
        var capacity = 8
        while capacity < names.count * 2 { capacity *= 2 }
        var slots = [Int32](repeating: -1, count: capacity)
        var slotHashes = [UInt64](repeating: 0, count: capacity)
        for (i, name) in names.enumerated() {
            let h = Self.hash(name)
            var slot = Int(truncatingIfNeeded: h) & (capacity - 1)
            while slots[slot] >= 0 { slot = (slot + 1) & (capacity - 1) }
            slots[slot] = Int32(i)
            slotHashes[slot] = h
        }
        self.slots = slots
        self.slotHashes = slotHashes
    }

    /// The position of `key` in `names`, or nil.
    @inline(__always)
    func position(of key: String) -> Int? {
        if slots.isEmpty {
            let length = key.utf8.count
            for i in lengths.indices where lengths[i] == length && names[i] == key { return i }
            return nil
        }
        let h = Self.hash(key)
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let i = Int(slots[slot])
            if i < 0 { return nil }
            if slotHashes[slot] == h && names[i] == key { return i }
            slot = (slot + 1) & mask
        }
    }

    /// `position(of:)` for a name given as bytes: equal bytes, not Swift string equality (the
    /// tape's names and the tables it is used with are ASCII, where the two agree).
    @inline(__always)
    func position(utf8 key: UnsafeBufferPointer<UInt8>) -> Int? {
        utf8Names.withUnsafeBufferPointer { blob in
            utf8Starts.withUnsafeBufferPointer { starts in
                @inline(__always) func equals(_ i: Int) -> Bool {
                    let start = starts[i]
                    guard starts[i + 1] - start == key.count else { return false }
                    return key.isEmpty || JSONBytes.equal(UnsafeRawPointer(blob.baseAddress.unsafelyUnwrapped + start),
                                                          UnsafeRawPointer(key.baseAddress.unsafelyUnwrapped), count: key.count)
                }
                if slots.isEmpty {
                    for i in 0..<names.count where equals(i) { return i }
                    return nil
                }
                let h = Self.hash(bytes: key)
                let mask = slots.count - 1
                var slot = Int(truncatingIfNeeded: h) & mask
                while true {
                    let i = Int(slots[slot])
                    if i < 0 { return nil }
                    if slotHashes[slot] == h && equals(i) { return i }
                    slot = (slot + 1) & mask
                }
            }
        }
    }

    /// Every name is ASCII (byte equality is name equality, see `position(utf8:)`).
    var isASCII: Bool { utf8Names.allSatisfy { $0 < 0x80 } }

    /// The subschema for member `key`, or nil.
    @inline(__always)
    func find(_ key: String) -> NodeID? {
        position(of: key).map { nodes[$0] }
    }

    /// FNV-1a (64-bit) of the UTF-8 bytes.
    @inline(__always)
    static func hash(_ key: String) -> UInt64 {
        if let h = key.utf8.withContiguousStorageIfAvailable(hash(bytes:)) { return h }
        return Array(key.utf8).withUnsafeBufferPointer(hash(bytes:))
    }

    @inline(__always)
    static func hash(bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        // Fold the high bits in: the table indexes with the low ones.
        return h ^ (h >> 32)
    }
}
