/// An immutable array of plain data in memory of its own, for the compiled tape programs: reading
/// an element is a load, with no reference counting and no exclusivity check. The owner frees it
/// (`free`) in its `deinit`.
struct FlatBuffer<Element>: @unchecked Sendable {
    // @unchecked Sendable: written once in `init`, only read afterwards, freed by its one owner.
    let base: UnsafeMutablePointer<Element>
    let count: Int

    init(_ elements: [Element]) {
        count = elements.count
        base = .allocate(capacity: max(count, 1))
        base.initialize(from: elements, count: count)
    }

    @inline(__always) subscript(i: Int) -> Element { base[i] }
    @inline(__always) subscript(i: Int32) -> Element { base[Int(i)] }

    func free() {
        base.deinitialize(count: count)
        base.deallocate()
    }
}

/// Reads a name's bytes as zero-padded words for `JSONTape.nameHash` (a generic parameter, not a
/// closure: nothing is captured, nothing is checked at run time).
protocol NameWords {
    /// `count` (0...8) bytes at offset `k` of the name.
    func word(_ k: Int, _ count: Int) -> UInt64
}

/// A name inside a parsed document: one load where eight bytes are there to read (a name is
/// always followed by more of the document), a byte loop near the end.
struct TapeWords: NameWords {
    let raw: UnsafeRawPointer
    let n: Int
    let start: Int

    @inline(__always)
    func word(_ k: Int, _ count: Int) -> UInt64 {
        let offset = start &+ k
        if offset &+ 8 <= n {
            let w = JSONBytes.word(raw, offset)
            return count >= 8 ? w : w & ((1 << UInt64(count &* 8)) &- 1)
        }
        return JSONBytes.partialWord(raw, offset, count: count)
    }
}

/// A name in memory of its own, read byte-exactly.
struct PaddedWords: NameWords {
    let base: UnsafeRawPointer

    @inline(__always)
    func word(_ k: Int, _ count: Int) -> UInt64 { JSONBytes.partialWord(base, k, count: count) }
}

/// A member name prepared for lookups on a tape: its bytes in a blob, its length and its first
/// eight bytes as one word, so most non-matching members are passed over with two comparisons.
struct TapeName {
    var offset: Int32
    var length: Int32
    var head: UInt64
    /// `JSONTape.nameHash`, as the parser stores it in a name's entry.
    var hash: UInt32
}

/// Names and their bytes, collected while compiling a tape program.
struct TapeNameBuilder {
    var blob: [UInt8] = []

    /// The blob with 16 zero bytes after it, so a name's bytes can be read a word at a time.
    var padded: [UInt8] { blob + Array(repeating: 0, count: 16) }

    mutating func add(_ name: String) -> TapeName {
        let bytes = Array(name.utf8)
        let offset = blob.count
        blob += bytes
        let head = bytes.withUnsafeBytes { JSONBytes.partialWord($0.baseAddress ?? UnsafeRawPointer(bitPattern: 8).unsafelyUnwrapped, 0, count: min(bytes.count, 8)) }
        return TapeName(offset: Int32(offset), length: Int32(bytes.count), head: head, hash: Self.hash(name))
    }

    /// `JSONTape.nameHash` of a name's bytes.
    static func hash(_ name: String) -> UInt32 {
        let bytes = Array(name.utf8)
        return bytes.withUnsafeBytes { raw in
            JSONTape.nameHash(length: bytes.count, PaddedWords(base: raw.baseAddress ?? UnsafeRawPointer(bitPattern: 8).unsafelyUnwrapped))
        }
    }
}

/// An open-addressing table from member names to a position and a node (a schema's
/// `properties`), hashed with `JSONTape.nameHash`.
struct TapeNameSlot {
    var name: TapeName
    /// -1 for an empty slot.
    var position: Int32
    var node: Int32
    /// Nesting levels a collapsed `$ref` chain to `node` adds (see `TapeSchema`).
    var hops: Int32
}

struct TapeNameTable {
    var slotStart: Int32
    var mask: Int32
    /// The number of names (positions 0..<count).
    var count: Int32

    /// Adds the table of `names` (with their nodes) to `slots`.
    static func build(_ names: [String], nodes: [Int32], hops: [Int32], into slots: inout [TapeNameSlot], names builder: inout TapeNameBuilder) -> TapeNameTable {
        var capacity = 4
        while capacity < names.count * 2 { capacity *= 2 }
        let start = slots.count
        slots += Array(repeating: TapeNameSlot(name: TapeName(offset: 0, length: 0, head: 0, hash: 0), position: -1, node: -1, hops: 0), count: capacity)
        for (i, name) in names.enumerated() {
            let prepared = builder.add(name)
            var slot = Int(prepared.hash) & (capacity - 1)
            while slots[start + slot].position >= 0 { slot = (slot + 1) & (capacity - 1) }
            slots[start + slot] = TapeNameSlot(name: prepared, position: Int32(i), node: nodes[i], hops: hops[i])
        }
        return TapeNameTable(slotStart: Int32(start), mask: Int32(capacity - 1), count: Int32(names.count))
    }
}

extension JSONTape {
    @inline(__always)
    var raw: UnsafeRawPointer { UnsafeRawPointer(bytes.baseAddress.unsafelyUnwrapped) }

    /// `count` (0...8) bytes at `offset` as a zero-padded word (`TapeWords`).
    @inline(__always)
    func word(_ offset: Int, count: Int) -> UInt64 { TapeWords(raw: raw, n: bytes.count, start: 0).word(offset, count) }

    /// The hash of a name: its length and first eight bytes (as `words` reads them) — cheap,
    /// and enough to spread a schema's property names; names that share both are told apart by
    /// comparing the rest. The parser stores it in each member name's entry; compiled tables and
    /// paths carry it for their names.
    @inline(__always)
    static func nameHash<Words: NameWords>(length: Int, _ words: Words) -> UInt32 {
        let head = words.word(0, min(8, length))
        let h = (head ^ UInt64(truncatingIfNeeded: length) << 59) &* 0x9E37_79B9_7F4A_7C15
        return UInt32(truncatingIfNeeded: h >> 32)
    }

    /// A member name's hash, as the parser stored it.
    @inline(__always)
    func nameHash(_ name: Index) -> UInt32 { entries[name].count }

    /// The content of the name (a string entry) at `name`: start offset and length.
    @inline(__always)
    func nameBytes(_ name: Index) -> (start: Int, length: Int) {
        let e = entries[name]
        return (Int(e.start) + 1, Int(e.end) - Int(e.start) - 2)
    }

    /// The member name at `name` as its length and its first (up to) eight bytes in one word, as
    /// `nameWord(_:)` gives a literal's: a name of up to eight bytes is the literal exactly when
    /// both are equal.
    @inline(__always)
    public func nameHead(_ name: Index) -> (length: Int, head: UInt64) {
        let (start, length) = nameBytes(name)
        return (length, word(start, count: min(length, 8)))
    }

    /// A literal's first (up to) eight bytes in one word, to compare with `nameHead`.
    public static func nameWord(_ text: StaticString) -> UInt64 {
        JSONBytes.partialWord(UnsafeRawPointer(text.utf8Start), 0, count: min(text.utf8CodeUnitCount, 8))
    }

    /// Whether the member name at `name` is `word`, byte for byte.
    @inline(__always)
    public func nameIs(_ name: Index, _ word: StaticString) -> Bool {
        let (start, length) = nameBytes(name)
        return length == word.utf8CodeUnitCount && JSONBytes.equal(raw + start, UnsafeRawPointer(word.utf8Start), count: length)
    }

    /// Whether the string at `start`/`length` is `name` (its bytes at `blob`).
    @inline(__always)
    func isName(_ start: Int, _ length: Int, _ name: TapeName, _ blob: UnsafePointer<UInt8>) -> Bool {
        guard length == Int(name.length), word(start, count: min(length, 8)) == name.head else { return false }
        if length <= 8 { return true }
        let rest = length &- 8
        if rest <= 8 && start &+ 16 <= bytes.count {
            // One more word each side (the blob is padded, `TapeNameBuilder.padded`), masked.
            let mask: UInt64 = rest == 8 ? ~0 : (1 << UInt64(rest &* 8)) &- 1
            return (JSONBytes.word(raw, start &+ 8) ^ JSONBytes.word(UnsafeRawPointer(blob), Int(name.offset) &+ 8)) & mask == 0
        }
        return JSONBytes.equal(raw + start + 8, UnsafeRawPointer(blob + Int(name.offset) + 8), count: rest)
    }

    /// Whether the member name entry `e` is `name`: hashes first (stored by the parser), then bytes.
    @inline(__always)
    func isName(_ e: Entry, _ name: TapeName, _ blob: UnsafePointer<UInt8>) -> Bool {
        e.count == name.hash && isName(Int(e.start) &+ 1, Int(e.end &- e.start) &- 2, name, blob)
    }

    /// The value of the member of `object` named `name`, or nil.
    @inline(__always)
    func member(_ object: Index, _ name: TapeName, _ blob: UnsafePointer<UInt8>) -> Index? {
        var k = object &+ 1
        let end = next(object)
        while k < end {
            if isName(entries[k], name, blob) { return k &+ 1 }
            k = next(k &+ 1)
        }
        return nil
    }

    /// The slot of `table` holding the member name at `name`, or nil.
    @inline(__always)
    func lookup(_ name: Index, in table: TapeNameTable, _ slots: UnsafePointer<TapeNameSlot>, _ blob: UnsafePointer<UInt8>) -> TapeNameSlot? {
        let e = entries[name]
        var slot = Int(e.count) & Int(table.mask)
        while true {
            let s = slots[Int(table.slotStart) &+ slot]
            if s.position < 0 { return nil }
            if isName(e, s.name, blob) { return s }
            slot = (slot &+ 1) & Int(table.mask)
        }
    }
}

/// What a schema check leaves on a tape for the rules and key lookups after it — the one pass
/// that serves schema and rules together (docs/decisions.md, 2026-12-04). `JSONTape.notes`:
///
/// - an object an `objectShape` validated to the end: its table (bits 32–47, the table + 1) and
///   its slot map (bits 0–31, where in the storage's pool): per property of the table, the entry
///   of its value or -1. A path step whose name is in that table is then a load, not a scan.
///   Slot maps are the schema's (`JSONTapeStorage.notesOwner`), trusted only when that schema's
///   check completed; a map is noted only once its whole object was visited.
/// - a string that passed `format: money`: bit 63, its decimals in bits 48–55, and bit 62 when its
///   exact value (at most 18 digits) is in `JSONTape.amounts` — the rules' amount, not parsed again.
/// - a string that passed `format: date` or `date-time`: bit 61, the nanoseconds of its instant in
///   bits 0–29 and the seconds in `JSONTape.amounts` — what `RuleDates.instant` makes of its text,
///   for the date-order rules. Noted only on a string with no note yet (money owns `amounts` then).
///
/// Notes are zeroed at every parse. A note on a string is a fact about its bytes, whatever the
/// rest of the schema check found.
enum TapeNotes {
    static let money: UInt64 = 1 << 63
    static let smallAmount: UInt64 = 1 << 62
    static let instant: UInt64 = 1 << 61

    @inline(__always)
    static func instant(nanoseconds: Int) -> UInt64 { instant | UInt64(truncatingIfNeeded: nanoseconds) & 0x3FFF_FFFF }

    @inline(__always)
    static func object(table: Int32, slots: Int) -> UInt64 { UInt64(UInt32(truncatingIfNeeded: table &+ 1)) << 32 | UInt64(UInt32(truncatingIfNeeded: slots)) }

    @inline(__always)
    static func money(decimals: Int, small: Bool) -> UInt64 { money | (small ? smallAmount : 0) | UInt64(decimals & 0xFF) << 48 }
}

extension JSONTape {
    /// A date string's instant, as its note holds it; nil when the string has no instant note.
    @inline(__always)
    func noted(instant i: Index) -> RuleDates.Instant? {
        let note = notes[i]
        guard note & (TapeNotes.money | TapeNotes.instant) == TapeNotes.instant else { return nil }
        return RuleDates.Instant(seconds: amounts[i], nanoseconds: Int(truncatingIfNeeded: note & 0x3FFF_FFFF))
    }

    /// A money string's decimals and (at most 18 digits) value, as its note holds them; nil when
    /// the string has no money note.
    @inline(__always)
    func noted(amount i: Index) -> (decimals: Int, value: Int64?)? {
        let note = notes[i]
        guard note & TapeNotes.money != 0 else { return nil }
        return (Int(truncatingIfNeeded: (note >> 48) & 0xFF), note & TapeNotes.smallAmount != 0 ? amounts[i] : nil)
    }
}
