/// Index of a compiled node in `SchemaProgram.nodes`. References are indices, so recursive
/// schemas (`$ref: "#"`) are plain cycles in an array, not retain cycles.
typealias NodeID = Int32

/// One compiled schema: its keywords, pre-resolved, in evaluation order.
struct SchemaNode: Sendable {
    var keywords: [Keyword] = []
    /// The schema resource (by index in `SchemaProgram.resources`) this node belongs to, for the
    /// dynamic scope of `$dynamicRef`.
    var resource: Int32 = 0
    /// The node has `unevaluatedProperties`/`unevaluatedItems`, so it collects annotations.
    var collectsAnnotations = false
}

/// A schema resource that was compiled: its URI and its `$dynamicAnchor`s.
struct SchemaResource: Sendable {
    var uri: String
    var dynamicAnchors: [String: NodeID] = [:]
}

/// JSON Schema `type` as a bit set.
struct TypeMask: OptionSet, Sendable {
    let rawValue: UInt8
    static let null = TypeMask(rawValue: 1)
    static let boolean = TypeMask(rawValue: 2)
    static let integer = TypeMask(rawValue: 4)
    static let number = TypeMask(rawValue: 8)
    static let string = TypeMask(rawValue: 16)
    static let array = TypeMask(rawValue: 32)
    static let object = TypeMask(rawValue: 64)

    init(rawValue: UInt8) { self.rawValue = rawValue }

    init?(name: String) {
        switch name {
        case "null": self = .null
        case "boolean": self = .boolean
        case "integer": self = .integer
        case "number": self = .number
        case "string": self = .string
        case "array": self = .array
        case "object": self = .object
        default: return nil
        }
    }

    func matches(_ value: JSONValue) -> Bool {
        switch value {
        case .null: return contains(.null)
        case .bool: return contains(.boolean)
        case .number(let n): return contains(.number) || (contains(.integer) && n.isIntegral)
        case .string: return contains(.string)
        case .array: return contains(.array)
        case .object: return contains(.object)
        }
    }

    var names: [String] {
        let all: [(TypeMask, String)] = [
            (.null, "null"), (.boolean, "boolean"), (.integer, "integer"), (.number, "number"),
            (.string, "string"), (.array, "array"), (.object, "object"),
        ]
        return all.filter { contains($0.0) }.map(\.1)
    }
}

/// `properties` (and the names `additionalProperties` must skip), looked up by member name:
/// a linear walk for a handful of names, a dictionary beyond.
struct PropertyTable: Sendable {
    let names: [String]
    let nodes: [NodeID]
    /// UTF-8 lengths of `names`: a cheap filter before comparing strings (O(1) for native strings).
    private let lengths: [Int]
    private let lookup: [String: Int]?

    init(names: [String], nodes: [NodeID]) {
        self.names = names
        self.nodes = nodes
        lengths = names.map(\.utf8.count)
        if names.count > 12 {
            var table = [String: Int](minimumCapacity: names.count)
            for (i, name) in names.enumerated() { table[name] = i }
            lookup = table
        } else {
            lookup = nil
        }
    }

    static let empty = PropertyTable(names: [], nodes: [])

    @inline(__always)
    func find(_ key: String) -> NodeID? {
        if let lookup { return lookup[key].map { nodes[$0] } }
        let length = key.utf8.count
        for i in lengths.indices where lengths[i] == length && names[i] == key { return nodes[i] }
        return nil
    }
}

extension JSONObject {
    /// Whether a member is named `key`: like `position(of:)`, but skips members whose UTF-8
    /// length differs before comparing strings (the validator's `required` hot path).
    @inline(__always)
    func hasMember(_ key: String) -> Bool {
        if count > JSONObject.indexThreshold { return position(of: key) != nil }
        let length = key.utf8.count
        for member in members where member.key.utf8.count == length && member.key == key { return true }
        return false
    }
}

/// A compiled `pattern` or `patternProperties` key: the regex and its source for messages.
struct PatternEntry: Sendable {
    let source: String
    let regex: ECMARegex
    let node: NodeID
}

/// A `$dynamicRef`: where it points statically, and the anchor name to look up in the dynamic
/// scope when the static target carries a matching `$dynamicAnchor` (otherwise nil: a plain `$ref`).
struct DynamicRef: Sendable {
    let target: NodeID
    let anchor: String?
}

/// A compiled keyword. Pre-resolved: references are node indices, regexes are compiled,
/// numbers are exact, `required` is an array.
enum Keyword: Sendable {
    case alwaysFalse
    case ref(NodeID)
    case dynamicRef(DynamicRef)
    case type(TypeMask)
    case const(JSONValue)
    case `enum`([JSONValue])
    case minimum(JSONNumber)
    case maximum(JSONNumber)
    case exclusiveMinimum(JSONNumber)
    case exclusiveMaximum(JSONNumber)
    case multipleOf(JSONNumber)
    case minLength(Int)
    case maxLength(Int)
    case pattern(PatternEntry)
    case format(SchemaFormat)
    case minItems(Int)
    case maxItems(Int)
    case uniqueItems
    case minProperties(Int)
    case maxProperties(Int)
    case required([String])
    case dependentRequired([(String, [String])])
    case allOf([NodeID])
    case anyOf([NodeID])
    case oneOf([NodeID])
    case not(NodeID)
    case ifThenElse(if: NodeID, then: NodeID?, else: NodeID?)
    case dependentSchemas([(String, NodeID)])
    case properties(PropertyTable)
    case patternProperties([PatternEntry])
    case additionalProperties(NodeID, known: PropertyTable, patterns: [PatternEntry])
    case propertyNames(NodeID)
    case prefixItems([NodeID])
    case items(NodeID, from: Int)
    case contains(NodeID, min: Int, max: Int?)
    case unevaluatedItems(NodeID)
    case unevaluatedProperties(NodeID)
}
