/// A change between two versions of a contract type that its compatibility mode forbids, or an
/// upcast that does not carry an older example to the newer version.
public struct BreakingChange: Sendable, Hashable, CustomStringConvertible {
    /// Which promise is broken.
    public enum Direction: String, Sendable, Hashable {
        /// New readers can't read data written with the old version.
        case backward = "BACKWARD"
        /// Old readers can't read data written with the new version.
        case forward = "FORWARD"
        /// The old version's example, upcast, does not validate against the new version.
        case upcast = "UPCAST"
    }

    public var type: String
    public var oldVersion: Int
    public var newVersion: Int
    public var direction: Direction
    /// The newer version's contract file.
    public var file: String
    /// JSON Pointer into the newer contract file (`/schema/properties/tax/required`).
    public var path: String
    public var reason: String

    public var description: String {
        "\(file): \(path): \(direction.rawValue) \(type) v\(oldVersion)→v\(newVersion): \(reason)"
    }
}

/// Checks the versions of each contract type against their compatibility mode (Confluent Schema
/// Registry semantics, see `CompatibilityMode`) and lists every breaking change.
///
/// Each version N ≥ 2 is checked under its own mode against version N−1 (or, for `_TRANSITIVE`
/// modes, every earlier version). The check is on the schemas themselves; an upcaster does not
/// excuse a schema change. Separately, `checkUpcasts` proves each upcast on real examples.
public enum CompatibilityChecker {
    /// Every place where a document valid against `writer` may fail `reader`, with paths into the
    /// newer of the two (`readerIsNewer`).
    public static func differences(writer: JSONValue, reader: JSONValue, readerIsNewer: Bool = true) -> [SchemaDifference] {
        var comparison = SchemaComparison(writer: writer, reader: reader, pathsInReader: readerIsNewer)
        comparison.compare(writer, "", reader, "")
        return comparison.differences
    }

    /// Compatibility of one type's versions.
    public static func check(_ family: ContractFamily) -> [BreakingChange] {
        var out: [BreakingChange] = []
        for new in family.versions.dropFirst() {
            let mode = new.compatibility
            guard mode != .none else { continue }
            let olds = mode.isTransitive ? Array(family.versions.prefix(new.version - 1)) : family.contract(version: new.version - 1).map { [$0] } ?? []
            for old in olds {
                func add(_ direction: BreakingChange.Direction, _ diffs: [SchemaDifference]) {
                    out += diffs.map {
                        BreakingChange(type: new.type, oldVersion: old.version, newVersion: new.version, direction: direction,
                                       file: new.file, path: "/schema" + $0.path, reason: $0.reason)
                    }
                }
                if mode.checksBackward { add(.backward, differences(writer: old.schema, reader: new.schema, readerIsNewer: true)) }
                if mode.checksForward { add(.forward, differences(writer: new.schema, reader: old.schema, readerIsNewer: false)) }
            }
        }
        return out
    }

    /// Compatibility of every type in the registry.
    public static func check(_ registry: ContractRegistry) -> [BreakingChange] {
        registry.types.flatMap { registry.family($0).map(check) ?? [] }
    }

    /// Upcasts each example of version N−1 to N and validates it there; a failure is a breaking
    /// change of direction `.upcast` at the new version's `/upcast`.
    /// `examples` returns the example documents of a type and version (none: nothing to prove).
    public static func checkUpcasts(_ family: ContractFamily, examples: (String, Int) -> [JSONValue]) -> [BreakingChange] {
        var out: [BreakingChange] = []
        for new in family.versions.dropFirst() {
            for doc in examples(new.type, new.version - 1) {
                if case .failure(let e) = family.upcast(doc, from: new.version - 1, to: new.version) {
                    out.append(BreakingChange(type: new.type, oldVersion: new.version - 1, newVersion: new.version, direction: .upcast,
                                              file: new.file, path: "/upcast", reason: e.description))
                }
            }
        }
        return out
    }
}
