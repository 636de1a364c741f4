/// Which members or items of one instance some keyword has evaluated: the annotations that
/// `unevaluatedProperties`/`unevaluatedItems` read. A bit per member index (object members in
/// document order, array indices); the first 64 live inline, so small documents never allocate.
struct IndexSet64: Sendable {
    private var low: UInt64 = 0
    private var high: [UInt64] = []

    @inline(__always)
    func contains(_ i: Int) -> Bool {
        if i < 64 { return low & (1 << UInt64(i)) != 0 }
        let word = i / 64 - 1
        return word < high.count && high[word] & (1 << UInt64(i % 64)) != 0
    }

    @inline(__always)
    mutating func insert(_ i: Int) {
        if i < 64 {
            low |= 1 << UInt64(i)
            return
        }
        let word = i / 64 - 1
        if word >= high.count { high.append(contentsOf: repeatElement(0, count: word - high.count + 1)) }
        high[word] |= 1 << UInt64(i % 64)
    }

    mutating func formUnion(_ other: IndexSet64) {
        low |= other.low
        if high.count < other.high.count { high.append(contentsOf: repeatElement(0, count: other.high.count - high.count)) }
        for k in other.high.indices { high[k] |= other.high[k] }
    }
}

/// The annotations collected for one instance location while evaluating in-place applicators.
struct Evaluated: Sendable {
    var allProperties = false
    var properties = IndexSet64()
    var allItems = false
    var items = IndexSet64()

    mutating func merge(_ other: Evaluated) {
        allProperties = allProperties || other.allProperties
        allItems = allItems || other.allItems
        if !allProperties { properties.formUnion(other.properties) }
        if !allItems { items.formUnion(other.items) }
    }

    func hasProperty(_ i: Int) -> Bool { allProperties || properties.contains(i) }
    func hasItem(_ i: Int) -> Bool { allItems || items.contains(i) }
}
