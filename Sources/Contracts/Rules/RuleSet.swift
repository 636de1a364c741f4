/// A contract's finance rules, checked in contract order with the work two rules share done once:
/// `sumEquals` rules without currencies over the same items and amount (an invoice's line tax
/// summed against `/taxTotal` and against `/tax/amount`) add the items up once per document.
///
/// The violations are exactly those of calling `FinanceRule.evaluate` on each rule in turn.
struct RuleSet: Sendable {
    let rules: [FinanceRule]
    /// Per rule: the rule whose item sum it shares (the first with the same items and amount,
    /// possibly itself), or -1.
    let sumGroup: [Int]
    /// Some item sum is shared.
    let sharesSums: Bool

    init(_ rules: [FinanceRule]) {
        self.rules = rules
        var group = [Int](repeating: -1, count: rules.count)
        for (i, rule) in rules.enumerated() {
            guard let key = rule.sharableSum else { continue }
            group[i] = rules[..<i].indices.first { rules[$0].sharableSum == key } ?? i
        }
        sumGroup = group
        sharesSums = group.enumerated().contains { $0.element >= 0 && $0.element != $0.offset }
    }

    /// Appends every violation of every rule, rule by rule.
    func evaluate(_ document: JSONValue, into violations: inout [Violation]) {
        // Rules are read by index: iterating the array would copy each rule (its patterns and definition).
        guard sharesSums else {
            for i in rules.indices { rules[i].evaluate(document, index: i, into: &violations) }
            return
        }
        var sums = [ItemSum?](repeating: nil, count: rules.count)
        for i in rules.indices {
            if sumGroup[i] >= 0 {
                rules[i].evaluate(document, index: i, into: &violations, itemSum: &sums[sumGroup[i]])
            } else {
                rules[i].evaluate(document, index: i, into: &violations)
            }
        }
    }
}

/// What a `sumEquals` rule adds up over its items: the sum, and whether an amount was malformed.
struct ItemSum {
    var sum: RuleAmount
    var malformed: Bool
}

extension FinanceRule {
    /// The items and amount of a `sumEquals` rule whose item sum another rule can share: one
    /// with `items` and without currencies (whose checks report per item); nil otherwise.
    var sharableSum: [PathPattern]? {
        guard case .sumEquals(let amount, _, _, nil, nil) = spec, let items else { return nil }
        return [items, amount]
    }
}
