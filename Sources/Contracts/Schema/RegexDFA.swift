/// A deterministic matcher built ahead of time from an `ECMARegex` program: the Pike VM's thread
/// sets become states (subset construction), so matching reads each UTF-8 byte once and takes
/// one table step per scalar, with no thread lists and no index validation.
///
/// Built only for programs without lookaheads, word boundaries and Unicode-property classes,
/// and only while the automaton stays small; `ECMARegex` keeps the VM for everything else. It
/// answers exactly what the VM answers (`firstMatch` semantics: an unanchored search honouring
/// `^` and `$`); the caller uses it only where the VM could not have run out of steps.
struct RegexDFA: Sendable {
    /// Limits that keep building cheap and the tables small; a pattern over them keeps the VM.
    static let maxProgram = 1_024
    static let maxStates = 256
    static let maxClasses = 64

    /// Scalars are grouped into classes that every instruction treats alike. Class of each
    /// ASCII byte.
    let asciiClass: [UInt8]
    /// Classes of non-ASCII scalars: the range starting at `nonASCIIStarts[k]` (ascending, the
    /// first is 0x80) up to the next start has class `nonASCIIClasses[k]`.
    private let nonASCIIStarts: [UInt32]
    private let nonASCIIClasses: [UInt8]
    let classCount: Int
    /// `transitions[state * classCount + class]`: the state after reading a scalar of `class`.
    let transitions: [UInt16]
    let flags: [UInt8]
    static let acceptsBeforeEnd: UInt8 = 1
    static let acceptsAtEnd: UInt8 = 2
    /// No accepting state is reachable: the answer is no, whatever follows.
    static let dead: UInt8 = 4

    /// Compiles `program` (an `ECMARegex` program and its sets), or nil when it has an
    /// instruction the automaton does not model or the automaton would be too big.
    init?(program: [ECMARegex.Instruction], sets: [RegexCharClass], anchoredAtStart: Bool) {
        guard program.count <= Self.maxProgram else { return nil }
        // Class boundaries: every literal and every set range starts and ends a class; ASCII
        // and non-ASCII never share one.
        var cuts: Set<UInt32> = [0, 0x80]
        for instruction in program {
            switch instruction {
            case .scalar(let v):
                cuts.insert(v)
                cuts.insert(v + 1)
            case .set(let s):
                guard sets[Int(s)].properties.isEmpty else { return nil }
                for r in sets[Int(s)].ranges {
                    cuts.insert(r.lowerBound)
                    cuts.insert(r.upperBound + 1)
                }
            case .wordBoundary, .lookahead:
                return nil
            case .split, .jump, .start, .end, .match:
                break
            }
        }
        let starts = cuts.filter { $0 <= 0x10FFFF }.sorted()
        let consuming = program.indices.filter {
            switch program[$0] {
            case .scalar, .set: return true
            default: return false
            }
        }
        func accepts(_ pc: Int, _ scalar: UInt32) -> Bool {
            switch program[pc] {
            case .scalar(let v): return v == scalar
            case .set(let s): return sets[Int(s)].rangesContain(scalar) != sets[Int(s)].negated  // no properties (checked above)
            default: return false
            }
        }
        // Intervals with the same behaviour under every consuming instruction share a class.
        var classOfSignature: [[Bool]: Int] = [:]
        var representatives: [UInt32] = []
        var intervalClass: [Int] = []
        for start in starts {
            let signature = consuming.map { accepts($0, start) }
            if let known = classOfSignature[signature] {
                intervalClass.append(known)
            } else {
                classOfSignature[signature] = representatives.count
                intervalClass.append(representatives.count)
                representatives.append(start)
            }
        }
        guard representatives.count <= Self.maxClasses else { return nil }
        var ascii = [UInt8](repeating: 0, count: 128)
        var nonASCIIStarts: [UInt32] = []
        var nonASCIIClasses: [UInt8] = []
        for (k, start) in starts.enumerated() {
            let end = k + 1 < starts.count ? starts[k + 1] : 0x110000
            if start < 0x80 {
                for b in start..<min(end, 0x80) { ascii[Int(b)] = UInt8(intervalClass[k]) }
            } else {
                nonASCIIStarts.append(start)
                nonASCIIClasses.append(UInt8(intervalClass[k]))
            }
        }

        // Subset construction. A state is the thread list the VM would hold before reading the
        // next scalar (epsilon closure taken with "not at the end"), plus whether the closure
        // reaches `match` with input left and at the end of the input.
        var marks = [Int](repeating: 0, count: program.count)
        var generation = 0
        func closure(_ seeds: [Int], atStart: Bool, atEnd: Bool) -> (threads: [Int], matched: Bool) {
            generation += 1
            var stack = seeds
            var threads: [Int] = []
            var matched = false
            while let pc = stack.popLast() {
                guard marks[pc] != generation else { continue }
                marks[pc] = generation
                switch program[pc] {
                case .match: matched = true
                case .scalar, .set: threads.append(pc)
                case .jump(let to): stack.append(Int(to))
                case .split(let a, let b):
                    stack.append(Int(b))
                    stack.append(Int(a))
                case .start: if atStart { stack.append(pc + 1) }
                case .end: if atEnd { stack.append(pc + 1) }
                case .wordBoundary, .lookahead: break
                }
            }
            return (threads.sorted(), matched)
        }
        struct Key: Hashable {
            var threads: [Int]
            var flags: UInt8
        }
        func key(_ seeds: [Int], atStart: Bool) -> Key {
            let running = closure(seeds, atStart: atStart, atEnd: false)
            let ending = closure(seeds, atStart: atStart, atEnd: true)
            return Key(threads: running.threads, flags: (running.matched ? Self.acceptsBeforeEnd : 0) | (ending.matched ? Self.acceptsAtEnd : 0))
        }
        var states: [Key] = [key([0], atStart: true)]
        var ids: [Key: Int] = [states[0]: 0]
        var table: [UInt16] = []
        var next = 0
        while next < states.count {
            let state = states[next]
            next += 1
            for representative in representatives {
                var seeds = state.threads.filter { accepts($0, representative) }.map { $0 + 1 }
                if !anchoredAtStart { seeds.append(0) }
                let target = key(seeds, atStart: false)
                if let id = ids[target] {
                    table.append(UInt16(id))
                } else {
                    guard states.count < Self.maxStates else { return nil }
                    ids[target] = states.count
                    table.append(UInt16(states.count))
                    states.append(target)
                }
            }
        }
        // Dead states: those from which no accepting state can be reached.
        let classes = representatives.count
        var live = states.map { $0.flags != 0 }
        var changed = true
        while changed {
            changed = false
            for s in states.indices where !live[s] {
                if (0..<classes).contains(where: { live[Int(table[s * classes + $0])] }) {
                    live[s] = true
                    changed = true
                }
            }
        }
        asciiClass = ascii
        self.nonASCIIStarts = nonASCIIStarts
        self.nonASCIIClasses = nonASCIIClasses
        classCount = classes
        transitions = table
        flags = states.indices.map { states[$0].flags | (live[$0] ? 0 : Self.dead) }
    }

    /// Whether the pattern matches somewhere in `text` (the VM's `firstMatch`, without a budget).
    func firstMatch(in text: String) -> Bool {
        if let result = text.utf8.withContiguousStorageIfAvailable({ firstMatch(utf8: $0) }) { return result }
        return Array(text.utf8).withUnsafeBufferPointer { firstMatch(utf8: $0) }
    }

    /// `firstMatch` over valid UTF-8 bytes.
    func firstMatch(utf8 bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        asciiClass.withUnsafeBufferPointer { ascii in
            transitions.withUnsafeBufferPointer { transitions in
                flags.withUnsafeBufferPointer { flags in
                    var state = 0
                    var i = 0
                    let count = bytes.count
                    while i < count {
                        let f = flags[state]
                        if f & (Self.dead | Self.acceptsBeforeEnd) != 0 { return f & Self.acceptsBeforeEnd != 0 }
                        let b = bytes[i]
                        let symbol: Int
                        if b < 0x80 {
                            symbol = Int(ascii[Int(b)])
                            i += 1
                        } else {
                            // Valid UTF-8 (a String): a lead byte and its continuation bytes.
                            let length = b >= 0xF0 ? 4 : (b >= 0xE0 ? 3 : 2)
                            var scalar = UInt32(b) & (b >= 0xF0 ? 0x07 : (b >= 0xE0 ? 0x0F : 0x1F))
                            for k in 1..<length { scalar = scalar << 6 | UInt32(bytes[i + k] & 0x3F) }
                            i += length
                            symbol = nonASCIIClass(scalar)
                        }
                        state = Int(transitions[state * classCount + symbol])
                    }
                    return flags[state] & Self.acceptsAtEnd != 0
                }
            }
        }
    }

    @inline(__always)
    private func nonASCIIClass(_ scalar: UInt32) -> Int {
        var k = nonASCIIStarts.count - 1
        while k > 0 && nonASCIIStarts[k] > scalar { k -= 1 }
        return Int(nonASCIIClasses[k])
    }
}
