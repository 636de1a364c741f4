/// An RFC 6901 JSON Pointer: `""` is the whole document, `/a/0/b~1c` walks members and indices.
public struct JSONPointer: Sendable, Hashable, CustomStringConvertible {
    /// Unescaped reference tokens.
    public private(set) var tokens: [String]

    public static let root = JSONPointer(tokens: [])

    public init(tokens: [String]) { self.tokens = tokens }

    /// Parses pointer text; nil when it doesn't start with `/` (and isn't empty) or has a bad `~` escape.
    public init?(_ text: String) {
        if text.isEmpty {
            tokens = []
            return
        }
        guard text.hasPrefix("/") else { return nil }
        var result: [String] = []
        for raw in text.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).dropFirst() {
            var token: [UInt8] = []
            token.reserveCapacity(raw.count)
            var it = raw.makeIterator()
            while let b = it.next() {
                if b == UInt8(ascii: "~") {
                    switch it.next() {
                    case UInt8(ascii: "0"): token.append(UInt8(ascii: "~"))
                    case UInt8(ascii: "1"): token.append(UInt8(ascii: "/"))
                    default: return nil
                    }
                } else {
                    token.append(b)
                }
            }
            result.append(String(decoding: token, as: UTF8.self))
        }
        tokens = result
    }

    public var isRoot: Bool { tokens.isEmpty }

    /// The pointer text, with `~` and `/` escaped.
    public var description: String {
        var out = ""
        for t in tokens {
            out += "/"
            out += JSONPointer.escape(t)
        }
        return out
    }

    public static func escape(_ token: String) -> String {
        guard token.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) else { return token }
        var out = ""
        for c in token {
            switch c {
            case "~": out += "~0"
            case "/": out += "~1"
            default: out.append(c)
            }
        }
        return out
    }

    public func appending(_ token: String) -> JSONPointer {
        JSONPointer(tokens: tokens + [token])
    }

    public func appending(_ index: Int) -> JSONPointer {
        JSONPointer(tokens: tokens + [String(index)])
    }

    public var parent: JSONPointer? {
        tokens.isEmpty ? nil : JSONPointer(tokens: Array(tokens.dropLast()))
    }

    /// The array index a token names: digits without leading zeros (RFC 6901 §4); nil otherwise.
    public static func arrayIndex(_ token: String) -> Int? {
        guard let first = token.utf8.first, first >= 0x30, first <= 0x39 else { return nil }
        if first == 0x30 && token.utf8.count > 1 { return nil }
        guard token.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(token)
    }

    /// The value this pointer names in `document`, or nil when a step doesn't exist.
    public func resolve(in document: JSONValue) -> JSONValue? {
        var current = document
        for token in tokens {
            guard let next = JSONPointer.child(of: current, token) else { return nil }
            current = next
        }
        return current
    }

    /// The member or element one token names in `value`, or nil when it doesn't exist.
    static func child(of value: JSONValue, _ token: String) -> JSONValue? {
        switch value {
        case .object(let o):
            return o[token]
        case .array(let a):
            guard let i = JSONPointer.arrayIndex(token), i < a.count else { return nil }
            return a[i]
        default:
            return nil
        }
    }
}

extension JSONValue {
    /// The value at an RFC 6901 pointer, or nil.
    public subscript(pointer pointer: JSONPointer) -> JSONValue? { pointer.resolve(in: self) }
}
