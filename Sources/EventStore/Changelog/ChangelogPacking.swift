/// Several state changes in one changelog record (docs/scaling.md, "Records"): the writer packs a
/// write's changes of one changelog partition into as few records as fit the producer's size
/// limit, so an input costs a fraction of a record instead of three (its dedup key, revision and
/// outcome) — for the producer, the broker and every reader.
///
/// A packed record's key is `w:<writer>:<write>:<chunk>` (unique: compaction keeps it, as it keeps
/// the unique `d:` and `l:` keys of unpacked records); its value is the version byte 1, then per
/// change its record key and value (`StateChange.record`), each as a 4-byte big-endian length and
/// the bytes, a value of length `0xFFFF_FFFF` being a tombstone. Readers take packed and unpacked
/// records alike (`ChangelogPacking.records(key:value:)`), so a changelog written before packing
/// still restores.
public enum ChangelogPacking {
    static let version: UInt8 = 1
    static let tombstone: UInt32 = 0xFFFF_FFFF

    /// The key of chunk `chunk` of a write.
    public static func key(writer: String, write: UInt64, chunk: Int) -> [UInt8] { Array("w:\(writer):\(write):\(chunk)".utf8) }

    /// True for the key of a packed record.
    public static func isPacked(key: [UInt8]) -> Bool { key.count >= 2 && key[0] == UInt8(ascii: "w") && key[1] == UInt8(ascii: ":") }

    /// The values of packed records holding `changes` in order, each at most `limit` bytes unless
    /// a single change is larger (it then has a record of its own).
    public static func pack(_ changes: [StateChange], limit: Int) -> [[UInt8]] {
        var chunks: [[UInt8]] = []
        // Capacity for a whole chunk at once (reserving per change would copy it each time).
        func newChunk() -> [UInt8] {
            var chunk: [UInt8] = []
            chunk.reserveCapacity(limit)
            chunk.append(version)
            return chunk
        }
        var current = newChunk()
        for change in changes {
            // Written in place, lengths patched in after; moved to a new chunk if it overflows.
            let start = current.count
            reserveLength(in: &current)
            change.writeKey(into: &current)
            set(UInt32(current.count - start - 4), at: start, in: &current)
            let valueStart = current.count
            reserveLength(in: &current)
            let written = change.writeValue(into: &current)
            set(written ? UInt32(current.count - valueStart - 4) : tombstone, at: valueStart, in: &current)
            if start > 1 && current.count > limit {
                var next = newChunk()
                next += current[start...]
                current.removeSubrange(start...)
                chunks.append(current)
                current = next
            }
        }
        if current.count > 1 { chunks.append(current) }
        return chunks
    }

    /// The record keys and values a changelog record holds: those packed in it, or itself. Nil
    /// for a packed record this build cannot read (another version, or cut short).
    public static func records(key: [UInt8], value: [UInt8]?) -> [(key: [UInt8], value: [UInt8]?)]? {
        guard isPacked(key: key) else { return [(key, value)] }
        guard let value, value.first == version else { return nil }
        var out: [(key: [UInt8], value: [UInt8]?)] = []
        var i = 1
        func length() -> UInt32? {
            guard i + 4 <= value.count else { return nil }
            defer { i += 4 }
            return UInt32(value[i]) << 24 | UInt32(value[i + 1]) << 16 | UInt32(value[i + 2]) << 8 | UInt32(value[i + 3])
        }
        func bytes(_ n: UInt32) -> [UInt8]? {
            guard n <= value.count - i else { return nil }
            defer { i += Int(n) }
            return Array(value[i..<i + Int(n)])
        }
        while i < value.count {
            guard let keyLength = length(), let k = bytes(keyLength), let valueLength = length() else { return nil }
            if valueLength == tombstone {
                out.append((k, nil))
            } else {
                guard let v = bytes(valueLength) else { return nil }
                out.append((k, v))
            }
        }
        return out
    }

    private static func reserveLength(in out: inout [UInt8]) {
        for _ in 0..<4 { out.append(0) }
    }

    private static func set(_ n: UInt32, at i: Int, in out: inout [UInt8]) {
        out[i] = UInt8(truncatingIfNeeded: n >> 24)
        out[i + 1] = UInt8(truncatingIfNeeded: n >> 16)
        out[i + 2] = UInt8(truncatingIfNeeded: n >> 8)
        out[i + 3] = UInt8(truncatingIfNeeded: n)
    }
}
