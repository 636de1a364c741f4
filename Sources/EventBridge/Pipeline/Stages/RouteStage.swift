import Contracts

/// Stage 5, route: chooses the subscribers of an event — by type pattern, then by field filters
/// on the data — in configuration order.
struct RouteStage: Sendable {
    /// A class: each input's outputs name their routes, and a reference is one retain where the
    /// fields would be five.
    final class Route: Sendable {
        let name: String
        let topic: String
        let mode: BridgeConfig.ContentMode
        let exactTypes: Set<String>
        let prefixes: [String]
        let matchAll: Bool
        let filters: [(pointer: JSONPointer, value: JSONValue)]

        init(name: String, topic: String, mode: BridgeConfig.ContentMode, exactTypes: Set<String>, prefixes: [String], matchAll: Bool,
             filters: [(pointer: JSONPointer, value: JSONValue)]) {
            (self.name, self.topic, self.mode, self.exactTypes, self.prefixes, self.matchAll, self.filters) =
                (name, topic, mode, exactTypes, prefixes, matchAll, filters)
        }

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

    /// The subscribers that receive this event, in configuration order.
    func select(type: String, data: JSONValue) -> [Route] {
        select(among: candidates(type: type)) { $0.resolve(in: data) == $1 }
    }

    /// The subscribers whose type patterns take `type`, in configuration order (before field filters).
    func candidates(type: String) -> [Route] { routes.filter { $0.matches(type: type) } }

    /// The `candidates` whose field filters hold, `holds` answering them (see `Route.accepts`).
    func select(among candidates: [Route], where holds: (JSONPointer, JSONValue) -> Bool) -> [Route] {
        // Mostly no filters at all: the candidates themselves, shared, not copied.
        if candidates.allSatisfy({ $0.filters.isEmpty }) { return candidates }
        return candidates.filter { $0.accepts(holds) }
    }
}
