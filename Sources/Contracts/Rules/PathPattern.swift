/// A JSON Pointer whose tokens may be the wildcard `*`, matching every element of an array (or
/// every member of an object): `/lines/*/amount` names the amount of each line.
///
/// A literal member named `*` cannot be addressed by a pattern; contracts don't use one.
public struct PathPattern: Sendable, Hashable, CustomStringConvertible {
    /// The tokens; `nil` stands for the wildcard.
    public let tokens: [String?]
    /// The pattern as a plain pointer when it has no wildcard.
    let plain: JSONPointer?
    /// The tokens prepared for lookups (see `Step`).
    let steps: [Step]

    /// A token as the rules look it up: a wildcard, or a name with its UTF-8 length (compared
    /// before the name itself) and the array index it also names (RFC 6901: digits without
    /// leading zeros), if any.
    enum Step: Sendable, Hashable {
        case wildcard
        case name(String, length: Int, index: Int?)
    }

    /// Parses pointer text with optional `*` segments; nil when `text` is not a JSON Pointer.
    public init?(_ text: String) {
        guard let pointer = JSONPointer(text) else { return nil }
        tokens = pointer.tokens.map { $0 == "*" ? nil : $0 }
        plain = pointer.tokens.contains("*") ? nil : pointer
        steps = tokens.map { token in
            guard let token else { return .wildcard }
            return .name(token, length: token.utf8.count, index: JSONPointer.arrayIndex(token))
        }
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
        if plain != nil { return resolve(in: value, from: 0) }
        var found: JSONValue?
        forEachValue(in: value) { v in
            if found == nil { found = v }
        }
        return found
    }

    /// Calls `body` with every matched value in document order, without building locations
    /// (the fast path for rules; locations are built with `matches` only when something is wrong).
    public func forEachValue(in value: JSONValue, _ body: (JSONValue) -> Void) {
        if plain != nil {
            if let found = resolve(in: value, from: 0) { body(found) }
            return
        }
        visit(value, depth: 0, body)
    }

    /// What the wildcard-free steps from `depth` on name in `value` (`JSONPointer.resolve`).
    private func resolve(in value: JSONValue, from depth: Int) -> JSONValue? {
        guard depth < steps.count else { return value }
        guard case .name(let key, let length, let index) = steps[depth],
              let next = Self.child(of: value, key, length: length, index: index)
        else { return nil }
        return depth + 1 == steps.count ? next : resolve(in: next, from: depth + 1)
    }

    private func visit(_ value: JSONValue, depth: Int, _ body: (JSONValue) -> Void) {
        guard depth < steps.count else { return body(value) }
        switch steps[depth] {
        case .name(let key, let length, let index):
            guard let next = Self.child(of: value, key, length: length, index: index) else { return }
            visit(next, depth: depth + 1, body)
        case .wildcard:
            // Elements and members are read in place: iterating the arrays would copy each one.
            switch value {
            case .array(let a):
                a.withUnsafeBufferPointer { elements in
                    for i in elements.indices { visit(elements[i], depth: depth + 1, body) }
                }
            case .object(let o):
                o.members.withUnsafeBufferPointer { members in
                    for i in members.indices { visit(members[i].value, depth: depth + 1, body) }
                }
            default:
                break
            }
        }
    }

    /// The member or element one named step names in `value` (`JSONPointer.child`), comparing
    /// UTF-8 lengths before keys.
    @inline(__always)
    static func child(of value: JSONValue, _ key: String, length: Int, index: Int?) -> JSONValue? {
        switch value {
        case .object(let o):
            return o.member(key, length: length)
        case .array(let a):
            guard let index, index < a.count else { return nil }
            return a[index]
        default:
            return nil
        }
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

extension JSONObject {
    /// `self[key]` for a key of `length` UTF-8 bytes: members of another length are skipped
    /// without comparing strings (the rules' lookups; keys are unique, so the first match is it).
    @inline(__always)
    func member(_ key: String, length: Int) -> JSONValue? {
        if count > JSONObject.indexThreshold { return self[key] }
        return members.withUnsafeBufferPointer { members in
            for i in members.indices where members[i].key.utf8.count == length && members[i].key == key {
                return members[i].value
            }
            return nil
        }
    }
}
