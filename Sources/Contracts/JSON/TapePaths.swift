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
    /// or more wildcards nest than `TapeMatches` follows.
    mutating func add(_ tokens: [String?]) -> Int32? {
        guard tokens.allSatisfy({ $0?.utf8.allSatisfy { $0 < 0x80 } ?? true }),
              tokens.filter({ $0 == nil }).count <= TapeMatches.frameLimit
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
        blob = FlatBuffer(builder.names.blob)
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

    /// What path `id` names from `value`: the value of a wildcard-free path, the first match of
    /// one with wildcards (`PathPattern.firstValue`, `JSONPointer.resolve`).
    @inline(__always)
    func first(_ id: Int32, in paths: TapePaths, from value: Index, pool: UnsafeMutablePointer<Int32>?) -> Index? {
        var matches = TapeMatches(self, paths, id, from: value, pool: pool)
        return matches.next()
    }

    /// The slot pool, when the notes on this tape are those of the schema `paths` was compiled
    /// against (`TapeNotes`); nil: look names up by scanning.
    func slotPool(for paths: TapePaths) -> UnsafeMutablePointer<Int32>? {
        paths.schema != nil && storage.notesOwner == paths.schema ? storage.pool : nil
    }
}

/// The matches of a compiled path from one value, in document order (`PathPattern.forEachValue`),
/// as an iterator: rules loop over them without closures. Wildcards walk the elements of arrays
/// and the member values of objects; up to `frameLimit` of them nest (no contract path has more).
struct TapeMatches {
    let tape: JSONTape
    let steps: UnsafeMutablePointer<TapePathStep>
    let blob: UnsafePointer<UInt8>
    let end: Int
    /// Slot maps to read names from (nil: scan members), with the steps' table positions.
    let pool: UnsafeMutablePointer<Int32>?
    let positions: UnsafeMutablePointer<Int32>
    let tables: Int
    /// A value resolved to the end of the path, not yet returned.
    private var pending: JSONTape.Index?
    /// Open wildcards: the next child to visit, the container's end, the step after the wildcard.
    private var cursors: (Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0)
    private var objects: (Bool, Bool) = (false, false)
    private var depth = 0
    static let frameLimit = 2

    @inline(__always)
    init(_ tape: JSONTape, _ paths: TapePaths, _ id: Int32, from value: JSONTape.Index, pool: UnsafeMutablePointer<Int32>?) {
        self.tape = tape
        steps = paths.steps.base
        blob = UnsafePointer(paths.blob.base)
        self.pool = pool
        positions = paths.positions.base
        tables = paths.tables
        let path = paths.paths[id]
        end = Int(path.start) &+ Int(path.count)
        resolve(value, from: Int(path.start))
    }

    @inline(__always)
    mutating func next() -> JSONTape.Index? {
        while true {
            if let v = pending {
                pending = nil
                return v
            }
            guard depth > 0 else { return nil }
            let (k, limit, step, isObject) = depth == 1 ? (cursors.0, cursors.1, cursors.2, objects.0) : (cursors.3, cursors.4, cursors.5, objects.1)
            guard k < limit else {
                depth &-= 1
                continue
            }
            let child = isObject ? k &+ 1 : k
            let after = tape.next(child)
            if depth == 1 { cursors.0 = after } else { cursors.3 = after }
            resolve(child, from: step)
        }
    }

    /// The member or element named step `k` names: from the object's slot map when the schema
    /// left one whose table has the name, else by `JSONTape.child`.
    @inline(__always)
    private func child(_ value: JSONTape.Index, _ step: TapePathStep, _ k: Int) -> JSONTape.Index? {
        if let pool, tape.kind(value) == .object {
            let note = tape.notes[value]
            let table = Int(truncatingIfNeeded: (note >> 32) & 0xFFFF)
            if table != 0 {
                let position = positions[k &* tables &+ table &- 1]
                if position >= 0 {
                    let v = pool[Int(UInt32(truncatingIfNeeded: note)) &+ Int(position)]
                    return v >= 0 ? Int(v) : nil
                }
            }
        }
        return tape.child(value, step, blob)
    }

    /// Follows named steps from `value`; stops at a wildcard (opening it) or at the end.
    @inline(__always)
    private mutating func resolve(_ value: JSONTape.Index, from start: Int) {
        var current = value
        var k = start
        while k < end {
            let step = steps[k]
            if step.wildcard {
                let kind = tape.kind(current)
                guard kind == .array || kind == .object else { return }
                depth &+= 1
                // Deeper wildcards than the frames hold are refused when compiling (`TapePathBuilder`).
                if depth == 1 {
                    cursors.0 = current &+ 1
                    cursors.1 = tape.next(current)
                    cursors.2 = k &+ 1
                    objects.0 = kind == .object
                } else {
                    cursors.3 = current &+ 1
                    cursors.4 = tape.next(current)
                    cursors.5 = k &+ 1
                    objects.1 = kind == .object
                }
                return
            }
            guard let next = child(current, step, k) else { return }
            current = next
            k &+= 1
        }
        pending = current
    }
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
