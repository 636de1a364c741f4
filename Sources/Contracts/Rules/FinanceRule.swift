/// A declarative finance rule from a contract's `rules` array, checked with exact decimals.
///
/// In the contract a rule is an object with one member named after its kind:
/// `{"balanced": {"items": "/lines", "amount": "/amount", "side": "/side", "currency": "/currency"}}`.
/// When `items` is given (a pointer, `*` wildcards allowed, naming arrays), the rule is checked once
/// per element and its other pointers are relative to the element; otherwise they are relative to
/// the document. See docs/contracts.md for every kind and its parameters.
public struct FinanceRule: Sendable, Hashable {
    /// The rule kinds; the raw value is the member name in the contract and the violation keyword.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// Debits equal credits per currency.
        case balanced
        /// Amounts (plus extra addends) sum to a total.
        case sumEquals
        /// One date is not after another.
        case dateOrder
        /// A field is required when another field has a value (or exists).
        case requiredWhen
        /// An amount has no more decimals than its currency's minor unit (trailing zeros count).
        case currencyScale
        /// An amount is zero or more.
        case nonNegative
    }

    /// What `requiredWhen` compares its condition field against.
    public enum Condition: Sendable, Hashable {
        /// The condition field exists (any value, `null` included).
        case exists
        /// The condition field equals one of these values (JSON equality).
        case oneOf([JSONValue])
    }

    /// Where a currency code comes from.
    public enum CurrencySource: Sendable, Hashable {
        /// Relative to each item (or the document without `items`).
        case item(PathPattern)
        /// Always from the document root.
        case document(PathPattern)
    }

    enum Spec: Sendable, Hashable {
        case balanced(amount: PathPattern, side: PathPattern, debit: JSONValue, credit: JSONValue, currency: CurrencySource?)
        case sumEquals(amount: PathPattern, plus: [PathPattern], total: PathPattern, currency: PathPattern?, totalCurrency: PathPattern?)
        case dateOrder(earlier: PathPattern, later: PathPattern, allowEqual: Bool)
        case requiredWhen(field: PathPattern, when: PathPattern, condition: Condition)
        case currencyScale(amounts: [PathPattern], currency: CurrencySource)
        case nonNegative(amounts: [PathPattern])
    }

    public let kind: Kind
    /// Arrays whose elements the rule is checked on, or nil for the whole document.
    public let items: PathPattern?
    let spec: Spec
    /// The rule as written in the contract.
    public let definition: JSONValue

    /// Reads one rule definition. Problems are reported with pointers under `location`
    /// (e.g. `/rules/2/balanced/side`), all of them, and then nil is returned.
    public static func parse(_ json: JSONValue, at location: JSONPointer, file: String, problems: inout [ContractProblem]) -> FinanceRule? {
        var reader = RuleReader(file: file)
        let rule = reader.rule(json, at: location)
        problems.append(contentsOf: reader.problems)
        return reader.problems.isEmpty ? rule : nil
    }
}

/// Reads rule parameters, collecting every problem.
struct RuleReader {
    let file: String
    var problems: [ContractProblem] = []

    mutating func problem(_ at: JSONPointer, _ message: String) {
        problems.append(ContractProblem(file: file, pointer: at, message: message))
    }

    mutating func rule(_ json: JSONValue, at location: JSONPointer) -> FinanceRule? {
        let kinds = FinanceRule.Kind.allCases.map(\.rawValue).joined(separator: ", ")
        guard case .object(let o) = json, o.count == 1, let member = o.members.first else {
            problem(location, "a rule is an object with one member naming its kind (\(kinds))")
            return nil
        }
        guard let kind = FinanceRule.Kind(rawValue: member.key) else {
            problem(location.appending(member.key), "unknown rule kind '\(member.key)' (known: \(kinds))")
            return nil
        }
        let at = location.appending(member.key)
        guard case .object(let p) = member.value else {
            problem(at, "the parameters of '\(kind.rawValue)' are an object")
            return nil
        }
        var params = Params(object: p, at: at)
        let items = params.take("items").flatMap { pattern($0, at: at.appending("items")) }
        let spec = self.spec(kind, &params)
        for key in params.unread { problem(at.appending(key), "unknown parameter '\(key)' for '\(kind.rawValue)'") }
        guard let spec else { return nil }
        return FinanceRule(kind: kind, items: items, spec: spec, definition: json)
    }

    private mutating func spec(_ kind: FinanceRule.Kind, _ p: inout Params) -> FinanceRule.Spec? {
        switch kind {
        case .balanced:
            if p.object["items"] == nil { problem(p.at, "'balanced' needs 'items' (the array of lines)") }
            let amount = required(&p, "amount")
            let side = required(&p, "side")
            let debit = p.take("debit") ?? "debit"
            let credit = p.take("credit") ?? "credit"
            let currency = currencySource(&p, required: false)
            guard let amount, let side else { return nil }
            return .balanced(amount: amount, side: side, debit: debit, credit: credit, currency: currency)
        case .sumEquals:
            let amount = required(&p, "amount")
            let total = required(&p, "total")
            let plus = patternList(&p, "plus", required: false)
            let currency = optional(&p, "currency")
            let totalCurrency = optional(&p, "totalCurrency")
            if (currency == nil) != (totalCurrency == nil) {
                problem(p.at, "'currency' and 'totalCurrency' go together")
            }
            guard let amount, let total, let plus else { return nil }
            return .sumEquals(amount: amount, plus: plus, total: total, currency: currency, totalCurrency: totalCurrency)
        case .dateOrder:
            let earlier = required(&p, "earlier")
            let later = required(&p, "later")
            let allowEqual = bool(&p, "allowEqual", default: true)
            guard let earlier, let later else { return nil }
            return .dateOrder(earlier: earlier, later: later, allowEqual: allowEqual)
        case .requiredWhen:
            let field = required(&p, "field")
            let when = required(&p, "when")
            let condition: FinanceRule.Condition
            let equals = p.take("equals")
            let anyOf = p.take("in")
            switch (equals, anyOf) {
            case (let v?, nil): condition = .oneOf([v])
            case (nil, .array(let values)?) where !values.isEmpty: condition = .oneOf(values)
            case (nil, nil): condition = .exists
            default:
                problem(p.at, "give either 'equals' (a value) or 'in' (a non-empty array), or neither for 'exists'")
                return nil
            }
            guard let field, let when else { return nil }
            return .requiredWhen(field: field, when: when, condition: condition)
        case .currencyScale:
            let amounts = patternList(&p, "amount", required: true)
            let currency = currencySource(&p, required: true)
            guard let amounts, let currency else { return nil }
            return .currencyScale(amounts: amounts, currency: currency)
        case .nonNegative:
            guard let amounts = patternList(&p, "amount", required: true) else { return nil }
            return .nonNegative(amounts: amounts)
        }
    }

    private mutating func pattern(_ value: JSONValue, at: JSONPointer) -> PathPattern? {
        guard let text = value.stringValue, let pattern = PathPattern(text) else {
            problem(at, "not a JSON Pointer: \(value)")
            return nil
        }
        return pattern
    }

    private mutating func required(_ p: inout Params, _ name: String) -> PathPattern? {
        guard let v = p.take(name) else {
            problem(p.at, "'\(name)' is required")
            return nil
        }
        return pattern(v, at: p.at.appending(name))
    }

    private mutating func optional(_ p: inout Params, _ name: String) -> PathPattern? {
        p.take(name).flatMap { pattern($0, at: p.at.appending(name)) }
    }

    /// A pointer or an array of pointers.
    private mutating func patternList(_ p: inout Params, _ name: String, required: Bool) -> [PathPattern]? {
        guard let v = p.take(name) else {
            if required { problem(p.at, "'\(name)' is required") }
            return required ? nil : []
        }
        let at = p.at.appending(name)
        switch v {
        case .string: return pattern(v, at: at).map { [$0] }
        case .array(let list) where !list.isEmpty:
            let parsed = list.enumerated().map { pattern($0.element, at: at.appending($0.offset)) }
            let ok = parsed.compactMap { $0 }
            return ok.count == parsed.count ? ok : nil
        default:
            problem(at, "a JSON Pointer or a non-empty array of them")
            return nil
        }
    }

    private mutating func currencySource(_ p: inout Params, required: Bool) -> FinanceRule.CurrencySource? {
        let item = optional(&p, "currency")
        let document = optional(&p, "documentCurrency")
        switch (item, document) {
        case (let i?, nil): return .item(i)
        case (nil, let d?): return .document(d)
        case (nil, nil):
            if required { problem(p.at, "'currency' (per item) or 'documentCurrency' is required") }
            return nil
        default:
            problem(p.at, "give 'currency' or 'documentCurrency', not both")
            return nil
        }
    }

    private mutating func bool(_ p: inout Params, _ name: String, default value: Bool) -> Bool {
        guard let v = p.take(name) else { return value }
        guard let b = v.boolValue else {
            problem(p.at.appending(name), "a boolean")
            return value
        }
        return b
    }

    struct Params {
        let object: JSONObject
        let at: JSONPointer
        var read: Set<String> = []

        mutating func take(_ name: String) -> JSONValue? {
            read.insert(name)
            return object[name]
        }

        var unread: [String] { object.keys.filter { !read.contains($0) } }
    }
}
