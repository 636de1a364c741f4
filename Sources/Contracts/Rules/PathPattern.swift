/// A JSON Pointer whose tokens may be the wildcard `*`, matching every element of an array (or
/// every member of an object): `/lines/*/amount` names the amount of each line.
///
/// A literal member named `*` cannot be addressed by a pattern; contracts don't use one.
public struct PathPattern: Sendable, Hashable, CustomStringConvertible {
    /// The tokens; `nil` stands for the wildcard.
    public let tokens: [String?]
    /// The pattern as a plain pointer when it has no wildcard.
    let plain: JSONPointer?

    /// Parses pointer text with optional `*` segments; nil when `text` is not a JSON Pointer.
    public init?(_ text: String) {
        guard let pointer = JSONPointer(text) else { return nil }
        tokens = pointer.tokens.map { $0 == "*" ? nil : $0 }
        plain = pointer.tokens.contains("*") ? nil : pointer
    }

    /// True when the pattern has a wildcard (it can match several locations).
    public var hasWildcard: Bool { tokens.contains(nil) }

    public var description: String {
        tokens.map { "/" + ($0.map(JSONPointer.escape) ?? "*") }.joined()
    }

    /// Every location the pattern matches in `value`, which sits at `base` in the whole document,
    /// in document order. Locations that don't exist are skipped.
    public func matches(in value: JSONValue, base: JSONPointer = .root) -> [(location: JSONPointer, value: JSONValue)] {
        var out: [(location: JSONPointer, value: JSONValue)] = []
        collect(value, at: base, depth: 0, into: &out)
        return out
    }

    /// The single value a wildcard-free pattern names, or the first match of a wildcard pattern.
    public func first(in value: JSONValue, base: JSONPointer = .root) -> (location: JSONPointer, value: JSONValue)? {
        if let plain {
            guard let found = plain.resolve(in: value) else { return nil }
            return (JSONPointer(tokens: base.tokens + plain.tokens), found)
        }
        return matches(in: value, base: base).first
    }

    /// The value a wildcard-free pattern names (the first match of a wildcard pattern), without
    /// building its location.
    public func firstValue(in value: JSONValue) -> JSONValue? {
        if let plain { return plain.resolve(in: value) }
        var found: JSONValue?
        forEachValue(in: value) { v in
            if found == nil { found = v }
        }
        return found
    }

    /// Calls `body` with every matched value in document order, without building locations
    /// (the fast path for rules; locations are built with `matches` only when something is wrong).
    public func forEachValue(in value: JSONValue, _ body: (JSONValue) -> Void) {
        if let plain {
            if let found = plain.resolve(in: value) { body(found) }
            return
        }
        visit(value, depth: 0, body)
    }

    private func visit(_ value: JSONValue, depth: Int, _ body: (JSONValue) -> Void) {
        // Named tokens are followed in a loop; only a wildcard recurses, once per element.
        var current = value
        var depth = depth
        while depth < tokens.count {
            guard let token = tokens[depth] else {
                switch current {
                case .array(let a):
                    for element in a { visit(element, depth: depth + 1, body) }
                case .object(let o):
                    for m in o.members { visit(m.value, depth: depth + 1, body) }
                default:
                    break
                }
                return
            }
            guard let next = JSONPointer.child(of: current, token) else { return }
            current = next
            depth += 1
        }
        body(current)
    }

    private func collect(_ value: JSONValue, at location: JSONPointer, depth: Int, into out: inout [(location: JSONPointer, value: JSONValue)]) {
        guard depth < tokens.count else {
            out.append((location, value))
            return
        }
        switch (tokens[depth], value) {
        case (nil, .array(let a)):
            for (i, element) in a.enumerated() { collect(element, at: location.appending(i), depth: depth + 1, into: &out) }
        case (nil, .object(let o)):
            for m in o { collect(m.value, at: location.appending(m.key), depth: depth + 1, into: &out) }
        case (let token?, .object(let o)):
            if let next = o[token] { collect(next, at: location.appending(token), depth: depth + 1, into: &out) }
        case (let token?, .array(let a)):
            if let i = JSONPointer.arrayIndex(token), i < a.count { collect(a[i], at: location.appending(i), depth: depth + 1, into: &out) }
        default:
            return
        }
    }
}
