/// A contract's finance rules compiled for tapes (docs/decisions.md, 2026-12-04): whether
/// `RuleSet.evaluate` would report no violation, from the input bytes in place. No location or
/// message is built: a failing event is re-checked by the reference, which writes the report.
///
/// Each rule kind follows `FinanceRule.evaluate` step by step — the same places, the same skips
/// of values the schema should have rejected, the same exact decimals (`RuleAmount`), item sums
/// shared as `RuleSet` shares them. Where the reference compares JSON values or strings (a side
/// against `debit`, a currency against the total's, a currency code as a dictionary key), the tape
/// value is materialized or compared as a `String`, so Swift's equality decides as it does there.
/// Paths are compiled (`TapePaths`); a rule set with a non-ASCII path token is refused.
final class TapeRules: @unchecked Sendable {
    // @unchecked Sendable: immutable after `init`.

    /// One rule's paths (ids in `paths`, -1 when absent) and flags.
    struct Rule {
        var items: Int32
        var a: Int32
        var b: Int32
        var c: Int32
        var d: Int32
        /// A list of paths in `lists` (`plus`, `amount`s).
        var listStart: Int32
        var listCount: Int32
        /// `dateOrder.allowEqual`; for currencies, the currency path is the document's.
        var flag: Bool
        /// The rule whose item sum this one shares (`RuleSet.sumGroup`), or -1.
        var sumGroup: Int32
    }

    let rules: [FinanceRule]
    let compiled: FlatBuffer<Rule>
    let lists: FlatBuffer<Int32>
    let paths: TapePaths
    let sharesSums: Bool
    /// The rules' per-element checks, done in one walk of each array (`TapeRules+Elements`).
    let elementPlan: ElementPlan?

    deinit {
        compiled.free()
        lists.free()
        elementPlan?.free()
    }

    /// Compiles `set` (its paths against `schema`'s tables, see `TapeNotes`), or nil when a path
    /// token is not ASCII or paths nest more wildcards than a `TapeCursor` follows.
    static func compile(_ set: RuleSet, schema: TapeSchema?) -> TapeRules? {
        var builder = TapePathBuilder(schema: schema)
        var lists: [Int32] = []
        var compiled: [Rule] = []
        for (i, rule) in set.rules.enumerated() {
            func path(_ p: PathPattern?) -> Int32?? { p.map { builder.add($0) } ?? .some(-1) }
            func list(_ ps: [PathPattern]) -> (Int32, Int32)? {
                let ids = ps.map { builder.add($0) }
                guard ids.allSatisfy({ $0 != nil }) else { return nil }
                lists += ids.map { $0 ?? -1 }
                return (Int32(lists.count - ids.count), Int32(ids.count))
            }
            guard let items = path(rule.items) ?? nil else { return nil }
            var r = Rule(items: items, a: -1, b: -1, c: -1, d: -1, listStart: 0, listCount: 0, flag: false, sumGroup: Int32(set.sumGroup[i]))
            switch rule.spec {
            case .balanced(let amount, let side, _, _, let currency):
                guard let a = path(amount) ?? nil, let b = path(side) ?? nil, let c = path(currency?.pattern) ?? nil else { return nil }
                (r.a, r.b, r.c) = (a, b, c)
                if case .document = currency { r.flag = true }
            case .sumEquals(let amount, let plus, let total, let currency, let totalCurrency):
                guard let a = path(amount) ?? nil, let b = path(total) ?? nil, let c = path(currency) ?? nil, let d = path(totalCurrency) ?? nil,
                      let plus = list(plus)
                else { return nil }
                (r.a, r.b, r.c, r.d, r.listStart, r.listCount) = (a, b, c, d, plus.0, plus.1)
            case .dateOrder(let earlier, let later, let allowEqual):
                guard let a = path(earlier) ?? nil, let b = path(later) ?? nil else { return nil }
                (r.a, r.b, r.flag) = (a, b, allowEqual)
            case .requiredWhen(let field, let when, _):
                guard let a = path(field) ?? nil, let b = path(when) ?? nil else { return nil }
                (r.a, r.b) = (a, b)
            case .currencyScale(let amounts, let currency):
                guard let c = path(currency.pattern) ?? nil, let amounts = list(amounts) else { return nil }
                (r.c, r.listStart, r.listCount) = (c, amounts.0, amounts.1)
                if case .document = currency { r.flag = true }
            case .nonNegative(let amounts):
                guard let amounts = list(amounts) else { return nil }
                (r.listStart, r.listCount) = (amounts.0, amounts.1)
            }
            compiled.append(r)
        }
        let plan = planElements(set, &builder, lists: &lists)
        return TapeRules(rules: set.rules, compiled: compiled, lists: lists, paths: TapePaths(builder), sharesSums: set.sharesSums, elementPlan: plan)
    }

    private init(rules: [FinanceRule], compiled: [Rule], lists: [Int32], paths: TapePaths, sharesSums: Bool, elementPlan: ElementPlan?) {
        self.rules = rules
        self.compiled = FlatBuffer(compiled)
        self.lists = FlatBuffer(lists)
        self.paths = paths
        self.sharesSums = sharesSums
        self.elementPlan = elementPlan
    }

    /// True when `RuleSet.evaluate` would append no violation for the document at `root`.
    func holds(_ tape: JSONTape, _ root: JSONTape.Index) -> Bool {
        let run = TapeRulesRun(rules: self, tape: tape, root: root)
        guard let plan = elementPlan else { return holdsOneByOne(run, plan: nil, sums: nil, minors: nil) }
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: compiled.count) { minors in
            withUnsafeTemporaryAllocation(of: ItemSum.self, capacity: max(plan.accumulators, 1)) { sums in
                let base = sums.baseAddress.unsafelyUnwrapped
                base.initialize(repeating: ItemSum(sum: .zero, malformed: false), count: plan.accumulators)
                defer { base.deinitialize(count: plan.accumulators) }
                switch run.elements(plan, sums: base, minors: minors.baseAddress.unsafelyUnwrapped) {
                case .some(false): return false
                case .some(true): return holdsOneByOne(run, plan: plan, sums: base, minors: minors.baseAddress)
                case nil: return holdsOneByOne(run, plan: nil, sums: nil, minors: nil)
                }
            }
        }
    }

    /// Rule by rule; with a plan whose pass completed, a rule that took part only finishes (its
    /// total, its document-level amounts).
    private func holdsOneByOne(_ run: TapeRulesRun, plan: ElementPlan?, sums: UnsafeMutablePointer<ItemSum>?,
                               minors: UnsafeMutablePointer<Int>?) -> Bool {
        // The item sums rules share (`RuleSet`): one per sharing group, found by its first rule.
        var shared: (rule: Int32, sum: ItemSum?) = (-1, nil)
        var others: [(rule: Int32, sum: ItemSum?)] = []
        for i in 0..<compiled.count {
            if let plan, let sums, let minors {
                let role = plan.roles[i]
                switch role.mode {
                case .sum:
                    var known: ItemSum? = sums[Int(role.accumulator)]
                    if !run.holds(i, itemSum: &known) { return false }
                    continue
                case .values:
                    if !run.rootValuesHold(i, role, minor: minors[i]) { return false }
                    continue
                case .none:
                    break
                }
            }
            let group = compiled[i].sumGroup
            var ok: Bool
            if !sharesSums || group < 0 {
                var unshared: ItemSum?
                ok = run.holds(i, itemSum: &unshared)
            } else if shared.rule < 0 || shared.rule == group {
                shared.rule = group
                ok = run.holds(i, itemSum: &shared.sum)
            } else {
                let slot = others.firstIndex { $0.rule == group } ?? {
                    others.append((group, nil))
                    return others.count - 1
                }()
                ok = run.holds(i, itemSum: &others[slot].sum)
            }
            if !ok { return false }
        }
        return true
    }
}

/// One check of one document. Places and matches are iterated (`TapeScopes`, `TapeCursor`),
/// never visited through closures: nothing is captured, allocated or checked at run time.
struct TapeRulesRun {
    let rules: TapeRules
    let tape: JSONTape
    let root: JSONTape.Index
    let walker: TapePathWalker

    init(rules: TapeRules, tape: JSONTape, root: JSONTape.Index) {
        self.rules = rules
        self.tape = tape
        self.root = root
        walker = TapePathWalker(tape, rules.paths)
    }

    @inline(__always) func first(_ path: Int32, _ from: JSONTape.Index) -> JSONTape.Index? {
        path < 0 ? nil : walker.first(path, from: from)
    }

    @inline(__always) func matches(_ path: Int32, _ from: JSONTape.Index) -> TapeCursor { walker.matches(path, from: from) }

    /// Every place rule `r` is checked (`FinanceRule.forEachScope`).
    @inline(__always) func scopes(_ r: TapeRules.Rule) -> TapeScopes {
        TapeScopes(walker: walker, groups: r.items >= 0 ? matches(r.items, root) : nil, root: root)
    }

    /// The currency value for a place: from the document or relative to the item.
    @inline(__always)
    func currency(_ r: TapeRules.Rule, item: JSONTape.Index) -> JSONTape.Index? { first(r.c, r.flag ? root : item) }

    /// No violation of rule `i` (see `TapeRules.holds`).
    func holds(_ i: Int, itemSum: inout ItemSum?) -> Bool {
        let r = rules.compiled[i]
        switch rules.rules[i].kind {
        case .balanced:
            // Each match of `items` (or the document) is one balance (`FinanceRule.forEachGroup`).
            if r.items < 0 { return balances(i, r, root) }
            var groups = matches(r.items, root)
            while let match = walker.next(&groups) {
                if !balances(i, r, match) { return false }
            }
        case .sumEquals:
            return sumHolds(r, itemSum: &itemSum)
        case .dateOrder:
            var places = scopes(r)
            while let scope = places.next() {
                guard let e = first(r.a, scope), let l = first(r.b, scope), let ei = Self.instant(tape, e), let li = Self.instant(tape, l)
                else { continue }
                if li < ei || (!r.flag && li == ei) { return false }
            }
        case .requiredWhen:
            guard case .requiredWhen(_, _, let condition) = rules.rules[i].spec else { return true }
            var places = scopes(r)
            while let scope = places.next() {
                guard let w = first(r.b, scope) else { continue }
                if case .oneOf(let values) = condition, !values.contains(tape.value(w)) { continue }
                if first(r.a, scope) == nil { return false }
            }
        case .currencyScale:
            var places = scopes(r)
            while let scope = places.next() {
                guard let minor = Self.minorUnit(tape, currency(r, item: scope)) else { continue }
                for p in 0..<Int(r.listCount) {
                    var values = matches(rules.lists[Int(r.listStart) + p], scope)
                    while let v = walker.next(&values) {
                        if (Self.decimals(tape, v) ?? 0) > minor { return false }
                    }
                }
            }
        case .nonNegative:
            var places = scopes(r)
            while let scope = places.next() {
                for p in 0..<Int(r.listCount) {
                    var values = matches(rules.lists[Int(r.listStart) + p], scope)
                    while let v = walker.next(&values) {
                        if Self.isNegative(tape, v) { return false }
                    }
                }
            }
        }
        return true
    }

    private func balances(_ i: Int, _ r: TapeRules.Rule, _ match: JSONTape.Index) -> Bool {
        guard case .balanced(_, _, let debit, let credit, _) = rules.rules[i].spec else { return true }
        // Per currency (compared as strings, as the reference's dictionary keys): debits, credits.
        var totals: [(code: String, debits: RuleAmount, credits: RuleAmount)] = []
        // The elements of an array match, or a single item that is the match itself; a missing or
        // malformed amount or side stops the reference there, without a violation.
        var k = match
        var end = tape.next(match)
        if tape.kind(match) == .array {
            k = match &+ 1
        } else {
            end = k &+ 1
        }
        while k < end {
            let element = k
            k = tape.next(k)
            guard let a = first(r.a, element), let value = Self.amount(tape, a), let s = first(r.b, element) else { return true }
            let code = currency(r, item: element).flatMap { tape.kind($0) == .string ? tape.string($0) : nil } ?? ""
            var slot = totals.firstIndex { $0.code == code } ?? -1
            if slot < 0 {
                totals.append((code, .zero, .zero))
                slot = totals.count - 1
            }
            if Self.equals(tape, s, debit) {
                totals[slot].debits += value
            } else if Self.equals(tape, s, credit) {
                totals[slot].credits += value
            } else {
                return false
            }
        }
        return totals.allSatisfy { $0.debits == $0.credits }
    }

    private func sumHolds(_ r: TapeRules.Rule, itemSum: inout ItemSum?) -> Bool {
        guard let totalValue = first(r.b, root), let expected = Self.amount(tape, totalValue) else { return true }
        var sum = RuleAmount.zero
        var malformed = false
        if r.c < 0, let known = itemSum {
            (sum, malformed) = (known.sum, known.malformed)
        } else {
            let expectedCurrency = first(r.d, root).map { tape.value($0) }
            var mismatch = false
            var places = scopes(r)
            while let item = places.next() {
                if r.c >= 0, let expectedCurrency, let c = first(r.c, item), tape.value(c) != expectedCurrency { mismatch = true }
                var amounts = matches(r.a, item)
                while let v = walker.next(&amounts) {
                    if let d = Self.amount(tape, v) { sum += d } else { malformed = true }
                }
            }
            if mismatch { return false }
            if r.c < 0 { itemSum = ItemSum(sum: sum, malformed: malformed) }
        }
        for p in 0..<Int(r.listCount) {
            var addends = matches(rules.lists[Int(r.listStart) + p], root)
            while let v = walker.next(&addends) {
                if let d = Self.amount(tape, v) { sum += d } else { malformed = true }
            }
        }
        return malformed || sum == expected
    }

    // MARK: Values

    /// `RuleAmount(json)` of the tape's value (a money amount as the schema noted it).
    static func amount(_ tape: JSONTape, _ i: JSONTape.Index) -> RuleAmount? {
        switch tape.kind(i) {
        case .string:
            if let noted = tape.noted(amount: i), let value = noted.value { return .small(SmallDecimal(value: value, scale: noted.decimals)) }
            if tape.isPlainString(i), let s = SmallDecimal(utf8: tape.rawString(i)) { return .small(s) }
        case .number:
            if let v = tape.int64(i) { return .small(SmallDecimal(value: v, scale: 0)) }
            if let s = SmallDecimal(utf8: tape.numberText(i)) { return .small(s) }
        default:
            return nil
        }
        return RuleAmount(tape.value(i))
    }

    /// `FinanceRule.decimals(of:)` of the tape's value.
    static func decimals(_ tape: JSONTape, _ i: JSONTape.Index) -> Int? {
        switch tape.kind(i) {
        case .string:
            if let noted = tape.noted(amount: i) { return noted.decimals }
            return tape.isPlainString(i) ? MoneyFormat.decimals(utf8: tape.rawString(i)) : MoneyFormat.decimals(of: tape.string(i))
        case .number: return ExactDecimal(tape.number(i))?.scale
        default: return nil
        }
    }

    /// The `nonNegative` test: a string not starting with `-` is not negative; else its amount.
    @_transparent
    static func isNegative(_ tape: JSONTape, _ i: JSONTape.Index) -> Bool {
        if tape.kind(i) == .string {
            if tape.isPlainString(i) {
                if tape.rawString(i).first != UInt8(ascii: "-") { return false }
            } else if tape.string(i).utf8.first != UInt8(ascii: "-") {
                return false
            }
        }
        return amount(tape, i)?.isNegative == true
    }

    /// `RuleDates.instant` of a string value; nil for anything else.
    static func instant(_ tape: JSONTape, _ i: JSONTape.Index) -> RuleDates.Instant? {
        guard tape.kind(i) == .string else { return nil }
        if let noted = tape.noted(instant: i) { return noted }
        return tape.isPlainString(i) ? RuleDates.instant(utf8: tape.rawString(i)) : RuleDates.instant(tape.string(i))
    }

    /// `ISOTables.minorUnit(of:)` of a currency code value; nil when it is no string or no currency.
    static func minorUnit(_ tape: JSONTape, _ i: JSONTape.Index?) -> Int? {
        guard let i, tape.kind(i) == .string else { return nil }
        if tape.isPlainString(i), let answer = ISOTables.minorUnit(ascii: tape.rawString(i)) { return answer }
        return ISOTables.minorUnit(of: tape.string(i))
    }

    /// `value == expected` (JSON equality, Swift string equality), without a tree for ASCII strings.
    static func equals(_ tape: JSONTape, _ i: JSONTape.Index, _ expected: JSONValue) -> Bool {
        if case .string(let s) = expected, tape.kind(i) == .string, tape.isASCIIString(i), s.utf8.allSatisfy({ $0 < 0x80 }) {
            let raw = tape.rawString(i)
            return s.utf8.count == raw.count && s.utf8.elementsEqual(raw)
        }
        return tape.value(i) == expected
    }
}

/// The places a rule is checked, as `FinanceRule.forEachScope`: each element of a match of
/// `items` that is an array (a match that is not is one place), or the document without `items`.
struct TapeScopes {
    let walker: TapePathWalker
    /// The matches of `items`; without `items`, the document is the one place.
    var groups: TapeCursor
    let perItem: Bool
    let root: JSONTape.Index
    private var rootDone = false
    private var element = 0
    private var elementsEnd = 0

    init(walker: TapePathWalker, groups: TapeCursor?, root: JSONTape.Index) {
        self.walker = walker
        self.groups = groups ?? TapeCursor(end: 0)
        perItem = groups != nil
        self.root = root
    }

    @inline(__always)
    mutating func next() -> JSONTape.Index? {
        while true {
            let tape = walker.tape
            if element < elementsEnd {
                let e = element
                element = tape.next(e)
                return e
            }
            guard perItem else {
                if rootDone { return nil }
                rootDone = true
                return root
            }
            guard let group = walker.next(&groups) else { return nil }
            guard tape.kind(group) == .array else { return group }
            element = group &+ 1
            elementsEnd = tape.next(group)
        }
    }
}

extension FinanceRule.CurrencySource {
    var pattern: PathPattern {
        switch self {
        case .item(let p), .document(let p): return p
        }
    }
}
