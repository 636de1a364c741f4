/// JSON Pointers and rule paths (`PathPattern`, `*` wildcards) compiled for tapes: each step a
/// prepared name (`TapeName`), an array index, or a wildcard, in flat memory, followed with no
/// `String` and no reference counting.
struct TapePathStep {
    var wildcard: Bool
    var name: TapeName
    /// The array index the token also names (RFC 6901 digits), or -1.
    var index: Int32
}

struct TapePathRange {
    var start: Int32
    var count: Int32
    var hasWildcard: Bool
}

/// Collects paths while compiling; `TapePaths` is the frozen form. Given the tables of the
/// schema that checks the document first, each named step also records its position in every
/// table, so that it is read from an object's slot map when there is one (`TapeNotes`).
struct TapePathBuilder {
    var steps: [TapePathStep] = []
    var paths: [TapePathRange] = []
    var names = TapeNameBuilder()
    let schema: TapeSchema?
    /// Per step, per table: the step's position in the table, or -1.
    var positions: [Int32] = []

    init(schema: TapeSchema?) { self.schema = schema }

    /// Adds a path of tokens (nil: wildcard); its id, or nil when a token is not ASCII (tape
    /// names compare as bytes, Swift strings by canonical equivalence: they agree on ASCII only)
    /// or more wildcards nest than a `TapeCursor` follows.
    mutating func add(_ tokens: [String?]) -> Int32? {
        guard tokens.allSatisfy({ $0?.utf8.allSatisfy { $0 < 0x80 } ?? true }),
              tokens.filter({ $0 == nil }).count <= TapeCursor.frameLimit
        else { return nil }
        let start = steps.count
        for token in tokens {
            guard let token else {
                steps.append(TapePathStep(wildcard: true, name: TapeName(offset: 0, length: 0, head: 0, hash: 0), index: -1))
                positions += Array(repeating: -1, count: schema?.tableNames.count ?? 0)
                continue
            }
            let index = JSONPointer.arrayIndex(token).map { Int32(clamping: $0) } ?? -1
            steps.append(TapePathStep(wildcard: false, name: names.add(token), index: index))
            positions += (schema?.tableNames ?? []).map { table in table.firstIndex(of: token).map { Int32($0) } ?? -1 }
        }
        paths.append(TapePathRange(start: Int32(start), count: Int32(tokens.count), hasWildcard: tokens.contains(nil)))
        return Int32(paths.count - 1)
    }

    mutating func add(_ pattern: PathPattern) -> Int32? { add(pattern.tokens) }
    mutating func add(_ pointer: JSONPointer) -> Int32? { add(pointer.tokens.map { Optional($0) }) }
}

/// Frozen paths: the steps, the ranges and the names' bytes.
final class TapePaths: @unchecked Sendable {
    // @unchecked Sendable: written once in `init`, only read afterwards.
    let steps: FlatBuffer<TapePathStep>
    let paths: FlatBuffer<TapePathRange>
    let blob: FlatBuffer<UInt8>
    /// `TapePathBuilder.positions`, `tables` per step.
    let positions: FlatBuffer<Int32>
    let tables: Int
    /// The schema whose slot maps the positions refer to.
    let schema: ObjectIdentifier?

    init(_ builder: TapePathBuilder) {
        steps = FlatBuffer(builder.steps)
        paths = FlatBuffer(builder.paths)
        blob = FlatBuffer(builder.names.padded)
        positions = FlatBuffer(builder.positions)
        tables = builder.schema?.tableNames.count ?? 0
        schema = builder.schema.map(ObjectIdentifier.init)
    }

    deinit {
        steps.free()
        paths.free()
        blob.free()
        positions.free()
    }
}

extension JSONTape {
    /// The member or element one named step names (`JSONPointer.child`).
    @inline(__always)
    func child(_ value: Index, _ step: TapePathStep, _ blob: UnsafePointer<UInt8>) -> Index? {
        switch kind(value) {
        case .object: return member(value, step.name, blob)
        case .array: return step.index >= 0 ? element(value, Int(step.index)) : nil
        default: return nil
        }
    }
}

/// Follows compiled paths on one tape: `first` for a single value, `matches`/`next` to iterate
/// every match in document order (`PathPattern.forEachValue`) without closures. Names are read
/// from slot maps where the schema left them (`TapeNotes`), else found by scanning.
struct TapePathWalker {
    let tape: JSONTape
    let steps: UnsafeMutablePointer<TapePathStep>
    let ranges: UnsafeMutablePointer<TapePathRange>
    let blob: UnsafePointer<UInt8>
    let pool: UnsafeMutablePointer<Int32>?
    let positions: UnsafeMutablePointer<Int32>
    let tables: Int

    init(_ tape: JSONTape, _ paths: TapePaths) {
        self.tape = tape
        steps = paths.steps.base
        ranges = paths.paths.base
        blob = UnsafePointer(paths.blob.base)
        // The slot maps are used only when the notes are those of the schema the paths know.
        pool = paths.schema != nil && tape.storage.notesOwner == paths.schema ? tape.storage.pool : nil
        positions = paths.positions.base
        tables = paths.tables
    }

    /// The one value a wildcard-free path names, or the first match of one with wildcards.
    @inline(__always)
    func first(_ id: Int32, from value: JSONTape.Index) -> JSONTape.Index? {
        let path = ranges[Int(id)]
        if !path.hasWildcard {
            var current = value
            var k = Int(path.start)
            let end = k &+ Int(path.count)
            while k < end {
                guard let next = child(current, k) else { return nil }
                current = next
                k &+= 1
            }
            return current
        }
        var cursor = matches(id, from: value)
        return next(&cursor)
    }

    /// A cursor over the matches of path `id` from `value`.
    @inline(__always)
    func matches(_ id: Int32, from value: JSONTape.Index) -> TapeCursor {
        let path = ranges[Int(id)]
        var cursor = TapeCursor(end: Int(path.start) &+ Int(path.count))
        resolve(&cursor, value, from: Int(path.start))
        return cursor
    }

    /// The next match, or nil when there are no more.
    @inline(__always)
    func next(_ c: inout TapeCursor) -> JSONTape.Index? {
        while true {
            if c.pending >= 0 {
                let v = c.pending
                c.pending = -1
                return v
            }
            guard c.depth > 0 else { return nil }
            let top = c.depth == 1
            let (k, limit, step, isObject) = top ? (c.k0, c.limit0, c.step0, c.object0) : (c.k1, c.limit1, c.step1, c.object1)
            guard k < limit else {
                c.depth &-= 1
                continue
            }
            let child = isObject ? k &+ 1 : k
            if top { c.k0 = tape.next(child) } else { c.k1 = tape.next(child) }
            resolve(&c, child, from: step)
        }
    }

    /// The member or element named step `k` names: from the object's slot map when the schema
    /// left one whose table has the name, else by `JSONTape.child`.
    @_transparent
    func child(_ value: JSONTape.Index, _ k: Int) -> JSONTape.Index? { child(value, k, map: slotMap(value)) }

    /// The slot map `child` reads for `value`: its table (1-based; 0 for none) and where its slots
    /// start in the pool. Read once, it serves every step taken from the same object.
    @inline(__always)
    func slotMap(_ value: JSONTape.Index) -> (table: Int, base: Int) {
        guard pool != nil, tape.kind(value) == .object else { return (0, 0) }
        let note = tape.notes[value]
        return (Int(truncatingIfNeeded: (note >> 32) & 0xFFFF), Int(UInt32(truncatingIfNeeded: note)))
    }

    /// `child(value, k)` with `value`'s slot map given.
    @_transparent
    func child(_ value: JSONTape.Index, _ k: Int, map: (table: Int, base: Int)) -> JSONTape.Index? {
        if map.table != 0, let pool {
            let position = positions[k &* tables &+ map.table &- 1]
            if position >= 0 {
                let v = pool[map.base &+ Int(position)]
                return v >= 0 ? Int(v) : nil
            }
        }
        return tape.child(value, steps[k], blob)
    }

    /// Follows named steps from `value`; stops at a wildcard (opening it) or at the end.
    @inline(__always)
    private func resolve(_ c: inout TapeCursor, _ value: JSONTape.Index, from start: Int) {
        var current = value
        var k = start
        while k < c.end {
            if steps[k].wildcard {
                let kind = tape.kind(current)
                guard kind == .array || kind == .object else { return }
                c.depth &+= 1
                // Deeper wildcards than a cursor holds are refused when compiling (`TapePathBuilder`).
                if c.depth == 1 {
                    (c.k0, c.limit0, c.step0, c.object0) = (current &+ 1, tape.next(current), k &+ 1, kind == .object)
                } else {
                    (c.k1, c.limit1, c.step1, c.object1) = (current &+ 1, tape.next(current), k &+ 1, kind == .object)
                }
                return
            }
            guard let next = child(current, k) else { return }
            current = next
            k &+= 1
        }
        c.pending = current
    }
}

/// Where an iteration over a path's matches stands: a value not yet returned, and up to
/// `frameLimit` open wildcards (the next child, the container's end, the step after it).
struct TapeCursor {
    static let frameLimit = 2
    let end: Int
    var pending = -1
    var depth = 0
    var k0 = 0, limit0 = 0, step0 = 0
    var k1 = 0, limit1 = 0, step1 = 0
    var object0 = false, object1 = false

    init(end: Int) { self.end = end }
}

extension JSONPointer {
    /// `resolve(in:)` on a tape. The tokens must be ASCII (`isASCII`): tape names compare as bytes.
    public func resolve(in tape: JSONTape, _ value: JSONTape.Index) -> JSONTape.Index? {
        var current = value
        for token in tokens {
            switch tape.kind(current) {
            case .object:
                guard let next = tape.member(current, token) else { return nil }
                current = next
            case .array:
                guard let i = JSONPointer.arrayIndex(token), let next = tape.element(current, i) else { return nil }
                current = next
            default:
                return nil
            }
        }
        return current
    }

    /// Every token is ASCII, so `resolve(in:_:)` on a tape finds what `resolve(in:)` finds.
    public var isASCII: Bool { tokens.allSatisfy { $0.utf8.allSatisfy { $0 < 0x80 } } }
}
