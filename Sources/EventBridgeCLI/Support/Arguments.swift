/// The arguments left for a command to parse. Options are taken by name wherever they stand;
/// what is left in order is positional. `finish()` rejects anything not taken.
struct Arguments {
    private var items: [String]

    init(_ items: [String]) { self.items = items }

    /// `--name` present (removed once taken).
    mutating func flag(_ names: String...) -> Bool {
        var found = false
        items.removeAll { item in
            if names.contains(item) { found = true; return true }
            return false
        }
        return found
    }

    /// The value of `--name VALUE` or `--name=VALUE`; the last one wins.
    mutating func option(_ names: String...) throws -> String? {
        try allOptions(names).last
    }

    /// Every value of a repeatable option, in order.
    mutating func options(_ names: String...) throws -> [String] {
        try allOptions(names)
    }

    /// A required option.
    mutating func required(_ name: String) throws -> String {
        guard let value = try option(name) else { throw UsageError("missing required option \(name)") }
        return value
    }

    /// An integer option.
    mutating func int(_ name: String) throws -> Int? {
        guard let text = try option(name) else { return nil }
        guard let value = Int(text) else { throw UsageError("\(name) takes a whole number, got '\(text)'") }
        return value
    }

    /// The next positional argument.
    mutating func positional() -> String? {
        guard let index = items.firstIndex(where: { !$0.hasPrefix("-") || $0 == "-" }) else { return nil }
        return items.remove(at: index)
    }

    /// A required positional argument.
    mutating func positional(_ what: String) throws -> String {
        guard let value = positional() else { throw UsageError("missing \(what)") }
        return value
    }

    /// Every remaining positional argument.
    mutating func rest() -> [String] {
        var out: [String] = []
        while let next = positional() { out.append(next) }
        return out
    }

    /// Fails on any argument nobody took.
    func finish() throws {
        if let first = items.first {
            throw UsageError(first.hasPrefix("-") ? "unknown option '\(first)'" : "unexpected argument '\(first)'")
        }
    }

    private mutating func allOptions(_ names: [String]) throws -> [String] {
        var values: [String] = []
        var index = 0
        while index < items.count {
            let item = items[index]
            if names.contains(item) {
                guard index + 1 < items.count else { throw UsageError("\(item) needs a value") }
                values.append(items[index + 1])
                items.removeSubrange(index...index + 1)
            } else if let eq = item.firstIndex(of: "="), names.contains(String(item[..<eq])) {
                values.append(String(item[item.index(after: eq)...]))
                items.remove(at: index)
            } else {
                index += 1
            }
        }
        return values
    }
}
