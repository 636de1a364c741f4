/// The tape parser: one pass over the bytes, one entry per value, strict as `JSONParser` and
/// declining whatever the tape does not represent (see `JSONTape`). Every `false`/nil answer
/// means "declined": the caller's `JSONParser` produces the error, or the value.
struct TapeParser: ~Copyable {
    let p: UnsafeBufferPointer<UInt8>
    let raw: UnsafeRawPointer
    let n: Int
    let maxDepth: Int
    let storage: JSONTapeStorage
    var entries: UnsafeMutablePointer<JSONTape.Entry>
    var capacity: Int
    var count = 0
    var i = 0
    /// Member names of the open objects, innermost last.
    var nameCount = 0
    /// Bumped at every whitespace run and every escape `JSONWriter` would not write: a container
    /// whose close sees the same value as its open is compact.
    var irregular = 0

    init(bytes: UnsafeBufferPointer<UInt8>, storage: JSONTapeStorage, maxDepth: Int) {
        p = bytes
        raw = UnsafeRawPointer(bytes.baseAddress.unsafelyUnwrapped)
        n = bytes.count
        self.maxDepth = maxDepth
        self.storage = storage
        entries = storage.entries
        capacity = storage.capacity
    }

    /// The number of entries, or nil when declined.
    mutating func document() -> Int? {
        skipWhitespace()
        guard i < n, value(depth: 0) else { return nil }
        skipWhitespace()
        return i == n ? count : nil
    }

    @inline(__always)
    mutating func append(_ kind: JSONTape.Kind, flags: UInt8, start: Int, end: Int) -> Int {
        if count == capacity {
            storage.growEntries(to: count + 1)
            entries = storage.entries
            capacity = storage.capacity
        }
        let k = count
        entries[k] = JSONTape.Entry(kind: kind.rawValue, flags: flags, start: UInt32(truncatingIfNeeded: start),
                                    end: UInt32(truncatingIfNeeded: end), next: UInt32(truncatingIfNeeded: k + 1), count: 0)
        count = k + 1
        return k
    }

    @inline(__always)
    mutating func skipWhitespace() {
        // Compact text answers with one comparison.
        if i < n && p[i] <= 0x20 { skipWhitespaceRun() }
    }

    mutating func skipWhitespaceRun() {
        let start = i
        while i < n {
            switch p[i] {
            case 0x20, 0x0A, 0x0D, 0x09: i += 1
            default:
                if i > start { irregular += 1 }
                return
            }
        }
        if i > start { irregular += 1 }
    }

    mutating func value(depth: Int) -> Bool {
        switch p[i] {
        case UInt8(ascii: "{"): return object(depth: depth + 1)
        case UInt8(ascii: "["): return array(depth: depth + 1)
        case UInt8(ascii: "\""): return string(isName: false)
        case UInt8(ascii: "t"): return literal("true", .true)
        case UInt8(ascii: "f"): return literal("false", .false)
        case UInt8(ascii: "n"): return literal("null", .null)
        case UInt8(ascii: "-"), 0x30...0x39: return number()
        default: return false
        }
    }

    mutating func literal(_ word: StaticString, _ kind: JSONTape.Kind) -> Bool {
        let length = word.utf8CodeUnitCount
        guard i + length <= n, JSONBytes.equal(raw + i, UnsafeRawPointer(word.utf8Start), count: length) else { return false }
        _ = append(kind, flags: JSONTape.compact, start: i, end: i + length)
        i += length
        return true
    }

    mutating func object(depth: Int) -> Bool {
        guard depth <= maxDepth else { return false }
        let me = append(.object, flags: 0, start: i, end: i)
        let irregularAtOpen = irregular
        i += 1
        skipWhitespace()
        var members: UInt32 = 0
        if i < n && p[i] == UInt8(ascii: "}") {
            i += 1
        } else {
            let nameBase = nameCount
            // One bit per name digest: a second name on a set bit is compared with the earlier ones.
            var seen: UInt64 = 0
            while true {
                skipWhitespace()
                guard i < n, p[i] == UInt8(ascii: "\"") else { return false }
                let name = count
                guard string(isName: true) else { return false }
                let e = entries[name]
                let digest = JSONBytes.digest(raw + Int(e.start) + 1, count: Int(e.end - e.start) - 2)
                let bit: UInt64 = 1 << (digest >> 58)
                if seen & bit != 0 && isDuplicate(name, digest: digest, from: nameBase) { return false }
                seen |= bit
                if nameCount == storage.nameCapacity { storage.growNames() }
                storage.names[nameCount] = (digest, Int32(truncatingIfNeeded: name))
                nameCount += 1
                skipWhitespace()
                guard i < n, p[i] == UInt8(ascii: ":") else { return false }
                i += 1
                skipWhitespace()
                guard i < n, value(depth: depth) else { return false }
                members += 1
                guard members <= JSONTape.maxObjectMembers else { return false }
                skipWhitespace()
                guard i < n else { return false }
                if p[i] == UInt8(ascii: ",") {
                    i += 1
                    continue
                }
                guard p[i] == UInt8(ascii: "}") else { return false }
                i += 1
                break
            }
            nameCount = nameBase
        }
        close(me, count: members, compact: irregular == irregularAtOpen)
        return true
    }

    /// Whether the name at entry `name` equals one of this object's earlier names.
    func isDuplicate(_ name: Int, digest: UInt64, from base: Int) -> Bool {
        let e = entries[name]
        let length = Int(e.end - e.start)
        for k in base..<nameCount where storage.names[k].digest == digest {
            let other = entries[Int(storage.names[k].entry)]
            if Int(other.end - other.start) == length && JSONBytes.equal(raw + Int(other.start), raw + Int(e.start), count: length) { return true }
        }
        return false
    }

    mutating func array(depth: Int) -> Bool {
        guard depth <= maxDepth else { return false }
        let me = append(.array, flags: 0, start: i, end: i)
        let irregularAtOpen = irregular
        i += 1
        skipWhitespace()
        var elements: UInt32 = 0
        if i < n && p[i] == UInt8(ascii: "]") {
            i += 1
        } else {
            while true {
                skipWhitespace()
                guard i < n, value(depth: depth) else { return false }
                elements &+= 1
                skipWhitespace()
                guard i < n else { return false }
                if p[i] == UInt8(ascii: ",") {
                    i += 1
                    continue
                }
                guard p[i] == UInt8(ascii: "]") else { return false }
                i += 1
                break
            }
        }
        close(me, count: elements, compact: irregular == irregularAtOpen)
        return true
    }

    @inline(__always)
    mutating func close(_ container: Int, count members: UInt32, compact: Bool) {
        entries[container].end = UInt32(truncatingIfNeeded: i)
        entries[container].next = UInt32(truncatingIfNeeded: count)
        entries[container].count = members
        if compact { entries[container].flags |= JSONTape.compact }
    }

    /// A string literal at `i`. Names (`isName`) must be ASCII without escapes.
    mutating func string(isName: Bool) -> Bool {
        let open = i
        var j = i + 1
        var flags: UInt8 = 0
        var writerForm = true
        while true {
            // Eight bytes at a time up to the first quote, backslash, control or non-ASCII byte.
            while j + 8 <= n {
                let hits = JSONBytes.needsEscapeOrNonASCII(JSONBytes.word(raw, j))
                if hits != 0 {
                    j += hits.trailingZeroBitCount >> 3
                    break
                }
                j += 8
            }
            guard j < n else { return false }
            let b = p[j]
            if b == UInt8(ascii: "\"") { break }
            if b == UInt8(ascii: "\\") {
                if isName { return false }
                flags |= JSONTape.escaped
                if JSONCompactSpan.writerEscapeLength(p, at: j) == nil { writerForm = false }
                guard let length = escapeLength(at: j) else { return false }
                j += length
            } else if b >= 0x80 {
                if isName { return false }
                flags |= JSONTape.nonASCII
                guard let length = utf8Length(at: j) else { return false }
                j += length
            } else if b < 0x20 {
                return false
            } else {
                j += 1
            }
        }
        if writerForm {
            flags |= JSONTape.compact
        } else {
            irregular += 1
        }
        _ = append(.string, flags: flags, start: open, end: j + 1)
        i = j + 1
        return true
    }

    /// The length of the valid escape at `j` (a `\u` high surrogate takes its low one along), or
    /// nil where `JSONParser` reports an error.
    func escapeLength(at j: Int) -> Int? {
        guard j + 1 < n else { return nil }
        switch p[j + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
             UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            return 2
        case UInt8(ascii: "u"):
            guard let unit = JSONBytes.hex4(p, at: j + 2) else { return nil }
            if unit >= 0xDC00 && unit <= 0xDFFF { return nil }
            guard unit >= 0xD800 && unit <= 0xDBFF else { return 6 }
            guard j + 7 < n, p[j + 6] == UInt8(ascii: "\\"), p[j + 7] == UInt8(ascii: "u"),
                  let low = JSONBytes.hex4(p, at: j + 8), low >= 0xDC00 && low <= 0xDFFF
            else { return nil }
            return 12
        default:
            return nil
        }
    }

    /// The length of the well-formed UTF-8 sequence at `j` (Unicode Table 3-7, as
    /// `String(validating:)`), or nil.
    func utf8Length(at j: Int) -> Int? {
        let b = p[j]
        func cont(_ k: Int, _ low: UInt8 = 0x80, _ high: UInt8 = 0xBF) -> Bool { j + k < n && p[j + k] >= low && p[j + k] <= high }
        switch b {
        case 0xC2...0xDF: return cont(1) ? 2 : nil
        case 0xE0: return cont(1, 0xA0) && cont(2) ? 3 : nil
        case 0xE1...0xEC, 0xEE...0xEF: return cont(1) && cont(2) ? 3 : nil
        case 0xED: return cont(1, 0x80, 0x9F) && cont(2) ? 3 : nil
        case 0xF0: return cont(1, 0x90) && cont(2) && cont(3) ? 4 : nil
        case 0xF1...0xF3: return cont(1) && cont(2) && cont(3) ? 4 : nil
        case 0xF4: return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : nil
        default: return nil
        }
    }

    /// RFC 8259 number grammar, as `JSONParser`.
    mutating func number() -> Bool {
        let start = i
        var flags = JSONTape.plainInteger | JSONTape.compact
        if p[i] == UInt8(ascii: "-") { i += 1 }
        guard i < n, p[i] >= 0x30 && p[i] <= 0x39 else { return false }
        if p[i] == 0x30 {
            i += 1
            if i < n && p[i] >= 0x30 && p[i] <= 0x39 { return false }
        } else {
            while i < n && p[i] >= 0x30 && p[i] <= 0x39 { i += 1 }
        }
        if i < n && p[i] == UInt8(ascii: ".") {
            flags = JSONTape.compact
            i += 1
            guard i < n, p[i] >= 0x30 && p[i] <= 0x39 else { return false }
            while i < n && p[i] >= 0x30 && p[i] <= 0x39 { i += 1 }
        }
        if i < n && (p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E")) {
            flags = JSONTape.compact
            i += 1
            if i < n && (p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-")) { i += 1 }
            guard i < n, p[i] >= 0x30 && p[i] <= 0x39 else { return false }
            while i < n && p[i] >= 0x30 && p[i] <= 0x39 { i += 1 }
        }
        _ = append(.number, flags: flags, start: start, end: i)
        return true
    }
}
