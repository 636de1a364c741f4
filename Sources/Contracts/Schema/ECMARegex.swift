/// A compiled ECMA-262 regular expression (the subset in docs/json-schema.md), matched as JSON
/// Schema's `pattern` does: unanchored search over Unicode scalars.
///
/// The matcher simulates the NFA (Thompson/Pike): time is linear in the string times the
/// program size, so no pattern can backtrack exponentially, and a step limit bounds the rest.
/// Lookaheads run a nested anchored match.
///
/// A class: a compiled pattern is immutable and read once per validated string, and reading a
/// reference costs one retain where a copy of the program, sets and automaton costs one apiece.
final class ECMARegex: Sendable {
    /// One VM instruction. `split` and `jump` targets are instruction indices.
    enum Instruction: Sendable {
        case scalar(UInt32)
        case set(Int32)
        case split(Int32, Int32)
        case jump(Int32)
        case start
        case end
        case wordBoundary(negated: Bool)
        case lookahead(Int32, negated: Bool)
        case match
    }

    /// The most instructions a pattern may compile to (counted repetition is expanded).
    static let maxInstructions = 20_000

    let program: [Instruction]
    let sets: [RegexCharClass]
    let lookaheads: [ECMARegex]
    /// The program begins with `^`: only a match from offset 0 is possible.
    let anchoredAtStart: Bool
    /// The same program as a deterministic automaton, when it has one (see `RegexDFA`).
    let dfa: RegexDFA?

    convenience init(_ pattern: String) throws(RegexError) {
        try self.init(ast: RegexParser.parse(pattern))
    }

    init(ast: RegexAST) throws(RegexError) {
        var builder = Builder()
        try builder.emit(ast)
        builder.append(.match)
        let program = builder.program
        let anchored: Bool
        if case .start = program.first { anchored = true } else { anchored = false }
        self.program = program
        sets = builder.sets
        lookaheads = builder.lookaheads
        anchoredAtStart = anchored
        dfa = RegexDFA(program: program, sets: builder.sets, anchoredAtStart: anchored)
    }

    private struct Builder {
        var program: [Instruction] = []
        var sets: [RegexCharClass] = []
        var lookaheads: [ECMARegex] = []

        mutating func append(_ instruction: Instruction) {
            program.append(instruction)
        }

        mutating func emit(_ node: RegexAST) throws(RegexError) {
            guard program.count < ECMARegex.maxInstructions else {
                throw RegexError(message: "pattern too large (over \(ECMARegex.maxInstructions) steps once repetitions are expanded)")
            }
            switch node {
            case .empty: break
            case .scalar(let v): append(.scalar(v))
            case .set(let set):
                sets.append(set)
                append(.set(Int32(sets.count - 1)))
            case .start: append(.start)
            case .end: append(.end)
            case .wordBoundary(let negated): append(.wordBoundary(negated: negated))
            case .concat(let items):
                for item in items { try emit(item) }
            case .alternation(let options):
                var jumps: [Int] = []
                for (k, option) in options.enumerated() {
                    if k < options.count - 1 {
                        let split = program.count
                        append(.split(0, 0))
                        try emit(option)
                        jumps.append(program.count)
                        append(.jump(0))
                        program[split] = .split(Int32(split + 1), Int32(program.count))
                    } else {
                        try emit(option)
                    }
                }
                for j in jumps { program[j] = .jump(Int32(program.count)) }
            case .repetition(let body, let min, let max):
                for _ in 0..<min { try emit(body) }
                if let max {
                    var exits: [Int] = []
                    for _ in min..<max {
                        exits.append(program.count)
                        append(.split(0, 0))
                        try emit(body)
                    }
                    for e in exits { program[e] = .split(Int32(e + 1), Int32(program.count)) }
                } else {
                    let loop = program.count
                    append(.split(0, 0))
                    try emit(body)
                    append(.jump(Int32(loop)))
                    program[loop] = .split(Int32(loop + 1), Int32(program.count))
                }
            case .lookahead(let inner, let negated):
                lookaheads.append(try ECMARegex(ast: inner))
                append(.lookahead(Int32(lookaheads.count - 1), negated: negated))
            }
        }
    }

    /// Whether the pattern matches somewhere in `text`; nil when the step budget ran out first.
    ///
    /// The VM takes at most one step per instruction per position, so when the budget covers
    /// `program.count * (length + 1)` steps it cannot run out, and the automaton (when there is
    /// one) gives the same answer without spending any.
    func firstMatch(in text: String, budget: inout Int) -> Bool? {
        // Optional chaining reads the automaton in place; `if let` would copy its tables.
        if text.utf8.count + 1 <= budget / program.count, let matched = dfa?.firstMatch(in: text) { return matched }
        return vmFirstMatch(in: text, budget: &budget)
    }

    /// `firstMatch` on the Pike VM alone (the reference the automaton is tested against).
    func vmFirstMatch(in text: String, budget: inout Int) -> Bool? {
        let view = text.unicodeScalars
        return run(view, from: view.startIndex, previous: nil, anchored: false, budget: &budget)
    }

    /// The Pike VM: thread lists are sets of instruction indices, advanced one scalar at a time.
    private func run(
        _ view: String.UnicodeScalarView, from start: String.Index, previous: Unicode.Scalar?,
        anchored: Bool, budget: inout Int
    ) -> Bool? {
        let n = program.count
        return withUnsafeTemporaryAllocation(of: Int32.self, capacity: 4 * n) { buffer -> Bool? in
            guard let base = buffer.baseAddress else { return nil }
            // [0,n) current list, [n,2n) next list, [2n,3n) marks, [3n,4n) closure stack.
            var current = base
            var next = base + n
            let marks = base + 2 * n
            let stack = base + 3 * n
            marks.initialize(repeating: 0, count: n)
            var currentCount = 0
            var nextCount = 0
            var generation: Int32 = 1
            var position = start
            var before = previous
            var scalar: Unicode.Scalar? = position < view.endIndex ? view[position] : nil

            /// Follows epsilon edges from `pc` at the current position; true when `match` is reached.
            func addThread(_ pc: Int32, into list: UnsafeMutablePointer<Int32>, count: inout Int) -> Bool? {
                var top = 0
                func push(_ f: Int32) {
                    if marks[Int(f)] != generation {
                        marks[Int(f)] = generation
                        stack[top] = f
                        top += 1
                    }
                }
                push(pc)
                while top > 0 {
                    top -= 1
                    let at = stack[top]
                    budget -= 1
                    if budget < 0 { return nil }
                    switch program[Int(at)] {
                    case .match:
                        return true
                    case .scalar, .set:
                        list[count] = at
                        count += 1
                    case .jump(let to):
                        push(to)
                    case .split(let a, let b):
                        push(b)
                        push(a)
                    case .start:
                        if before == nil { push(at + 1) }
                    case .end:
                        if scalar == nil { push(at + 1) }
                    case .wordBoundary(let negated):
                        if (RegexCharClass.isWord(before) != RegexCharClass.isWord(scalar)) != negated { push(at + 1) }
                    case .lookahead(let index, let negated):
                        guard let found = lookaheads[Int(index)].run(view, from: position, previous: before, anchored: true, budget: &budget) else { return nil }
                        if found != negated { push(at + 1) }
                    }
                }
                return false
            }

            switch addThread(0, into: current, count: &currentCount) {
            case .none: return nil
            case .some(true): return true
            case .some(false): break
            }
            while let c = scalar {
                let after = view.index(after: position)
                before = c
                position = after
                scalar = position < view.endIndex ? view[position] : nil
                generation += 1
                nextCount = 0
                for k in 0..<currentCount {
                    let pc = current[k]
                    let advance: Bool
                    switch program[Int(pc)] {
                    case .scalar(let v): advance = c.value == v
                    case .set(let s): advance = sets[Int(s)].contains(c)
                    default: advance = false
                    }
                    guard advance else { continue }
                    switch addThread(pc + 1, into: next, count: &nextCount) {
                    case .none: return nil
                    case .some(true): return true
                    case .some(false): break
                    }
                }
                if !anchored && !anchoredAtStart {
                    switch addThread(0, into: next, count: &nextCount) {
                    case .none: return nil
                    case .some(true): return true
                    case .some(false): break
                    }
                }
                swap(&current, &next)
                currentCount = nextCount
                if currentCount == 0 && (anchored || anchoredAtStart) { return false }
            }
            return false
        }
    }
}
