extension FinanceRule {
    /// Checks the rule on `document` and appends a violation for every failure, with keyword the
    /// rule kind and keyword location `/rules/<index>/<kind>`.
    ///
    /// Values the schema should have rejected (an amount that is not a decimal, a date that is not
    /// a date, an unknown currency) are left to the schema: the rule skips them rather than report
    /// the same problem twice.
    public func evaluate(_ document: JSONValue, index: Int, into violations: inout [Violation]) {
        var itemSum: ItemSum?
        evaluate(document, index: index, into: &violations, itemSum: &itemSum)
    }

    /// `evaluate`, with the item sum of a `sumEquals` rule without currencies taken from (or left
    /// in) `itemSum`, for another such rule over the same items and amount (see `RuleSet`).
    func evaluate(_ document: JSONValue, index: Int, into violations: inout [Violation], itemSum: inout ItemSum?) {
        let kind = self.kind
        func report(_ at: JSONPointer, _ message: String) {
            violations.append(Violation(instanceLocation: at, keywordLocation: "/rules/\(index)/\(kind.rawValue)", keyword: kind.rawValue, message: message))
        }
        switch spec {
        case .balanced(let amount, let side, let debit, let credit, let currency):
            forEachGroup(document) { array, match in
                checkBalanced(array, match, document: document, amount: amount, side: side, debit: debit, credit: credit, currency: currency, report: report)
            }
        case .sumEquals(let amount, let plus, let total, let currency, let totalCurrency):
            checkSum(document, amount: amount, plus: plus, total: total, currency: currency, totalCurrency: totalCurrency,
                     itemSum: &itemSum, report: report)
        case .dateOrder(let earlier, let later, let allowEqual):
            forEachScope(document) { scope, value in
                guard let es = earlier.firstValue(in: value)?.stringValue, let ls = later.firstValue(in: value)?.stringValue,
                      let ei = RuleDates.instant(es), let li = RuleDates.instant(ls),
                      li < ei || (!allowEqual && li == ei)
                else { return }
                let e = earlier.first(in: value, base: scope.location)?.location ?? scope.location
                let l = later.first(in: value, base: scope.location)?.location ?? scope.location
                report(l, "\(l) (\(ls)) must be \(allowEqual ? "on or after" : "after") \(e) (\(es))")
            }
        case .requiredWhen(let field, let when, let condition):
            forEachScope(document) { scope, value in
                guard let w = when.firstValue(in: value) else { return }
                if case .oneOf(let values) = condition, !values.contains(w) { return }
                guard field.firstValue(in: value) == nil else { return }
                let missing = JSONPointer(tokens: scope.location.tokens + field.tokens.map { $0 ?? "*" })
                let whenAt = when.first(in: value, base: scope.location)?.location ?? scope.location
                switch condition {
                case .exists: report(missing, "\(missing) is required when \(whenAt) is present")
                case .oneOf: report(missing, "\(missing) is required when \(whenAt) is \(w)")
                }
            }
        case .currencyScale(let amounts, let currency):
            forEachScope(document) { scope, value in
                guard let code = currencyCode(currency, item: value, document: document)?.stringValue,
                      let minor = ISOTables.minorUnit(of: code)
                else { return }
                func tooPrecise(_ v: JSONValue) -> Bool { (FinanceRule.decimals(of: v) ?? 0) > minor }
                for p in amounts.indices {
                    var bad = false
                    amounts[p].forEachValue(in: value) { if tooPrecise($0) { bad = true } }
                    guard bad else { continue }
                    for match in amounts[p].matches(in: value, base: scope.location) where tooPrecise(match.value) {
                        let decimals = FinanceRule.decimals(of: match.value) ?? 0
                        report(match.location, "\(match.value) has \(decimals) decimal\(decimals == 1 ? "" : "s"); \(code) allows \(minor)")
                    }
                }
            }
        case .nonNegative(let amounts):
            func negative(_ v: JSONValue) -> Bool {
                // Decimal text puts its sign first: a string without a leading `-` is not
                // negative, whatever else it holds, so most amounts skip the parse.
                if case .string(let text) = v, text.utf8.first != UInt8(ascii: "-") { return false }
                return RuleAmount(v)?.isNegative == true
            }
            forEachScope(document) { scope, value in
                for p in amounts.indices {
                    var bad = false
                    amounts[p].forEachValue(in: value) { if negative($0) { bad = true } }
                    guard bad else { continue }
                    for match in amounts[p].matches(in: value, base: scope.location) where negative(match.value) {
                        report(match.location, "\(match.value) must not be negative")
                    }
                }
            }
        }
    }

    /// Decimals of a money string (trailing zeros count) or of a JSON number literal.
    static func decimals(of value: JSONValue) -> Int? {
        switch value {
        case .string(let s): return MoneyFormat.decimals(of: s)
        case .number(let n): return ExactDecimal(n)?.scale
        default: return nil
        }
    }

    /// Where one place a rule is checked sits: an element of an `items` array, or the document.
    /// The location is only built when a violation needs it; the value is passed beside it, read
    /// in place.
    struct Scope {
        let array: JSONPointer
        let index: Int?

        var location: JSONPointer { index.map { array.appending($0) } ?? array }
    }

    /// Calls `body` with each match of `items` and its location, or with the document at the root
    /// without `items`. A pattern without wildcards is located without building anything.
    func forEachGroup(_ document: JSONValue, _ body: (_ array: JSONPointer, _ match: JSONValue) -> Void) {
        guard let items else { return body(.root, document) }
        if let pointer = items.plain {
            if let match = items.firstValue(in: document) { body(pointer, match) }
        } else {
            for match in items.matches(in: document) { body(match.location, match.value) }
        }
    }

    /// Calls `body` with every place the rule is checked: each element of the arrays `items` names
    /// (a match that is not an array is one place), or the document.
    func forEachScope(_ document: JSONValue, _ body: (_ scope: Scope, _ value: JSONValue) -> Void) {
        let perItem = items != nil
        forEachGroup(document) { array, match in
            if perItem, case .array(let elements) = match {
                elements.withUnsafeBufferPointer { elements in
                    for i in elements.indices { body(Scope(array: array, index: i), elements[i]) }
                }
            } else {
                body(Scope(array: array, index: nil), match)
            }
        }
    }

    func currencyCode(_ source: CurrencySource?, item: JSONValue, document: JSONValue) -> JSONValue? {
        switch source {
        case .item(let p)?: return p.firstValue(in: item)
        case .document(let p)?: return p.firstValue(in: document)
        case nil: return nil
        }
    }

    private func checkBalanced(
        _ array: JSONPointer, _ match: JSONValue, document: JSONValue, amount: PathPattern, side: PathPattern,
        debit: JSONValue, credit: JSONValue, currency: CurrencySource?, report: (JSONPointer, String) -> Void
    ) {
        // Per currency, in first-seen order: debits and credits.
        var order: [String] = []
        var totals: [String: (debits: RuleAmount, credits: RuleAmount)] = [:]
        /// Adds one item; false when the rule stops there.
        func add(_ item: Scope, _ element: JSONValue) -> Bool {
            guard let a = amount.firstValue(in: element), let value = RuleAmount(a), let s = side.firstValue(in: element)
            else { return false }  // a missing or malformed amount or side is the schema's to report
            let code = currencyCode(currency, item: element, document: document)?.stringValue ?? ""
            if totals[code] == nil {
                order.append(code)
                totals[code] = (.zero, .zero)
            }
            if s == debit {
                totals[code]?.debits += value
            } else if s == credit {
                totals[code]?.credits += value
            } else {
                report(side.first(in: element, base: item.location)?.location ?? item.location, "side \(s) is neither \(debit) nor \(credit)")
                return false
            }
            return true
        }
        // The elements of an array match, or a single item that is the match itself.
        if case .array(let elements) = match {
            let complete = elements.withUnsafeBufferPointer { elements in
                elements.indices.allSatisfy { add(Scope(array: array, index: $0), elements[$0]) }
            }
            guard complete else { return }
        } else {
            guard add(Scope(array: array, index: nil), match) else { return }
        }
        for code in order {
            guard let t = totals[code], t.debits != t.credits else { continue }
            let label = code.isEmpty ? "" : " in \(code)"
            let (debits, credits) = (t.debits.exact, t.credits.exact)
            report(array, "debits \(debits) ≠ credits \(credits)\(label) (difference \((debits - credits).magnitude))")
        }
    }

    private func checkSum(
        _ document: JSONValue, amount: PathPattern, plus: [PathPattern], total: PathPattern,
        currency: PathPattern?, totalCurrency: PathPattern?, itemSum: inout ItemSum?, report: (JSONPointer, String) -> Void
    ) {
        guard let totalValue = total.firstValue(in: document), let expected = RuleAmount(totalValue) else { return }
        let expectedCurrency = totalCurrency.flatMap { $0.firstValue(in: document) }
        var sum = RuleAmount.zero
        var mismatch = false
        var malformed = false
        func add(_ v: JSONValue) {
            if let d = RuleAmount(v) { sum += d } else { malformed = true }
        }
        if currency == nil, let known = itemSum {
            (sum, malformed) = (known.sum, known.malformed)
        } else {
            forEachScope(document) { item, value in
                if let currency, let expectedCurrency, let c = currency.firstValue(in: value), c != expectedCurrency {
                    report(currency.first(in: value, base: item.location)?.location ?? item.location, "currency \(c) differs from the total's \(expectedCurrency)")
                    mismatch = true
                }
                amount.forEachValue(in: value, add)
            }
            if currency == nil { itemSum = ItemSum(sum: sum, malformed: malformed) }
        }
        for p in plus.indices { plus[p].forEachValue(in: document, add) }
        // A malformed amount is the schema's to report.
        if !mismatch && !malformed && sum != expected {
            let at = total.first(in: document)?.location ?? .root
            let what = ([items.map { "\($0)/*\(amount)" } ?? amount.description] + plus.map(\.description)).joined(separator: " + ")
            report(at, "\(what) is \(sum.exact), but \(at) is \(totalValue.stringValue ?? totalValue.description)")
        }
    }
}
