/// The finance rules' verdict on a `JSONTape`: whether `RuleSet.evaluate` would report no
/// violation, computed from the input bytes in place (no locations or messages are built: a
/// failing event is re-checked by the reference, which writes the report).
///
/// Each rule kind follows `FinanceRule.evaluate` step by step — the same places, the same skips
/// of values the schema should have rejected, the same exact decimals (`RuleAmount`). Where the
/// reference compares JSON values or strings (a side against `debit`, a currency against the
/// total's, a currency code as a dictionary key), the tape value is materialized or compared as a
/// `String`, so Swift's string equality decides as it does there. Path tokens must be ASCII
/// (`supportsTape`): tape member names are compared as bytes.
extension RuleSet {
    /// Whether every rule's paths can be followed on a tape (ASCII tokens).
    var supportsTape: Bool {
        rules.allSatisfy { rule in rule.patterns.allSatisfy { $0.tokens.allSatisfy { $0?.utf8.allSatisfy { $0 < 0x80 } ?? true } } }
    }

    /// True when `evaluate` would append no violation for the document at `root`.
    func holds(_ tape: JSONTape, _ root: JSONTape.Index) -> Bool {
        var sums = [ItemSum?](repeating: nil, count: sharesSums ? rules.count : 0)
        for i in rules.indices {
            let ok: Bool
            if sharesSums && sumGroup[i] >= 0 {
                ok = rules[i].holds(tape, root, itemSum: &sums[sumGroup[i]])
            } else {
                var unshared: ItemSum?
                ok = rules[i].holds(tape, root, itemSum: &unshared)
            }
            if !ok { return false }
        }
        return true
    }
}

extension FinanceRule {
    /// Every path the rule follows.
    var patterns: [PathPattern] {
        var out = items.map { [$0] } ?? []
        switch spec {
        case .balanced(let amount, let side, _, _, let currency): out += [amount, side] + (currency.map { [$0.pattern] } ?? [])
        case .sumEquals(let amount, let plus, let total, let currency, let totalCurrency): out += [amount, total] + plus + [currency, totalCurrency].compactMap { $0 }
        case .dateOrder(let earlier, let later, _): out += [earlier, later]
        case .requiredWhen(let field, let when, _): out += [field, when]
        case .currencyScale(let amounts, let currency): out += amounts + [currency.pattern]
        case .nonNegative(let amounts): out += amounts
        }
        return out
    }

    /// No violation of this rule on the document at `root` (see `RuleSet.holds`).
    func holds(_ tape: JSONTape, _ root: JSONTape.Index, itemSum: inout ItemSum?) -> Bool {
        var ok = true
        switch spec {
        case .balanced(let amount, let side, let debit, let credit, let currency):
            forEachGroup(tape, root) { match in
                if ok && !balances(tape, match, root: root, amount: amount, side: side, debit: debit, credit: credit, currency: currency) { ok = false }
            }
        case .sumEquals(let amount, let plus, let total, let currency, let totalCurrency):
            return sumHolds(tape, root, amount: amount, plus: plus, total: total, currency: currency, totalCurrency: totalCurrency, itemSum: &itemSum)
        case .dateOrder(let earlier, let later, let allowEqual):
            forEachScope(tape, root) { scope in
                guard ok, let e = earlier.firstValue(in: tape, scope), let l = later.firstValue(in: tape, scope),
                      let ei = Self.instant(tape, e), let li = Self.instant(tape, l)
                else { return }
                if li < ei || (!allowEqual && li == ei) { ok = false }
            }
        case .requiredWhen(let field, let when, let condition):
            forEachScope(tape, root) { scope in
                guard ok, let w = when.firstValue(in: tape, scope) else { return }
                if case .oneOf(let values) = condition, !values.contains(tape.value(w)) { return }
                if field.firstValue(in: tape, scope) == nil { ok = false }
            }
        case .currencyScale(let amounts, let currency):
            forEachScope(tape, root) { scope in
                guard ok, let minor = Self.minorUnit(tape, currency.firstValue(in: tape, item: scope, document: root)) else { return }
                for p in amounts.indices {
                    amounts[p].forEachValue(in: tape, scope) { v in
                        if (Self.decimals(tape, v) ?? 0) > minor { ok = false }
                    }
                }
            }
        case .nonNegative(let amounts):
            forEachScope(tape, root) { scope in
                guard ok else { return }
                for p in amounts.indices {
                    amounts[p].forEachValue(in: tape, scope) { v in
                        if Self.isNegative(tape, v) { ok = false }
                    }
                }
            }
        }
        return ok
    }

    // MARK: Places

    /// Each match of `items` (or the document without `items`), as `forEachGroup`.
    func forEachGroup(_ tape: JSONTape, _ root: JSONTape.Index, _ body: (JSONTape.Index) -> Void) {
        guard let items else { return body(root) }
        if items.plain != nil {
            if let match = items.firstValue(in: tape, root) { body(match) }
        } else {
            items.forEachValue(in: tape, root, body)
        }
    }

    /// Every place the rule is checked, as `forEachScope`: each element of an `items` array (a
    /// match that is not an array is one place), or the document.
    func forEachScope(_ tape: JSONTape, _ root: JSONTape.Index, _ body: (JSONTape.Index) -> Void) {
        let perItem = items != nil
        forEachGroup(tape, root) { match in
            if perItem && tape.kind(match) == .array {
                tape.forEachElement(match, body)
            } else {
                body(match)
            }
        }
    }

    // MARK: Rules

    private func balances(
        _ tape: JSONTape, _ match: JSONTape.Index, root: JSONTape.Index, amount: PathPattern, side: PathPattern,
        debit: JSONValue, credit: JSONValue, currency: CurrencySource?
    ) -> Bool {
        // Per currency (compared as strings, as the reference's dictionary keys): debits, credits.
        var totals: [(code: String, debits: RuleAmount, credits: RuleAmount)] = []
        var violated = false
        /// One item; false when the reference stops there.
        func add(_ element: JSONTape.Index) -> Bool {
            guard let a = amount.firstValue(in: tape, element), let value = Self.amount(tape, a), let s = side.firstValue(in: tape, element)
            else { return false }
            let codeValue = currency?.firstValue(in: tape, item: element, document: root)
            let code = codeValue.flatMap { tape.kind($0) == .string ? tape.string($0) : nil } ?? ""
            let slot = totals.firstIndex { $0.code == code } ?? {
                totals.append((code, .zero, .zero))
                return totals.count - 1
            }()
            if Self.equals(tape, s, debit) {
                totals[slot].debits += value
            } else if Self.equals(tape, s, credit) {
                totals[slot].credits += value
            } else {
                violated = true
                return false
            }
            return true
        }
        let complete: Bool
        if tape.kind(match) == .array {
            var all = true
            tape.forEachElement(match) { element in
                if all && !add(element) { all = false }
            }
            complete = all
        } else {
            complete = add(match)
        }
        if violated { return false }
        guard complete else { return true }
        return totals.allSatisfy { $0.debits == $0.credits }
    }

    private func sumHolds(
        _ tape: JSONTape, _ root: JSONTape.Index, amount: PathPattern, plus: [PathPattern], total: PathPattern,
        currency: PathPattern?, totalCurrency: PathPattern?, itemSum: inout ItemSum?
    ) -> Bool {
        guard let totalValue = total.firstValue(in: tape, root), let expected = Self.amount(tape, totalValue) else { return true }
        let expectedCurrency = totalCurrency.flatMap { $0.firstValue(in: tape, root) }.map { tape.value($0) }
        var sum = RuleAmount.zero
        var mismatch = false
        var malformed = false
        func add(_ v: JSONTape.Index) {
            if let d = Self.amount(tape, v) { sum += d } else { malformed = true }
        }
        if currency == nil, let known = itemSum {
            (sum, malformed) = (known.sum, known.malformed)
        } else {
            forEachScope(tape, root) { item in
                if let currency, let expectedCurrency, let c = currency.firstValue(in: tape, item), tape.value(c) != expectedCurrency {
                    mismatch = true
                }
                amount.forEachValue(in: tape, item, add)
            }
            if currency == nil { itemSum = ItemSum(sum: sum, malformed: malformed) }
        }
        if mismatch { return false }
        for p in plus.indices { plus[p].forEachValue(in: tape, root, add) }
        return malformed || sum == expected
    }

    // MARK: Values

    /// `RuleAmount(json)` of the tape's value.
    static func amount(_ tape: JSONTape, _ i: JSONTape.Index) -> RuleAmount? {
        switch tape.kind(i) {
        case .string:
            if tape.isPlainString(i), let s = SmallDecimal(utf8: tape.rawString(i)) { return .small(s) }
        case .number:
            if let v = tape.int64(i) { return .small(SmallDecimal(value: v, scale: 0)) }
            if let s = SmallDecimal(utf8: tape.numberText(i)) { return .small(s) }
        default:
            return nil
        }
        return RuleAmount(tape.value(i))
    }

    /// `decimals(of:)` of the tape's value.
    static func decimals(_ tape: JSONTape, _ i: JSONTape.Index) -> Int? {
        switch tape.kind(i) {
        case .string: return tape.isPlainString(i) ? MoneyFormat.decimals(utf8: tape.rawString(i)) : MoneyFormat.decimals(of: tape.string(i))
        case .number: return ExactDecimal(tape.number(i))?.scale
        default: return nil
        }
    }

    /// The `nonNegative` test: a string not starting with `-` is not negative; else its amount.
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

extension FinanceRule.CurrencySource {
    var pattern: PathPattern {
        switch self {
        case .item(let p), .document(let p): return p
        }
    }

    /// The currency value for a place: relative to the item, or from the document root.
    func firstValue(in tape: JSONTape, item: JSONTape.Index, document: JSONTape.Index) -> JSONTape.Index? {
        switch self {
        case .item(let p): return p.firstValue(in: tape, item)
        case .document(let p): return p.firstValue(in: tape, document)
        }
    }
}

extension PathPattern {
    /// `firstValue(in:)` on a tape: the first match in document order.
    func firstValue(in tape: JSONTape, _ value: JSONTape.Index) -> JSONTape.Index? {
        if plain != nil { return resolve(in: tape, value, from: 0) }
        var found: JSONTape.Index?
        visit(tape, value, depth: 0) { if found == nil { found = $0 } }
        return found
    }

    /// `forEachValue(in:)` on a tape: every match in document order.
    func forEachValue(in tape: JSONTape, _ value: JSONTape.Index, _ body: (JSONTape.Index) -> Void) {
        if plain != nil {
            if let found = resolve(in: tape, value, from: 0) { body(found) }
            return
        }
        visit(tape, value, depth: 0, body)
    }

    private func resolve(in tape: JSONTape, _ value: JSONTape.Index, from depth: Int) -> JSONTape.Index? {
        var current = value
        for d in depth..<steps.count {
            guard case .name(let key, _, let index) = steps[d], let next = Self.child(of: current, in: tape, key, index: index) else { return nil }
            current = next
        }
        return current
    }

    private func visit(_ tape: JSONTape, _ value: JSONTape.Index, depth: Int, _ body: (JSONTape.Index) -> Void) {
        guard depth < steps.count else { return body(value) }
        switch steps[depth] {
        case .name(let key, _, let index):
            guard let next = Self.child(of: value, in: tape, key, index: index) else { return }
            visit(tape, next, depth: depth + 1, body)
        case .wildcard:
            switch tape.kind(value) {
            case .array: tape.forEachElement(value) { visit(tape, $0, depth: depth + 1, body) }
            case .object: tape.forEachMember(value) { _, member in visit(tape, member, depth: depth + 1, body) }
            default: break
            }
        }
    }

    /// The member or element a named step names (`JSONPointer.child`).
    @inline(__always)
    static func child(of value: JSONTape.Index, in tape: JSONTape, _ key: String, index: Int?) -> JSONTape.Index? {
        switch tape.kind(value) {
        case .object: return tape.member(value, key)
        case .array: return index.flatMap { tape.element(value, $0) }
        default: return nil
        }
    }
}

extension JSONPointer {
    /// `resolve(in:)` on a tape. The tokens must be ASCII (tape names are compared as bytes).
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
