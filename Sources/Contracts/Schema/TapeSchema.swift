import Basics

/// A `SchemaProgram`'s pass/fail answer compiled for `JSONTape`s (docs/decisions.md, 2026-12-04):
/// the same nodes and keywords (the pass/fail ranges, `objectShape` fused), flattened into plain
/// data — instructions, node lists, name hash tables over bytes, the automata of `pattern`s — in
/// memory of its own, so that checking an event reads no `String`, no class and counts no
/// references.
///
/// Exact, not approximate: every keyword answers what `SchemaEvaluator` answers, nesting is
/// counted as it counts it (its depth limit fails at the same place), and wherever an answer needs
/// a `String` or a tree (a non-ASCII pattern subject, `email`, `enum` of objects, `uniqueItems`,
/// `multipleOf`, a number beyond `Int64`), the value is materialized and the reference's own
/// function answers. Programs that need annotations (`unevaluated*`) or a dynamic scope, or that
/// name a member in non-ASCII (tape names are compared as bytes), are refused (`compile` → nil).
final class TapeSchema: @unchecked Sendable {
    // @unchecked Sendable: every buffer is written once in `init` and only read afterwards.

    struct Node {
        var opStart: Int32
        var opCount: Int32
        var isFalse: Bool
        /// Every op is a `leafCodes` one: checked in place by the object walk (`leafNode`), not
        /// through a nested `evaluate`.
        var leaf: Bool = false
    }

    /// The keywords of a value with no subschema: `type`, `format`, `pattern`, lengths.
    static let leafCodes: Set<Code> = [.type, .format, .pattern, .minLength, .maxLength]

    enum Code: UInt8 {
        case alwaysFalse, ref, allOf, anyOf, oneOf, not, ifThenElse, dependentSchemas
        case objectShape, properties, patternProperties, additionalProperties, propertyNames, required, dependentRequired
        case minProperties, maxProperties, prefixItems, items, contains, minItems, maxItems, uniqueItems
        case type, const, `enum`, minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf
        case minLength, maxLength, pattern, format
    }

    /// One instruction; the meaning of `a`, `b`, `c` depends on `code` (see `compile`).
    struct Op {
        var code: Code
        var small: UInt8 = 0
        var a: Int32 = 0
        var b: Int32 = 0
        var c: Int32 = 0
    }

    /// A `pattern`'s automaton over ASCII: `ascii` (128 classes), `transitions`, `flags` are
    /// offsets into `dfaBytes`/`dfaTransitions`.
    struct Automaton {
        var ascii: Int32
        var transitions: Int32
        var flags: Int32
        var classCount: Int32
        /// The longest subject the reference hands to the automaton (its step budget condition).
        var maxLength: Int32
    }

    /// `Op.small` of a `format` op: the format's position in `SchemaFormat.allCases`; money's is
    /// a literal (a lazily initialized static costs a `swift_once` check on every read).
    static let moneyCode: UInt8 = 4

    let program: SchemaProgram
    let root: Int32
    /// The names of each table in `tables`, in position order (rule paths and key pointers are
    /// compiled against them, `TapeNotes`).
    let tableNames: [[String]]
    let nodes: FlatBuffer<Node>
    let ops: FlatBuffer<Op>
    /// Node lists, `(name, node)` pairs (a `TapeName` index and a node), enum string lists.
    let lists: FlatBuffer<Int32>
    let names: FlatBuffer<TapeName>
    let slots: FlatBuffer<TapeNameSlot>
    let tables: FlatBuffer<TapeNameTable>
    let masks: FlatBuffer<UInt64>
    let limits: FlatBuffer<Int64>
    let blob: FlatBuffer<UInt8>
    let automata: FlatBuffer<Automaton>
    let dfaBytes: FlatBuffer<UInt8>
    let dfaTransitions: FlatBuffer<UInt16>

    deinit {
        for free in [nodes.free, ops.free, lists.free, names.free, slots.free, tables.free, masks.free, limits.free, blob.free,
                     automata.free, dfaBytes.free, dfaTransitions.free] { free() }
    }

    private init(program: SchemaProgram, builder b: Builder) {
        self.program = program
        root = program.root
        tableNames = b.tableNames
        nodes = FlatBuffer(b.nodes)
        ops = FlatBuffer(b.ops)
        lists = FlatBuffer(b.lists)
        names = FlatBuffer(b.names)
        slots = FlatBuffer(b.slots)
        tables = FlatBuffer(b.tables)
        masks = FlatBuffer(b.masks)
        limits = FlatBuffer(b.limits)
        blob = FlatBuffer(b.nameBuilder.padded)
        automata = FlatBuffer(b.automata)
        dfaBytes = FlatBuffer(b.dfaBytes)
        dfaTransitions = FlatBuffer(b.dfaTransitions)
    }

    /// Compiles `program` for tapes, or nil when a tape cannot answer for it exactly.
    static func compile(_ program: SchemaProgram) -> TapeSchema? {
        guard Builder.moneyCodeHolds, !program.usesDynamicScope, !program.nodes.contains(where: \.collectsAnnotations) else { return nil }
        var builder = Builder(program: program)
        guard builder.build() else { return nil }
        return TapeSchema(program: program, builder: builder)
    }

    fileprivate struct Builder {
        let program: SchemaProgram
        var nodes: [Node] = []
        var ops: [Op] = []
        var lists: [Int32] = []
        var names: [TapeName] = []
        var slots: [TapeNameSlot] = []
        var tables: [TapeNameTable] = []
        var tableOf: [TableIndex: Int32] = [:]
        var tableNames: [[String]] = []
        var masks: [UInt64] = []
        var limits: [Int64] = []
        var nameBuilder = TapeNameBuilder()
        var automata: [Automaton] = []
        var automatonOf: [TableIndex: Int32] = [:]
        var dfaBytes: [UInt8] = []
        var dfaTransitions: [UInt16] = []

        init(program: SchemaProgram) { self.program = program }

        static func ascii(_ s: String) -> Bool { s.utf8.allSatisfy { $0 < 0x80 } }

        /// Per node: the node a chain of `$ref`-only nodes ends at, and how many nodes it skips
        /// (each is one nesting level in the reference's depth count).
        var finals: [(node: Int32, hops: Int32)] = []

        mutating func collapseReferences() {
            func onlyReference(_ id: Int) -> Int32? {
                let node = program.nodes[id]
                guard !node.isFalse, node.passFailCount == 1, case .ref(let target) = program.keywords[Int(node.passFailStart)] else { return nil }
                return target
            }
            finals = program.nodes.indices.map { (Int32($0), 0) }
            for id in program.nodes.indices {
                var current = Int32(id)
                var hops: Int32 = 0
                // In-place reference cycles are rejected when compiling, so chains end.
                while let target = onlyReference(Int(current)), hops < Int32(program.nodes.count) {
                    current = target
                    hops += 1
                }
                finals[id] = (current, hops)
            }
        }

        mutating func build() -> Bool {
            collapseReferences()
            for node in program.nodes {
                let start = Int32(ops.count)
                for k in Int(node.passFailStart)..<Int(node.passFailStart + node.passFailCount) {
                    guard let op = op(program.keywords[k]) else { return false }
                    ops.append(op)
                }
                let leaf = !node.isFalse && ops[Int(start)...].allSatisfy { TapeSchema.leafCodes.contains($0.code) }
                nodes.append(Node(opStart: start, opCount: Int32(ops.count) - start, isFalse: node.isFalse, leaf: leaf))
            }
            return true
        }

        mutating func list(_ values: [Int32]) -> Int32 {
            lists += values
            return Int32(lists.count - values.count)
        }

        mutating func name(_ text: String) -> Int32 {
            names.append(nameBuilder.add(text))
            return Int32(names.count - 1)
        }

        mutating func table(_ index: TableIndex) -> Int32? {
            if let known = tableOf[index] { return known }
            let properties = program.tables.properties[Int(index)]
            guard properties.names.allSatisfy(Self.ascii) else { return nil }
            tables.append(TapeNameTable.build(properties.names, nodes: properties.nodes.map { finals[Int($0)].node },
                                              hops: properties.nodes.map { finals[Int($0)].hops }, into: &slots, names: &nameBuilder))
            tableOf[index] = Int32(tables.count - 1)
            tableNames.append(properties.names)
            return Int32(tables.count - 1)
        }

        /// An `Int64` limit when the number is a plain integer, else -1 (the `JSONNumber` path).
        mutating func limit(_ index: TableIndex) -> Int32 {
            guard let v = program.tables.numbers[Int(index)].int64 else { return -1 }
            limits.append(v)
            return Int32(limits.count - 1)
        }

        mutating func automaton(_ index: TableIndex) -> Int32 {
            if let known = automatonOf[index] { return known }
            let regex = program.tables.patterns[Int(index)].regex
            guard let dfa = regex.dfa else { return -1 }
            let a = Automaton(ascii: Int32(dfaBytes.count), transitions: Int32(dfaTransitions.count), flags: Int32(dfaBytes.count + 128),
                              classCount: Int32(dfa.classCount), maxLength: Int32(clamping: program.regexStepLimit / regex.program.count - 1))
            dfaBytes += dfa.asciiClass + dfa.flags
            dfaTransitions += dfa.transitions
            automata.append(a)
            automatonOf[index] = Int32(automata.count - 1)
            return Int32(automata.count - 1)
        }

        static func formatCode(_ format: SchemaFormat) -> UInt8 { UInt8(SchemaFormat.allCases.firstIndex(of: format) ?? 0) }

        /// `moneyCode` is money's code (checked once, when a program is compiled).
        static let moneyCodeHolds: Bool = formatCode(.money) == TapeSchema.moneyCode

        /// `ref` to the end of `node`'s reference chain; `b` is the extra depth the chain costs.
        func reference(_ node: Int32) -> Op {
            let final = finals[Int(node)]
            return Op(code: .ref, a: final.node, b: final.hops)
        }

        mutating func op(_ keyword: Keyword) -> Op? {
            switch keyword {
            case .alwaysFalse: return Op(code: .alwaysFalse)
            case .ref(let node): return reference(node)
            case .dynamicRef(let ref): return reference(program.tables.dynamicRefs[Int(ref)].target)
            case .allOf(let i), .anyOf(let i), .oneOf(let i):
                let nodes = program.tables.nodeLists[Int(i)]
                let code: Code
                switch keyword {
                case .allOf: code = .allOf
                case .anyOf: code = .anyOf
                default: code = .oneOf
                }
                return Op(code: code, a: list(nodes), b: Int32(nodes.count))
            case .not(let node): return Op(code: .not, a: node)
            case .ifThenElse(let condition, let then, let otherwise): return Op(code: .ifThenElse, a: condition, b: then, c: otherwise)
            case .dependentSchemas(let i):
                let pairs = program.tables.namedNodes[Int(i)]
                guard pairs.allSatisfy({ Self.ascii($0.0) }) else { return nil }
                let flat = pairs.flatMap { [name($0.0), $0.1] }
                return Op(code: .dependentSchemas, a: list(flat), b: Int32(pairs.count))
            case .objectShape(let i):
                let shape = program.tables.shapes[Int(i)]
                guard let table = table(shape.properties) else { return nil }
                masks.append(shape.required)
                return Op(code: .objectShape, a: table, b: shape.additional, c: Int32(masks.count - 1))            case .properties(let i):
                guard let table = table(i) else { return nil }
                return Op(code: .properties, a: table)
            case .patternProperties(let i): return Op(code: .patternProperties, a: i)
            case .additionalProperties(let node, let known, let patterns):
                var table: Int32 = -1
                if known >= 0 {
                    guard let t = self.table(known) else { return nil }
                    table = t
                }
                return Op(code: .additionalProperties, a: node, b: table, c: patterns)
            case .propertyNames(let node): return Op(code: .propertyNames, a: node)
            case .required(let i):
                let required = program.tables.stringLists[Int(i)]
                guard required.allSatisfy(Self.ascii) else { return nil }
                let ids = required.map { name($0) }
                return Op(code: .required, a: list(ids), b: Int32(ids.count))
            case .dependentRequired(let i):
                guard program.tables.dependentRequired[Int(i)].allSatisfy({ Self.ascii($0.0) && $0.1.allSatisfy(Self.ascii) }) else { return nil }
                return Op(code: .dependentRequired, a: i)
            case .minProperties(let n): return Op(code: .minProperties, a: Int32(clamping: n))
            case .maxProperties(let n): return Op(code: .maxProperties, a: Int32(clamping: n))
            case .prefixItems(let i):
                let nodes = program.tables.nodeLists[Int(i)]
                return Op(code: .prefixItems, a: list(nodes), b: Int32(nodes.count))
            case .items(let node, let from): return Op(code: .items, a: finals[Int(node)].node, b: Int32(clamping: from), c: finals[Int(node)].hops)
            case .contains(let node, let min, let max): return Op(code: .contains, a: node, b: Int32(clamping: min), c: Int32(clamping: max))
            case .minItems(let n): return Op(code: .minItems, a: Int32(clamping: n))
            case .maxItems(let n): return Op(code: .maxItems, a: Int32(clamping: n))
            case .uniqueItems: return Op(code: .uniqueItems)
            case .unevaluatedItems, .unevaluatedProperties: return nil
            case .type(let mask): return Op(code: .type, small: mask.rawValue)
            case .const(let i):
                // A string constant is compared as bytes (b = its name index); anything else by value.
                if case .string(let s) = program.tables.values[Int(i)] { return Op(code: .const, a: i, b: name(s)) }
                return Op(code: .const, a: i, b: -1)
            case .enum(let i):
                let ids = program.tables.valueLists[Int(i)].map { v -> Int32 in
                    if case .string(let s) = v { return name(s) }
                    return -1
                }
                return Op(code: .enum, a: i, b: list(ids), c: Int32(ids.count))
            case .minimum(let i): return Op(code: .minimum, a: i, b: limit(i))
            case .maximum(let i): return Op(code: .maximum, a: i, b: limit(i))
            case .exclusiveMinimum(let i): return Op(code: .exclusiveMinimum, a: i, b: limit(i))
            case .exclusiveMaximum(let i): return Op(code: .exclusiveMaximum, a: i, b: limit(i))
            case .multipleOf(let i): return Op(code: .multipleOf, a: i)
            case .minLength(let n): return Op(code: .minLength, a: Int32(clamping: n))
            case .maxLength(let n): return Op(code: .maxLength, a: Int32(clamping: n))
            case .pattern(let i): return Op(code: .pattern, a: i, b: automaton(i))
            case .format(let format): return Op(code: .format, small: Self.formatCode(format))
            }
        }
    }
}

extension TapeSchema {
    /// Whether the value at `index` is valid (exactly `CompiledSchema.isValid` of its `JSONValue`).
    func isValid(_ tape: JSONTape, _ index: JSONTape.Index) -> Bool {
        let storage = tape.storage
        var run = TapeSchemaRun(schema: self, tape: tape)
        storage.notesOwner = nil
        let valid = run.evaluate(root, index, depth: 0)
        (storage.pool, storage.poolCapacity, storage.poolCount) = (run.pool, run.poolCapacity, run.poolCount)
        // The slot maps are this schema's, and complete (`TapeNotes`).
        if valid { storage.notesOwner = ObjectIdentifier(self) }
        return valid
    }
}

/// One evaluation: the program's buffers as plain pointers, and the tape. `depth` counts nested
/// node evaluations exactly as `SchemaEvaluator` does (a collapsed `$ref` chain adds its length).
struct TapeSchemaRun {
    let schema: TapeSchema
    let tape: JSONTape
    let nodes: UnsafeMutablePointer<TapeSchema.Node>
    let ops: UnsafeMutablePointer<TapeSchema.Op>
    let lists: UnsafeMutablePointer<Int32>
    let blob: UnsafePointer<UInt8>
    let slots: UnsafePointer<TapeNameSlot>
    /// The storage's slot pool, held here for the run (a struct's fields, not a class's, so no
    /// access is checked at run time) and handed back by `TapeSchema.isValid`.
    var pool: UnsafeMutablePointer<Int32>
    var poolCapacity: Int
    var poolCount: Int

    init(schema: TapeSchema, tape: JSONTape) {
        self.schema = schema
        self.tape = tape
        nodes = schema.nodes.base
        ops = schema.ops.base
        lists = schema.lists.base
        blob = UnsafePointer(schema.blob.base)
        slots = UnsafePointer(schema.slots.base)
        (pool, poolCapacity, poolCount) = (tape.storage.pool, tape.storage.poolCapacity, tape.storage.poolCount)
    }

    /// Room for `extra` more slots; indices already handed out stay valid.
    mutating func growPool(_ extra: Int) {
        var bigger = poolCapacity * 2
        while bigger < poolCount + extra { bigger *= 2 }
        let fresh = UnsafeMutablePointer<Int32>.allocate(capacity: bigger)
        fresh.moveInitialize(from: pool, count: poolCount)
        pool.deallocate()
        (pool, poolCapacity) = (fresh, bigger)
    }

    /// Node `id` against the value at `i`; the hot keywords inline, the others in `op`.
    mutating func evaluate(_ id: Int32, _ i: JSONTape.Index, depth: Int) -> Bool {
        if depth >= SchemaEvaluator.maxDepth { return false }
        let node = nodes[Int(id)]
        var k = Int(node.opStart)
        let end = k &+ Int(node.opCount)
        let kind = tape.kind(i)
        while k < end {
            let op = ops[k]
            k &+= 1
            switch op.code {
            case .type, .format, .pattern, .minLength, .maxLength:
                if !leafOp(op, i, kind) { return false }
            case .ref:
                if !evaluate(op.a, i, depth: depth &+ 1 &+ Int(op.b)) { return false }
            case .objectShape:
                if kind == .object && !objectShape(op, i, depth: depth) { return false }
            case .items:
                if kind == .array && !items(op, i, depth: depth) { return false }
            default:
                if !self.op(op, i, kind, depth: depth) { return false }
            }
        }
        return true
    }

    /// A `leaf` node against the value at `i`, where an object walk meets it: `evaluate` without
    /// the call (the depth is checked as `evaluate` checks it).
    @_transparent
    private mutating func leafNode(_ node: TapeSchema.Node, _ i: JSONTape.Index, depth: Int) -> Bool {
        if depth >= SchemaEvaluator.maxDepth { return false }
        let kind = tape.kind(i)
        var k = Int(node.opStart)
        let end = k &+ Int(node.opCount)
        while k < end {
            if !leafOp(ops[k], i, kind) { return false }
            k &+= 1
        }
        return true
    }

    /// One of `TapeSchema.leafCodes`.
    @inline(__always)
    private mutating func leafOp(_ op: TapeSchema.Op, _ i: JSONTape.Index, _ kind: JSONTape.Kind) -> Bool {
        switch op.code {
        case .type:
            let mask = TypeMask(rawValue: op.small)
            switch kind {
            case .string: return mask.contains(.string)
            case .object: return mask.contains(.object)
            case .array: return mask.contains(.array)
            case .number:
                return mask.contains(.number) || (mask.contains(.integer) && (tape.isPlainInteger(i) || tape.number(i).isIntegral))
            case .true, .false: return mask.contains(.boolean)
            case .null: return mask.contains(.null)
            }
        case .format:
            return kind != .string || format(op, i)
        case .pattern:
            return kind != .string || pattern(op, i)
        case .minLength:
            guard kind == .string else { return true }
            if tape.isASCIIString(i) { return tape.rawLength(i) >= Int(op.a) }
            return scalarCount(i, atLeast: Int(op.a)) >= Int(op.a)
        case .maxLength:
            guard kind == .string else { return true }
            if tape.isASCIIString(i) { return tape.rawLength(i) <= Int(op.a) }
            return scalarCount(i, atLeast: Int(op.a) &+ 1) <= Int(op.a)
        default:
            return true
        }
    }

    private mutating func op(_ op: TapeSchema.Op, _ i: JSONTape.Index, _ kind: JSONTape.Kind, depth: Int) -> Bool {
        let inner = depth &+ 1
        switch op.code {
        case .enum:
            if kind == .string && tape.isPlainString(i) {
                for k in 0..<Int(op.c) where lists[Int(op.b) + k] >= 0 && isString(i, lists[Int(op.b) + k]) { return true }
                return false
            }
            return schema.program.tables.valueLists[Int(op.a)].contains { equal(i, $0) }
        case .const:
            if kind == .string && tape.isPlainString(i) && op.b >= 0 { return isString(i, op.b) }
            return equal(i, schema.program.tables.values[Int(op.a)])
        case .minimum, .maximum, .exclusiveMinimum, .exclusiveMaximum:
            guard kind == .number else { return true }
            return compare(op, i)
        case .multipleOf:
            guard kind == .number else { return true }
            return DecimalMultiple.isMultiple(tape.number(i), of: schema.program.tables.numbers[Int(op.a)])
        case .alwaysFalse: return false
        case .allOf:
            for k in 0..<Int(op.b) where !evaluate(lists[Int(op.a) + k], i, depth: inner) { return false }
            return true
        case .anyOf:
            for k in 0..<Int(op.b) where evaluate(lists[Int(op.a) + k], i, depth: inner) { return true }
            return false
        case .oneOf:
            var matched = 0
            for k in 0..<Int(op.b) where evaluate(lists[Int(op.a) + k], i, depth: inner) {
                matched += 1
                if matched > 1 { return false }
            }
            return matched == 1
        case .not: return !evaluate(op.a, i, depth: inner)
        case .ifThenElse:
            if op.b < 0 && op.c < 0 { return true }
            if evaluate(op.a, i, depth: inner) { return op.b < 0 || evaluate(op.b, i, depth: inner) }
            return op.c < 0 || evaluate(op.c, i, depth: inner)
        case .dependentSchemas:
            guard kind == .object else { return true }
            for k in 0..<Int(op.b) {
                let name = schema.names[lists[Int(op.a) + 2 * k]]
                if tape.member(i, name, blob) != nil && !evaluate(lists[Int(op.a) + 2 * k + 1], i, depth: inner) { return false }
            }
            return true
        case .properties, .patternProperties, .additionalProperties, .propertyNames, .required, .dependentRequired,
            .minProperties, .maxProperties:
            guard kind == .object else { return true }
            return objectKeyword(op, i, depth: depth)
        case .prefixItems, .contains, .minItems, .maxItems, .uniqueItems:
            guard kind == .array else { return true }
            return arrayKeyword(op, i, depth: depth)
        default:
            return true  // the hot keywords are evaluated in `evaluate`
        }
    }

    /// A `format`; a money amount is read once here and noted for the rules (`TapeNotes`).
    @inline(__always)
    private mutating func format(_ op: TapeSchema.Op, _ i: JSONTape.Index) -> Bool {
        if op.small == TapeSchema.moneyCode && tape.isPlainString(i) {
            guard let amount = MoneyFormat.scan(utf8: tape.rawString(i)) else { return false }
            tape.notes[i] = TapeNotes.money(decimals: amount.decimals, small: amount.value != nil)
            if let value = amount.value { tape.amounts[i] = value }
            return true
        }
        return otherFormat(op, i)
    }

    /// Every format but a plain money amount (kept out of `evaluate`'s loop).
    @inline(never)
    private mutating func otherFormat(_ op: TapeSchema.Op, _ i: JSONTape.Index) -> Bool {
        let format = SchemaFormat.allCases[Int(op.small)]
        if format == .date || format == .dateTime, tape.isPlainString(i) {
            // One parse: the check, and the instant the date-order rules then read (`TapeNotes`).
            guard let t = RFC3339.parse(tape.rawString(i), allowDateOnly: true),
                  format == .date ? !t.hasTime : SchemaFormat.isDateTime(t)
            else { return false }
            if tape.notes[i] == 0, let instant = RuleDates.instant(t) {
                tape.notes[i] = TapeNotes.instant(nanoseconds: instant.nanoseconds)
                tape.amounts[i] = instant.seconds
            }
            return true
        }
        if tape.isPlainString(i), let valid = format.isValid(utf8: tape.rawString(i)) { return valid }
        return format.isValid(tape.string(i))
    }

    // MARK: Objects and arrays

    /// `properties`, `required` and `additionalProperties` in one pass; the object's slot map is
    /// filled on the way and noted once the whole object passed (`TapeNotes`).
    @inline(__always)
    private mutating func objectShape(_ op: TapeSchema.Op, _ object: JSONTape.Index, depth: Int) -> Bool {
        let table = schema.tables[op.a]
        let required = schema.masks[op.c]
        if poolCount &+ Int(table.count) > poolCapacity { growPool(Int(table.count)) }
        let base = poolCount
        poolCount &+= Int(table.count)
        let map = pool + base
        map.update(repeating: -1, count: Int(table.count))
        var present: UInt64 = 0
        var k = object &+ 1
        let end = tape.next(object)
        while k < end {
            let value = k &+ 1
            if let slot = tape.lookup(k, in: table, slots, blob) {
                if slot.position < 64 { present |= 1 << UInt64(slot.position) }
                map[Int(slot.position)] = Int32(truncatingIfNeeded: value)
                let node = nodes[Int(slot.node)]
                let inner = depth &+ 1 &+ Int(slot.hops)
                if node.leaf ? !leafNode(node, value, depth: inner) : (node.isFalse || !evaluate(slot.node, value, depth: inner)) { return false }
            } else if op.b >= 0 {
                if nodes[Int(op.b)].isFalse || !evaluate(op.b, value, depth: depth &+ 1) { return false }
            }
            k = tape.next(value)
        }
        guard present & required == required else { return false }
        tape.notes[object] = TapeNotes.object(table: op.a, slots: base)
        return true
    }

    @inline(__always)
    private mutating func items(_ op: TapeSchema.Op, _ array: JSONTape.Index, depth: Int) -> Bool {
        let forbidden = nodes[Int(op.a)].isFalse
        var k = array &+ 1
        let end = tape.next(array)
        var n = 0
        while k < end {
            if n >= Int(op.b) && (forbidden || !evaluate(op.a, k, depth: depth &+ 1 &+ Int(op.c))) { return false }
            k = tape.next(k)
            n &+= 1
        }
        return true
    }

    private mutating func objectKeyword(_ op: TapeSchema.Op, _ object: JSONTape.Index, depth: Int) -> Bool {
        let inner = depth &+ 1
        var k = object + 1
        let end = tape.next(object)
        switch op.code {
        case .properties:
            let table = schema.tables[op.a]
            while k < end {
                if let slot = tape.lookup(k, in: table, slots, blob), !evaluate(slot.node, k + 1, depth: inner &+ Int(slot.hops)) { return false }
                k = tape.next(k + 1)
            }
        case .patternProperties:
            while k < end {
                for p in schema.program.tables.patternLists[Int(op.a)] where matches(p, k) {
                    if !evaluate(schema.program.tables.patterns[Int(p)].node, k + 1, depth: inner) { return false }
                }
                k = tape.next(k + 1)
            }
        case .additionalProperties:
            while k < end {
                defer { k = tape.next(k + 1) }
                if op.b >= 0 && tape.lookup(k, in: schema.tables[op.b], slots, blob) != nil { continue }
                if op.c >= 0 && schema.program.tables.patternLists[Int(op.c)].contains(where: { matches($0, k) }) { continue }
                if nodes[Int(op.a)].isFalse || !evaluate(op.a, k + 1, depth: inner) { return false }
            }
        case .propertyNames:
            // A member name is a string entry: the subschema reads it like any string.
            while k < end {
                if !evaluate(op.a, k, depth: inner) { return false }
                k = tape.next(k + 1)
            }
        case .required:
            for n in 0..<Int(op.b) where tape.member(object, schema.names[lists[Int(op.a) + n]], blob) == nil { return false }
        case .dependentRequired:
            for (trigger, names) in schema.program.tables.dependentRequired[Int(op.a)] where tape.member(object, trigger) != nil {
                guard names.allSatisfy({ tape.member(object, $0) != nil }) else { return false }
            }
        case .minProperties: return tape.count(object) >= Int(op.a)
        case .maxProperties: return tape.count(object) <= Int(op.a)
        default: break
        }
        return true
    }

    private mutating func arrayKeyword(_ op: TapeSchema.Op, _ array: JSONTape.Index, depth: Int) -> Bool {
        let inner = depth &+ 1
        var k = array + 1
        let end = tape.next(array)
        var n = 0
        switch op.code {
        case .prefixItems:
            while k < end && n < Int(op.b) {
                if !evaluate(lists[Int(op.a) + n], k, depth: inner) { return false }
                k = tape.next(k)
                n += 1
            }
        case .contains:
            // As the reference: stop counting once enough match and there is no maximum.
            while k < end && (op.c >= 0 || n < Int(op.b)) {
                if evaluate(op.a, k, depth: inner) { n += 1 }
                k = tape.next(k)
            }
            return n >= Int(op.b) && (op.c < 0 || n <= Int(op.c))
        case .minItems: return tape.count(array) >= Int(op.a)
        case .maxItems: return tape.count(array) <= Int(op.a)
        case .uniqueItems:
            guard case .array(let items) = tape.value(array) else { return false }
            return InstanceEquality.firstDuplicate(items) == nil
        default: break
        }
        return true
    }

    private mutating func matches(_ pattern: TableIndex, _ name: JSONTape.Index) -> Bool {
        let regex = schema.program.tables.patterns[Int(pattern)].regex
        var budget = schema.program.regexStepLimit
        return regex.firstMatch(in: tape.string(name), budget: &budget) ?? false
    }

    // MARK: Assertions

    private mutating func pattern(_ op: TapeSchema.Op, _ i: JSONTape.Index) -> Bool {
        if op.b >= 0 && tape.isASCIIString(i) {
            let a = schema.automata[op.b]
            let text = tape.rawString(i)
            // The reference's own condition for taking the automaton (`ECMARegex.firstMatch`).
            if text.count <= Int(a.maxLength) {
                let bytes = schema.dfaBytes.base
                let transitions = schema.dfaTransitions.base + Int(a.transitions)
                let ascii = bytes + Int(a.ascii)
                let flags = bytes + Int(a.flags)
                let classes = Int(a.classCount)
                var state = 0
                for b in text {
                    let f = flags[state]
                    if f & (RegexDFA.dead | RegexDFA.acceptsBeforeEnd) != 0 { return f & RegexDFA.acceptsBeforeEnd != 0 }
                    state = Int(transitions[state * classes + Int(ascii[Int(b)])])
                }
                return flags[state] & RegexDFA.acceptsAtEnd != 0
            }
        }
        return regexPattern(op, i)
    }

    /// A pattern the ASCII automaton does not take: the reference's regex on the string.
    @inline(never)
    private mutating func regexPattern(_ op: TapeSchema.Op, _ i: JSONTape.Index) -> Bool {
        let regex = schema.program.tables.patterns[Int(op.a)].regex
        var budget = schema.program.regexStepLimit
        return regex.firstMatch(in: tape.string(i), budget: &budget) ?? false
    }

    private mutating func compare(_ op: TapeSchema.Op, _ i: JSONTape.Index) -> Bool {
        if op.b >= 0, let v = tape.int64(i) {
            let limit = schema.limits[op.b]
            switch op.code {
            case .minimum: return v >= limit
            case .maximum: return v <= limit
            case .exclusiveMinimum: return v > limit
            default: return v < limit
            }
        }
        let n = tape.number(i)
        let limit = schema.program.tables.numbers[Int(op.a)]
        switch op.code {
        case .minimum: return !(n < limit)
        case .maximum: return !(limit < n)
        case .exclusiveMinimum: return limit < n
        default: return n < limit
        }
    }

    /// Whether the plain string at `i` has the bytes of name `id`.
    @inline(__always)
    private mutating func isString(_ i: JSONTape.Index, _ id: Int32) -> Bool {
        let (start, length) = tape.nameBytes(i)
        return tape.isName(start, length, schema.names[id], blob)
    }

    /// A string's length in Unicode scalars (as `String.unicodeScalars.count`); counting may stop
    /// early once the answer to "at least `limit`" is known from the byte count.
    @inline(never)
    private mutating func scalarCount(_ i: JSONTape.Index, atLeast limit: Int) -> Int {
        guard tape.isPlainString(i) else { return tape.string(i).unicodeScalars.count }
        let raw = tape.rawString(i)
        if tape.isASCIIString(i) { return raw.count }
        // Every scalar is 1–4 bytes: few enough bytes answer without counting.
        if raw.count < limit { return raw.count }
        var scalars = 0
        for b in raw where b & 0xC0 != 0x80 { scalars += 1 }
        return scalars
    }

    /// `InstanceEquality.equal` between the tape's value and a schema value.
    private mutating func equal(_ i: JSONTape.Index, _ value: JSONValue) -> Bool {
        switch (tape.kind(i), value) {
        case (.null, .null): return true
        case (.true, .bool(let b)): return b
        case (.false, .bool(let b)): return !b
        case (.number, .number(let n)): return tape.number(i) == n
        case (.string, .string(let s)):
            guard tape.isPlainString(i) else { return InstanceEquality.sameScalars(tape.string(i), s) }
            let raw = tape.rawString(i)
            // Code point equality is byte equality of the UTF-8.
            return s.utf8.count == raw.count && s.utf8.elementsEqual(raw)
        case (.array, .array), (.object, .object): return InstanceEquality.equal(tape.value(i), value)
        default: return false
        }
    }
}
