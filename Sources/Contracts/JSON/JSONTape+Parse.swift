/// The tape parser: one loop over the bytes, one entry per value, an explicit stack of open
/// containers (no recursion), strict as `JSONParser` and declining whatever the tape does not
/// represent (see `JSONTape`). Every nil answer means "declined": the caller's `JSONParser`
/// produces the error, or the value.
///
/// Each member name's entry carries the name's hash (`JSONTape.nameHash`) in its `count`, so
/// duplicate names are found here and schema lookups (`TapeNameTable`) need not hash again.
struct TapeParser {
    let p: UnsafePointer<UInt8>
    let raw: UnsafeRawPointer
    let n: Int
    let maxDepth: Int
    unowned(unsafe) let storage: JSONTapeStorage
    var entries: UnsafeMutablePointer<JSONTape.Entry>
    var capacity: Int
    var count = 0
    /// Member names of the open objects (entry indices in `storage.names`), innermost last.
    var names = 0
    var i = 0
    /// Bumped at every whitespace run and every escape `JSONWriter` would not write: a container
    /// whose close sees the same value as its open is compact.
    var irregular = 0
    /// Where `Frame.seen` is in a frame.
    let seenOffset = MemoryLayout<Frame>.offset(of: \Frame.seen).unsafelyUnwrapped

    init(bytes: UnsafeBufferPointer<UInt8>, storage: JSONTapeStorage, maxDepth: Int) {
        p = bytes.baseAddress.unsafelyUnwrapped
        raw = UnsafeRawPointer(p)
        n = bytes.count
        self.maxDepth = maxDepth
        // `unowned(unsafe)`: the caller (`JSONTape.parse`) holds the storage for the whole parse.
        self.storage = storage
        entries = storage.entries
        capacity = storage.capacity
    }

    /// One open container.
    struct Frame {
        var entry: Int32
        var isObject: Bool
        var members: UInt32
        /// `irregular` when it opened: unchanged at its close means the container is compact.
        var irregular: Int
        /// 256 bits, one per value of a name hash's top byte, set for the names seen in this
        /// object; only a name on a set bit is compared with the earlier names. (One word of 64
        /// bits sent an object of two dozen members through that comparison four times or so.)
        var seen: (UInt64, UInt64, UInt64, UInt64)
        /// Where this object's names start in `storage.names`.
        var nameBase: Int
    }

    /// The number of entries, or nil when declined.
    mutating func document() -> Int? {
        storage.reserveFrames(maxDepth + 2)
        let frames = storage.frames
        var depth = 0
        skipWhitespace()
        while true {
            // A value at `i`.
            guard i < n else { return nil }
            let b = p[i]
            switch b {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth &+= 1
                guard depth <= maxDepth else { return nil }
                let isObject = b == UInt8(ascii: "{")
                let frame = frames + depth
                frame.pointee = Frame(entry: Int32(truncatingIfNeeded: count), isObject: isObject, members: 0, irregular: irregular, seen: (0, 0, 0, 0), nameBase: names)
                append(isObject ? .object : .array, 0, i, i)
                i &+= 1
                skipWhitespace()
                guard i < n else { return nil }
                if p[i] == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    i &+= 1
                    close(frame)
                    depth &-= 1
                    break
                }
                if isObject {
                    guard name(frame) else { return nil }
                    skipWhitespace()
                }
                continue
            case UInt8(ascii: "\""):
                guard let (end, flags) = Self.scanString(p, n, at: i) else { return nil }
                if flags & JSONTape.compact == 0 { irregular &+= 1 }
                append(.string, flags, i, end)
                i = end
            case UInt8(ascii: "-"), 0x30...0x39:
                guard let (end, plain) = Self.scanNumber(p, n, at: i) else { return nil }
                append(.number, plain ? JSONTape.plainInteger | JSONTape.compact : JSONTape.compact, i, end)
                i = end
            case UInt8(ascii: "t"):
                guard literal("true") else { return nil }
                append(.true, JSONTape.compact, i, i &+ 4)
                i &+= 4
            case UInt8(ascii: "f"):
                guard literal("false") else { return nil }
                append(.false, JSONTape.compact, i, i &+ 5)
                i &+= 5
            case UInt8(ascii: "n"):
                guard literal("null") else { return nil }
                append(.null, JSONTape.compact, i, i &+ 4)
                i &+= 4
            default:
                return nil
            }
            // After a value: close containers, or go on to the next element or member.
            while true {
                skipWhitespace()
                if depth == 0 { return i == n ? count : nil }
                guard i < n else { return nil }
                let frame = frames + depth
                let c = p[i]
                if c == UInt8(ascii: ",") {
                    i &+= 1
                    frame.pointee.members &+= 1
                    skipWhitespace()
                    if frame.pointee.isObject {
                        guard frame.pointee.members < JSONTape.maxObjectMembers, name(frame) else { return nil }
                        skipWhitespace()
                    }
                    break
                }
                guard c == (frame.pointee.isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) else { return nil }
                i &+= 1
                frame.pointee.members &+= 1
                names = frame.pointee.nameBase
                close(frame)
                depth &-= 1
            }
        }
    }

    @inline(__always)
    mutating func skipWhitespace() {
        guard i < n && p[i] <= 0x20 else { return }
        let start = i
        while i < n, p[i] == 0x20 || p[i] == 0x0A || p[i] == 0x0D || p[i] == 0x09 { i &+= 1 }
        if i != start { irregular &+= 1 }
    }

    @inline(__always)
    mutating func append(_ kind: JSONTape.Kind, _ flags: UInt8, _ start: Int, _ end: Int, count extra: UInt32 = 0) {
        if count == capacity {
            storage.growEntries(to: count + 1)
            entries = storage.entries
            capacity = storage.capacity
        }
        entries[count] = JSONTape.Entry(kind: kind.rawValue, flags: flags, start: UInt32(truncatingIfNeeded: start),
                                        end: UInt32(truncatingIfNeeded: end), next: UInt32(truncatingIfNeeded: count &+ 1), count: extra)
        count &+= 1
    }

    @inline(__always)
    mutating func close(_ frame: UnsafeMutablePointer<Frame>) {
        let e = entries + Int(frame.pointee.entry)
        e.pointee.end = UInt32(truncatingIfNeeded: i)
        e.pointee.next = UInt32(truncatingIfNeeded: count)
        e.pointee.count = frame.pointee.members
        if irregular == frame.pointee.irregular { e.pointee.flags |= JSONTape.compact }
    }

    /// A member name at `i`, its colon and the whitespace before the colon: the name's entry (its
    /// hash in `count`), checked against the object's earlier names.
    @_transparent
    mutating func name(_ frame: UnsafeMutablePointer<Frame>) -> Bool {
        guard i < n, p[i] == UInt8(ascii: "\""), let (end, flags) = Self.scanString(p, n, at: i),
              flags & (JSONTape.escaped | JSONTape.nonASCII) == 0
        else { return false }
        let length = end &- i &- 2
        let hash = JSONTape.nameHash(length: length, TapeWords(raw: raw, n: n, start: i &+ 1))
        let top = Int(truncatingIfNeeded: hash >> 24)
        let bit: UInt64 = 1 << UInt64(top & 63)
        let seen = (UnsafeMutableRawPointer(frame) + seenOffset).assumingMemoryBound(to: UInt64.self) + (top >> 6)
        if seen.pointee & bit != 0 {
            for k in frame.pointee.nameBase..<names {
                let other = entries[Int(storage.names[k])]
                if other.count == hash && Int(other.end &- other.start) == length &+ 2
                    && JSONBytes.equal(raw + Int(other.start), raw + i, count: length &+ 2) { return false }
            }
        }
        seen.pointee |= bit
        if names == storage.nameCapacity { storage.growNames() }
        storage.names[names] = Int32(truncatingIfNeeded: count)
        names &+= 1
        append(.string, flags, i, end, count: hash)
        i = end
        skipWhitespace()
        guard i < n, p[i] == UInt8(ascii: ":") else { return false }
        i &+= 1
        return true
    }

    @inline(__always)
    func literal(_ word: StaticString) -> Bool {
        i &+ word.utf8CodeUnitCount <= n && JSONBytes.equal(raw + i, UnsafeRawPointer(word.utf8Start), count: word.utf8CodeUnitCount)
    }

    /// The string literal opening at `i`: just past its closing quote and its flags; nil where
    /// `JSONParser` reports an error (or an unterminated string).
    @inline(__always)
    static func scanString(_ p: UnsafePointer<UInt8>, _ n: Int, at i: Int) -> (end: Int, flags: UInt8)? {
        let raw = UnsafeRawPointer(p)
        var j = i &+ 1
        var flags: UInt8 = 0
        var writerForm = true
        while true {
            // Eight bytes at a time up to the first quote, backslash, control or non-ASCII byte.
            while j &+ 8 <= n {
                let hits = JSONBytes.needsEscapeOrNonASCII(JSONBytes.word(raw, j))
                if hits != 0 {
                    j &+= hits.trailingZeroBitCount >> 3
                    break
                }
                j &+= 8
            }
            guard j < n else { return nil }
            let b = p[j]
            if b == UInt8(ascii: "\"") { break }
            if b == UInt8(ascii: "\\") {
                flags |= JSONTape.escaped
                if JSONCompactSpan.writerEscapeLength(UnsafeBufferPointer(start: p, count: n), at: j) == nil { writerForm = false }
                guard let length = escapeLength(p, n, at: j) else { return nil }
                j &+= length
            } else if b >= 0x80 {
                flags |= JSONTape.nonASCII
                guard let length = utf8Length(p, n, at: j) else { return nil }
                j &+= length
            } else if b < 0x20 {
                return nil
            } else {
                j &+= 1
            }
        }
        return (j &+ 1, writerForm ? flags | JSONTape.compact : flags)
    }

    /// The length of the valid escape at `j` (a `\u` high surrogate takes its low one along), or
    /// nil where `JSONParser` reports an error.
    static func escapeLength(_ p: UnsafePointer<UInt8>, _ n: Int, at j: Int) -> Int? {
        guard j + 1 < n else { return nil }
        let buffer = UnsafeBufferPointer(start: p, count: n)
        switch p[j + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
             UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            return 2
        case UInt8(ascii: "u"):
            guard let unit = JSONBytes.hex4(buffer, at: j + 2) else { return nil }
            if unit >= 0xDC00 && unit <= 0xDFFF { return nil }
            guard unit >= 0xD800 && unit <= 0xDBFF else { return 6 }
            guard j + 7 < n, p[j + 6] == UInt8(ascii: "\\"), p[j + 7] == UInt8(ascii: "u"),
                  let low = JSONBytes.hex4(buffer, at: j + 8), low >= 0xDC00 && low <= 0xDFFF
            else { return nil }
            return 12
        default:
            return nil
        }
    }

    /// The length of the well-formed UTF-8 sequence at `j` (Unicode Table 3-7, as
    /// `String(validating:)`), or nil.
    static func utf8Length(_ p: UnsafePointer<UInt8>, _ n: Int, at j: Int) -> Int? {
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

    /// RFC 8259 number grammar, as `JSONParser`: the end, and whether it is a plain integer.
    @inline(__always)
    static func scanNumber(_ p: UnsafePointer<UInt8>, _ n: Int, at start: Int) -> (end: Int, plain: Bool)? {
        var i = start
        var plain = true
        @inline(__always) func digit(_ k: Int) -> Bool { k < n && p[k] &- 0x30 < 10 }
        if p[i] == UInt8(ascii: "-") { i &+= 1 }
        guard digit(i) else { return nil }
        if p[i] == 0x30 {
            i &+= 1
            if digit(i) { return nil }
        } else {
            while digit(i) { i &+= 1 }
        }
        if i < n && p[i] == UInt8(ascii: ".") {
            plain = false
            i &+= 1
            guard digit(i) else { return nil }
            while digit(i) { i &+= 1 }
        }
        if i < n && (p[i] | 0x20) == UInt8(ascii: "e") {
            plain = false
            i &+= 1
            if i < n && (p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-")) { i &+= 1 }
            guard digit(i) else { return nil }
            while digit(i) { i &+= 1 }
        }
        return (i, plain)
    }
}
