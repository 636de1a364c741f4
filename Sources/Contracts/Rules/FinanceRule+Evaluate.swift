extension FinanceRule {
    /// Checks the rule on `document` and appends a violation for every failure, with keyword the
    /// rule kind and keyword location `/rules/<index>/<kind>`.
    ///
    /// Values the schema should have rejected (an amount that is not a decimal, a date that is not
    /// a date, an unknown currency) are left to the schema: the rule skips them rather than report
    /// the same problem twice.
    public func evaluate(_ document: JSONValue, index: Int, into violations: inout [Violation]) {
        let keywordLocation = "/rules/\(index)/\(kind.rawValue)"
        func report(_ at: JSONPointer, _ message: String) {
            violations.append(Violation(instanceLocation: at, keywordLocation: keywordLocation, keyword: kind.rawValue, message: message))
        }
        switch spec {
        case .balanced(let amount, let side, let debit, let credit, let currency):
            for group in itemGroups(document) {
                checkBalanced(group, document: document, amount: amount, side: side, debit: debit, credit: credit, currency: currency, report: report)
            }
        case .sumEquals(let amount, let plus, let total, let currency, let totalCurrency):
            checkSum(document, amount: amount, plus: plus, total: total, currency: currency, totalCurrency: totalCurrency, report: report)
        case .dateOrder(let earlier, let later, let allowEqual):
            for scope in scopes(document) {
                guard let e = earlier.first(in: scope.value, base: scope.location), let l = later.first(in: scope.value, base: scope.location),
                      let es = e.value.stringValue, let ls = l.value.stringValue,
                      let ei = RuleDates.instant(es), let li = RuleDates.instant(ls)
                else { continue }
                if li < ei || (!allowEqual && li == ei) {
                    report(l.location, "\(l.location) (\(ls)) must be \(allowEqual ? "on or after" : "after") \(e.location) (\(es))")
                }
            }
        case .requiredWhen(let field, let when, let condition):
            for scope in scopes(document) {
                guard let w = when.first(in: scope.value, base: scope.location) else { continue }
                switch condition {
                case .exists: break
                case .oneOf(let values): guard values.contains(w.value) else { continue }
                }
                if field.first(in: scope.value, base: scope.location) == nil {
                    let missing = JSONPointer(tokens: scope.location.tokens + field.tokens.map { $0 ?? "*" })
                    let why: String
                    switch condition {
                    case .exists: why = "\(w.location) is present"
                    case .oneOf: why = "\(w.location) is \(w.value)"
                    }
                    report(missing, "\(missing) is required when \(why)")
                }
            }
        case .currencyScale(let amounts, let currency):
            for scope in scopes(document) {
                guard let code = currencyCode(currency, scope: scope, document: document)?.value.stringValue,
                      let minor = ISOTables.minorUnit(of: code)
                else { continue }
                for pattern in amounts {
                    for match in pattern.matches(in: scope.value, base: scope.location) {
                        guard let decimals = FinanceRule.decimals(of: match.value), decimals > minor else { continue }
                        report(match.location, "\(match.value) has \(decimals) decimal\(decimals == 1 ? "" : "s"); \(code) allows \(minor)")
                    }
                }
            }
        case .nonNegative(let amounts):
            for scope in scopes(document) {
                for pattern in amounts {
                    for match in pattern.matches(in: scope.value, base: scope.location) {
                        guard let d = ExactDecimal(match.value), d.isNegative else { continue }
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

    typealias Scope = (location: JSONPointer, value: JSONValue)

    /// The arrays `items` names, each with its elements; without `items`, one group holding the document.
    func itemGroups(_ document: JSONValue) -> [(array: JSONPointer, elements: [Scope])] {
        guard let items else { return [(.root, [(.root, document)])] }
        return items.matches(in: document).map { match in
            if case .array(let a) = match.value {
                return (match.location, a.enumerated().map { (match.location.appending($0.offset), $0.element) })
            }
            return (match.location, [(match.location, match.value)])
        }
    }

    /// Every place the rule is checked: each item, or the document.
    func scopes(_ document: JSONValue) -> [Scope] { itemGroups(document).flatMap(\.elements) }

    func currencyCode(_ source: CurrencySource?, scope: Scope, document: JSONValue) -> Scope? {
        switch source {
        case .item(let p)?: return p.first(in: scope.value, base: scope.location)
        case .document(let p)?: return p.first(in: document)
        case nil: return nil
        }
    }

    private func checkBalanced(
        _ group: (array: JSONPointer, elements: [Scope]), document: JSONValue, amount: PathPattern, side: PathPattern,
        debit: JSONValue, credit: JSONValue, currency: CurrencySource?, report: (JSONPointer, String) -> Void
    ) {
        // Per currency, in first-seen order: debits and credits.
        var order: [String] = []
        var totals: [String: (debits: ExactDecimal, credits: ExactDecimal)] = [:]
        for item in group.elements {
            guard let a = amount.first(in: item.value, base: item.location), let value = ExactDecimal(a.value),
                  let s = side.first(in: item.value, base: item.location)
            else { return }  // a missing or malformed amount or side is the schema's to report
            let code = currencyCode(currency, scope: item, document: document)?.value.stringValue ?? ""
            if totals[code] == nil {
                order.append(code)
                totals[code] = (.zero, .zero)
            }
            if s.value == debit {
                totals[code]?.debits += value
            } else if s.value == credit {
                totals[code]?.credits += value
            } else {
                report(s.location, "side \(s.value) is neither \(debit) nor \(credit)")
                return
            }
        }
        for code in order {
            guard let t = totals[code], t.debits != t.credits else { continue }
            let label = code.isEmpty ? "" : " in \(code)"
            report(group.array, "debits \(t.debits) ≠ credits \(t.credits)\(label) (difference \((t.debits - t.credits).magnitude))")
        }
    }

    private func checkSum(
        _ document: JSONValue, amount: PathPattern, plus: [PathPattern], total: PathPattern,
        currency: PathPattern?, totalCurrency: PathPattern?, report: (JSONPointer, String) -> Void
    ) {
        guard let t = total.first(in: document), let expected = ExactDecimal(t.value) else { return }
        let expectedCurrency = totalCurrency.flatMap { $0.first(in: document) }?.value
        var sum = ExactDecimal.zero
        var mismatch = false
        for item in scopes(document) {
            if let currency, let expectedCurrency, let c = currency.first(in: item.value, base: item.location), c.value != expectedCurrency {
                report(c.location, "currency \(c.value) differs from the total's \(expectedCurrency)")
                mismatch = true
            }
            for match in amount.matches(in: item.value, base: item.location) {
                guard let v = ExactDecimal(match.value) else { return }
                sum += v
            }
        }
        for p in plus {
            for match in p.matches(in: document) {
                guard let v = ExactDecimal(match.value) else { return }
                sum += v
            }
        }
        if !mismatch && sum != expected {
            let what = ([items.map { "\($0)/*\(amount)" } ?? amount.description] + plus.map(\.description)).joined(separator: " + ")
            report(t.location, "\(what) is \(sum), but \(t.location) is \(t.value.stringValue ?? t.value.description)")
        }
    }
}
