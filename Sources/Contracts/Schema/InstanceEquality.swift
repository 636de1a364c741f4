/// JSON Schema equality for `const`, `enum` and `uniqueItems`: numbers by value (`1 == 1.0`),
/// objects regardless of member order, and strings by code points.
///
/// Swift's `String ==` (and so `JSONValue ==`) uses Unicode canonical equivalence, under which
/// `"é"` (U+00E9) equals `"e\u{301}"`; JSON Schema says those are different strings. So this
/// compares strings byte for byte after the cheap canonical check.
enum InstanceEquality {
    static func equal(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y
        case (.string(let x), .string(let y)): return sameScalars(x, y)
        case (.array(let x), .array(let y)):
            guard x.count == y.count else { return false }
            for i in x.indices where !equal(x[i], y[i]) { return false }
            return true
        case (.object(let x), .object(let y)):
            guard x.count == y.count else { return false }
            for member in x {
                guard let other = lookup(member.key, in: y), equal(member.value, other) else { return false }
            }
            return true
        default:
            return false
        }
    }

    @inline(__always)
    static func sameScalars(_ x: String, _ y: String) -> Bool {
        // Not canonically equal ⇒ not equal; canonically equal ⇒ confirm the bytes.
        x == y && x.utf8.count == y.utf8.count && x.utf8.elementsEqual(y.utf8)
    }

    /// The member whose name has exactly these code points.
    static func lookup(_ key: String, in object: JSONObject) -> JSONValue? {
        if let i = object.position(of: key), sameScalars(object.members[i].key, key) { return object.members[i].value }
        for member in object.members where sameScalars(member.key, key) { return member.value }
        return nil
    }

    /// Indices of the first two equal items, if any.
    static func firstDuplicate(_ array: [JSONValue]) -> (Int, Int)? {
        if array.count <= 16 {
            for i in array.indices {
                for j in (i + 1)..<array.count where equal(array[i], array[j]) { return (i, j) }
            }
            return nil
        }
        // `JSONValue`'s hash is consistent with the looser `==`, so equal items share a bucket;
        // compare exactly within each bucket.
        var buckets: [JSONValue: [Int]] = [:]
        for (i, item) in array.enumerated() {
            if let earlier = buckets[item] {
                for j in earlier where equal(array[j], item) { return (j, i) }
            }
            buckets[item, default: []].append(i)
        }
        return nil
    }
}
