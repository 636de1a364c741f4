import Synchronization

/// A JSON document as a flat array of entries over its bytes — a *tape* — instead of a tree of
/// `JSONValue`s: no allocation per value and no reference counting, because every value is a
/// slice of the input (docs/decisions.md, 2026-12-04).
///
/// Entry `i` is one value in document order: a scalar, or a container followed by its children
/// (an object's children alternate member name, member value). `next(i)` skips a value with all
/// its descendants, so a walk never parses anything twice.
///
/// A tape is a view: it points into the parsed bytes and into a `JSONTapeStorage`, and is valid
/// only while both are (inside `JSONTape.parse`'s closure). It never escapes that closure.
///
/// The parser is strict in exactly the way `JSONParser` is, and *narrower*: it declines (returns
/// nil) every document `JSONParser` rejects, and also some it accepts — member names with escapes
/// or non-ASCII bytes, an object with a duplicate name or more than `maxObjectMembers` members, a
/// document over 4 GiB. A declined document goes through `JSONParser` and the `JSONValue` path,
/// which produces the answer (value or error) as before. `JSONTapeTests` holds the tape to
/// `JSONParser` over the parser's differential corpus.
public struct JSONTape {
    public enum Kind: UInt8, Sendable {
        case object = 1, array, string, number, `true`, `false`, null
    }

    /// One value. 20 bytes, plain data.
    struct Entry {
        var kind: UInt8
        var flags: UInt8
        /// Byte range of the value's text (a string's includes its quotes).
        var start: UInt32
        var end: UInt32
        /// The index just past this value and its descendants.
        var next: UInt32
        /// Members (objects) or elements (arrays); a member name's hash (`nameHash`); 0 otherwise.
        var count: UInt32
    }

    /// `Entry.flags` of strings.
    static let escaped: UInt8 = 1
    static let nonASCII: UInt8 = 2
    /// `Entry.flags` of numbers: no fraction and no exponent.
    static let plainInteger: UInt8 = 4
    /// `Entry.flags` of any value: its text is exactly what `JSONWriter.compact` writes for it
    /// (no whitespace; only the escapes the writer itself writes), see `JSONCompactSpan`.
    static let compact: UInt8 = 8

    /// Members an object may have on the tape; a bigger one is declined (duplicate detection on
    /// the tape is a digest filter, linear per member only below this).
    public static let maxObjectMembers = 256

    /// The parsed bytes.
    public let bytes: UnsafeBufferPointer<UInt8>
    let entries: UnsafePointer<Entry>
    /// Number of entries; the root is entry 0.
    public let count: Int
    /// What a check learned about each entry, for the checks after it (zero: nothing), see
    /// `TapeNotes`. Written by `TapeSchema` as it validates, read by rules and key lookups.
    let notes: UnsafeMutablePointer<UInt64>
    /// A money string's exact value when its note says so.
    let amounts: UnsafeMutablePointer<Int64>
    /// The storage behind the tape (its slot pool and notes' owner). `unowned(unsafe)`: a tape
    /// exists only inside `JSONTape.parse`'s closure, which holds the storage.
    unowned(unsafe) let storage: JSONTapeStorage

    public typealias Index = Int
    public static let root: Index = 0

    // MARK: Reading entries

    @inline(__always) public func kind(_ i: Index) -> Kind { Kind(rawValue: entries[i].kind).unsafelyUnwrapped }
    /// Members of an object, elements of an array.
    @inline(__always) public func count(_ i: Index) -> Int { Int(entries[i].count) }
    /// The index just past `i` and its descendants (the next sibling, if any).
    @inline(__always) public func next(_ i: Index) -> Index { Int(entries[i].next) }
    /// The value's text, quotes included for a string.
    @inline(__always) public func span(_ i: Index) -> Range<Int> { Int(entries[i].start)..<Int(entries[i].end) }
    /// The value's text is exactly what `JSONWriter.compact` writes for the value.
    @inline(__always) public func isCompact(_ i: Index) -> Bool { entries[i].flags & Self.compact != 0 }

    /// A string's content between the quotes, escapes not decoded.
    @inline(__always)
    public func rawString(_ i: Index) -> UnsafeBufferPointer<UInt8> {
        let e = entries[i]
        return UnsafeBufferPointer(rebasing: bytes[Int(e.start + 1)..<Int(e.end - 1)])
    }

    /// The byte length of a string's content between the quotes (escapes not decoded).
    @inline(__always) func rawLength(_ i: Index) -> Int { Int(entries[i].end &- entries[i].start) &- 2 }

    /// A string whose raw content is its value: no escapes.
    @inline(__always) public func isPlainString(_ i: Index) -> Bool { entries[i].flags & Self.escaped == 0 }
    /// A string of ASCII bytes only and no escapes: its bytes compare as Swift strings do.
    @inline(__always) public func isASCIIString(_ i: Index) -> Bool { entries[i].flags & (Self.escaped | Self.nonASCII) == 0 }
    /// A number without fraction or exponent (its value is an integer, of any size).
    @inline(__always) public func isPlainInteger(_ i: Index) -> Bool { entries[i].flags & Self.plainInteger != 0 }

    /// A number's text.
    @inline(__always)
    public func numberText(_ i: Index) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: bytes[span(i)]) }

    // MARK: Navigation

    /// The value of the member of object `object` named by `name` (ASCII bytes), or nil.
    /// Member names on a tape are ASCII without escapes, so bytes compare as the names do.
    @inline(__always)
    public func member(_ object: Index, _ name: UnsafeBufferPointer<UInt8>) -> Index? {
        var k = object + 1
        let end = next(object)
        let length = UInt32(name.count)
        while k < end {
            let e = entries[k]
            if e.end - e.start - 2 == length && (length == 0 || JSONBytes.equal(UnsafeRawPointer(bytes.baseAddress.unsafelyUnwrapped + Int(e.start) + 1), UnsafeRawPointer(name.baseAddress.unsafelyUnwrapped), count: name.count)) {
                return k + 1
            }
            k = next(k + 1)
        }
        return nil
    }

    /// `member(_:_:)` for a name given as a `String` (ASCII: see `member`).
    public func member(_ object: Index, _ name: String) -> Index? {
        var name = name
        return name.withUTF8 { member(object, $0) }
    }

    /// Element `n` of array `array`, or nil when out of range.
    public func element(_ array: Index, _ n: Int) -> Index? {
        guard n >= 0, n < count(array) else { return nil }
        var k = array + 1
        for _ in 0..<n { k = next(k) }
        return k
    }

    /// Calls `body` with each member's name (a string entry) and value, in document order.
    @inline(__always)
    public func forEachMember(_ object: Index, _ body: (_ name: Index, _ value: Index) -> Void) {
        var k = object + 1
        let end = next(object)
        while k < end {
            body(k, k + 1)
            k = next(k + 1)
        }
    }

    /// Calls `body` with each element, in order.
    @inline(__always)
    public func forEachElement(_ array: Index, _ body: (Index) -> Void) {
        var k = array + 1
        let end = next(array)
        while k < end {
            body(k)
            k = next(k)
        }
    }

    // MARK: Values

    /// The value as a `JSONValue`, parsed from its text by `JSONParser` (so exactly the value the
    /// general path would have). For the rare places that still need a tree.
    public func value(_ i: Index) -> JSONValue {
        switch kind(i) {
        case .null: return .null
        case .true: return .bool(true)
        case .false: return .bool(false)
        case .number: return .number(number(i))
        case .string where isPlainString(i): return .string(String(decoding: rawString(i), as: UTF8.self))
        default: break
        }
        let text = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[span(i)])
        // The tape accepted the whole document, so its parts parse (names are unique, depth is lower).
        let options = JSONParseOptions(maxDepth: JSONParseOptions.hardMaxDepth, maxBytes: Int.max, rejectDuplicateKeys: false)
        return (try? JSONParser.parse(text, options: options)) ?? .null
    }

    /// A string's value (escapes decoded).
    public func string(_ i: Index) -> String {
        if isPlainString(i) { return String(decoding: rawString(i), as: UTF8.self) }
        return value(i).stringValue ?? ""
    }

    /// A number as a `JSONNumber` (its literal and, when it is one, its `Int64`).
    public func number(_ i: Index) -> JSONNumber {
        JSONNumber(validatedLiteral: String(decoding: numberText(i), as: UTF8.self))
    }

    /// The `Int64` a plain integer holds, or nil (fraction, exponent, or out of range).
    public func int64(_ i: Index) -> Int64? {
        let e = entries[i]
        guard e.flags & Self.plainInteger != 0 else { return nil }
        // Up to 18 digits cannot overflow: read in place, no checks per digit.
        let p = bytes.baseAddress.unsafelyUnwrapped
        var k = Int(e.start)
        let end = Int(e.end)
        let negative = p[k] == UInt8(ascii: "-")
        if negative { k &+= 1 }
        if end &- k <= 18 {
            var value: Int64 = 0
            while k < end {
                value = value &* 10 &+ Int64(p[k] &- 0x30)
                k &+= 1
            }
            return negative ? 0 &- value : value
        }
        return longInt64(i)
    }

    /// `int64` of a plain integer of 19 digits or more.
    private func longInt64(_ i: Index) -> Int64? {
        let text = numberText(i)
        var k = 0
        let negative = text[0] == UInt8(ascii: "-")
        if negative { k = 1 }
        guard text.count - k <= 19 else { return nil }
        var value: Int64 = 0
        while k < text.count {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.subtractingReportingOverflow(Int64(text[k] - 0x30))
            if o1 || o2 { return nil }
            value = s
            k += 1
        }
        if negative { return value }
        return value == Int64.min ? nil : -value
    }
}

/// The reusable memory of tape parsing: the entries and the parser's scratch stacks. Taken from
/// a small pool for one parse (`JSONTape.parse`) and given back, so steady-state parsing
/// allocates nothing.
public final class JSONTapeStorage: @unchecked Sendable {
    // @unchecked Sendable: the buffers are used by the one parse that took the storage out of
    // `spares` (under its lock) until it gives it back; pooled storages are not touched.
    var entries: UnsafeMutablePointer<JSONTape.Entry>
    var capacity: Int
    /// Entry indices of the member names of the objects being parsed.
    var names: UnsafeMutablePointer<Int32>
    var nameCapacity: Int
    /// The parser's stack of open containers.
    var frames: UnsafeMutablePointer<TapeParser.Frame>
    var frameCapacity: Int
    /// `JSONTape.notes` and `JSONTape.amounts`, one per entry (`capacity` of each).
    var notes: UnsafeMutablePointer<UInt64>
    var amounts: UnsafeMutablePointer<Int64>
    /// The schema whose notes the tape holds (nil until a check completes; see `TapeNotes`).
    var notesOwner: ObjectIdentifier?
    /// Slot maps of objects (`TapeNotes`): the value entry of each property, or -1.
    var pool: UnsafeMutablePointer<Int32>
    var poolCapacity: Int
    var poolCount = 0

    private static let spares = Mutex<[JSONTapeStorage]>([])
    private static let pooledLimit = 16

    init() {
        capacity = 512
        entries = .allocate(capacity: capacity)
        nameCapacity = 128
        names = .allocate(capacity: nameCapacity)
        frameCapacity = 130
        frames = .allocate(capacity: frameCapacity)
        notes = .allocate(capacity: capacity)
        amounts = .allocate(capacity: capacity)
        poolCapacity = 512
        pool = .allocate(capacity: poolCapacity)
    }

    deinit {
        entries.deallocate()
        names.deallocate()
        frames.deallocate()
        notes.deallocate()
        amounts.deallocate()
        pool.deallocate()
    }

    /// Room for `count` frames (the parse's depth limit).
    func reserveFrames(_ count: Int) {
        guard count > frameCapacity else { return }
        frames.deallocate()
        frames = .allocate(capacity: count)
        frameCapacity = count
    }

    static func take() -> JSONTapeStorage { spares.withLock { $0.popLast() } ?? JSONTapeStorage() }

    static func giveBack(_ storage: JSONTapeStorage) {
        // A storage grown by an unusually large document is not kept.
        guard storage.capacity <= 1 << 16, storage.frameCapacity <= 1_024 else { return }
        spares.withLock { if $0.count < pooledLimit { $0.append(storage) } }
    }

    func growEntries(to needed: Int) {
        var bigger = capacity * 2
        while bigger < needed { bigger *= 2 }
        let fresh = UnsafeMutablePointer<JSONTape.Entry>.allocate(capacity: bigger)
        fresh.moveInitialize(from: entries, count: capacity)
        entries.deallocate()
        entries = fresh
        notes.deallocate()
        notes = .allocate(capacity: bigger)
        amounts.deallocate()
        amounts = .allocate(capacity: bigger)
        capacity = bigger
    }

    func growNames() {
        let fresh = UnsafeMutablePointer<Int32>.allocate(capacity: nameCapacity * 2)
        fresh.moveInitialize(from: names, count: nameCapacity)
        names.deallocate()
        names = fresh
        nameCapacity *= 2
    }
}

extension JSONTape {
    /// Parses `bytes` onto a tape and calls `body` with it, or with nil when the tape declines the
    /// document (see `JSONTape`): the caller then parses with `JSONParser`, which answers.
    public static func parse<R>(_ bytes: UnsafeBufferPointer<UInt8>, options: JSONParseOptions = .default, _ body: (JSONTape?) -> R) -> R {
        let storage = JSONTapeStorage.take()
        defer { JSONTapeStorage.giveBack(storage) }
        guard bytes.count <= options.maxBytes, bytes.count < Int(UInt32.max), bytes.baseAddress != nil else { return body(nil) }
        var parser = TapeParser(bytes: bytes, storage: storage, maxDepth: min(max(options.maxDepth, 1), JSONParseOptions.hardMaxDepth))
        guard let count = parser.document() else { return body(nil) }
        storage.notes.update(repeating: 0, count: count)
        storage.notesOwner = nil
        storage.poolCount = 0
        return body(JSONTape(bytes: bytes, entries: UnsafePointer(storage.entries), count: count, notes: storage.notes,
                             amounts: storage.amounts, storage: storage))
    }

    /// `parse` over an array's bytes.
    public static func parse<R>(_ bytes: [UInt8], options: JSONParseOptions = .default, _ body: (JSONTape?) -> R) -> R {
        bytes.withUnsafeBufferPointer { parse($0, options: options, body) }
    }
}
