import Contracts

/// Stage 5, route: chooses the subscribers of an event — by type pattern, then by field filters
/// on the data — in configuration order.
struct RouteStage: Sendable {
    struct Route: Sendable {
        var name: String
        var topic: String
        var mode: BridgeConfig.ContentMode
        let exactTypes: Set<String>
        let prefixes: [String]
        let matchAll: Bool
        let filters: [(pointer: JSONPointer, value: JSONValue)]

        func matches(type: String) -> Bool {
            matchAll || exactTypes.contains(type) || prefixes.contains { type.hasPrefix($0) }
        }

        func accepts(_ data: JSONValue) -> Bool {
            accepts { $0.resolve(in: data) == $1 }
        }

        /// Every field filter holds, `holds(pointer, value)` telling whether the event's value at
        /// `pointer` equals `value` (the tape path reads it from the input).
        func accepts(_ holds: (JSONPointer, JSONValue) -> Bool) -> Bool {
            filters.allSatisfy { holds($0.pointer, $0.value) }
        }
    }

    let routes: [Route]

    init(_ subscribers: [BridgeConfig.SubscriberSettings]) {
        routes = subscribers.map { s in
            var exact = Set<String>()
            var prefixes: [String] = []
            var all = false
            for t in s.types {
                if t == "*" {
                    all = true
                } else if t.hasSuffix("*") {
                    prefixes.append(String(t.dropLast()))
                } else {
                    exact.insert(t)
                }
            }
            return Route(name: s.name, topic: s.topic, mode: s.mode, exactTypes: exact, prefixes: prefixes, matchAll: all, filters: s.filters)
        }
    }

    /// Subscribers interested in this type at all (before field filters).
    func hasSubscriber(forType type: String) -> Bool { routes.contains { $0.matches(type: type) } }

    /// Indices into `routes` of the subscribers that receive this event, in configuration order.
    func select(type: String, data: JSONValue) -> [Int] {
        select(type: type) { $0.resolve(in: data) == $1 }
    }

    /// `select(type:data:)` with the field filters answered by `holds` (see `Route.accepts`).
    func select(type: String, where holds: (JSONPointer, JSONValue) -> Bool) -> [Int] {
        var out: [Int] = []
        for (i, r) in routes.enumerated() where r.matches(type: type) && r.accepts(holds) { out.append(i) }
        return out
    }
}
