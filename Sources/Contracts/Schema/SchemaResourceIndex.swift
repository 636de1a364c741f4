/// Where a schema sits: a document loaded in the registry and a JSON pointer (as tokens) into it.
struct SchemaLocation: Hashable, Sendable {
    var document: Int
    var pointer: [String]

    func appending(_ tokens: String...) -> SchemaLocation {
        SchemaLocation(document: document, pointer: pointer + tokens)
    }
}

/// The registry's tables: every loaded document, and what its identifiers point at.
///
/// A value type so a compile works on a consistent snapshot (copy-on-write makes the copy cheap)
/// and can add the schema being compiled without touching the shared registry.
struct SchemaResourceIndex: Sendable {
    /// Keywords whose value is one subschema.
    static let singleSubschema: Set<String> = [
        "items", "contains", "additionalProperties", "propertyNames", "if", "then", "else", "not",
        "unevaluatedItems", "unevaluatedProperties", "contentSchema",
    ]
    /// Keywords whose value maps names to subschemas (`definitions` only for draft-7 style `$ref`s).
    static let subschemaMaps: Set<String> = ["$defs", "definitions", "properties", "patternProperties", "dependentSchemas"]
    /// Keywords whose value is an array of subschemas.
    static let subschemaArrays: Set<String> = ["prefixItems", "allOf", "anyOf", "oneOf"]

    private(set) var documents: [JSONValue] = []
    /// Absolute URI (no fragment) → the resource's root. Retrieval URIs and `$id`s both land here.
    private(set) var resources: [String: SchemaLocation] = [:]
    /// `uri#name` → the subschema carrying `$anchor` or `$dynamicAnchor` `name` in resource `uri`.
    private(set) var anchors: [String: SchemaLocation] = [:]
    /// Resource URI → `$dynamicAnchor` name → subschema.
    private(set) var dynamicAnchors: [String: [String: SchemaLocation]] = [:]
    /// Every schema position reached through applicator keywords → the base URI in force there.
    private(set) var bases: [SchemaLocation: String] = [:]

    /// Adds a document; `uri` is where it was retrieved from (its base when it has no `$id`).
    /// Returns the new document's index.
    @discardableResult
    mutating func add(_ schema: JSONValue, uri: String) throws(SchemaError) -> Int {
        let document = documents.count
        let root = SchemaLocation(document: document, pointer: [])
        let retrieval = URIReference(uri).withoutFragment
        documents.append(schema)
        do {
            resources[retrieval.description] = root
            try walk(schema, at: root, base: retrieval)
        } catch {
            documents.removeLast()
            throw error
        }
        return document
    }

    /// The JSON at a location, or nil when the pointer leads nowhere.
    func value(at location: SchemaLocation) -> JSONValue? {
        guard documents.indices.contains(location.document) else { return nil }
        var current = documents[location.document]
        for token in location.pointer {
            switch current {
            case .object(let o):
                guard let next = o[token] else { return nil }
                current = next
            case .array(let a):
                guard let i = JSONPointer.arrayIndex(token), a.indices.contains(i) else { return nil }
                current = a[i]
            default:
                return nil
            }
        }
        return current
    }

    /// The base URI in force at a location: its own, or the nearest enclosing schema's.
    func base(of location: SchemaLocation) -> String {
        var probe = location
        while true {
            if let b = bases[probe] { return b }
            if probe.pointer.isEmpty { return "" }
            probe.pointer.removeLast()
        }
    }

    /// Resolves a `$ref`-style reference written at a place whose base URI is `base`.
    /// Returns the target and the absolute URI it was resolved to (for messages).
    func resolve(_ reference: String, base: String) -> (SchemaLocation?, String) {
        let target = URIReference(reference).resolved(against: URIReference(base))
        let resource = target.withoutFragment.description
        let absolute = target.description
        let fragment = URIReference.percentDecoded(target.fragment ?? "")
        if fragment.isEmpty { return (resources[resource], absolute) }
        if fragment.hasPrefix("/") {
            guard let root = resources[resource], let pointer = JSONPointer(fragment) else { return (nil, absolute) }
            let location = SchemaLocation(document: root.document, pointer: root.pointer + pointer.tokens)
            return (value(at: location) == nil ? nil : location, absolute)
        }
        return (anchors[resource + "#" + fragment], absolute)
    }

    /// Human-readable `base#pointer` for errors.
    func describe(_ location: SchemaLocation) -> String {
        base(of: location) + "#" + JSONPointer(tokens: location.pointer).description
    }

    private mutating func walk(_ value: JSONValue, at location: SchemaLocation, base inherited: URIReference) throws(SchemaError) {
        guard case .object(let object) = value else {
            if bases[location] == nil { bases[location] = inherited.description }
            return
        }
        var base = inherited
        if let id = object["$id"] {
            guard case .string(let text) = id else {
                throw SchemaError(.invalidIdentifier, "$id must be a string", at: describe(location, inherited))
            }
            let resolved = URIReference(text).resolved(against: inherited)
            if let fragment = resolved.fragment, !fragment.isEmpty {
                throw SchemaError(.invalidIdentifier, "$id must not have a fragment: \(text)", at: describe(location, inherited))
            }
            base = resolved.withoutFragment
            resources[base.description] = location
        }
        let baseText = base.description
        bases[location] = baseText
        for keyword in ["$anchor", "$dynamicAnchor"] {
            guard let anchor = object[keyword] else { continue }
            guard case .string(let name) = anchor, Self.isAnchorName(name) else {
                throw SchemaError(.invalidIdentifier, "\(keyword) must be a name like \"node\" (^[A-Za-z_][-A-Za-z0-9._]*$)", at: describe(location, base))
            }
            anchors[baseText + "#" + name] = location
            if keyword == "$dynamicAnchor" { dynamicAnchors[baseText, default: [:]][name] = location }
        }
        for member in object {
            let key = member.key
            if Self.singleSubschema.contains(key) {
                try walk(member.value, at: location.appending(key), base: base)
            } else if Self.subschemaMaps.contains(key), case .object(let map) = member.value {
                for entry in map { try walk(entry.value, at: location.appending(key, entry.key), base: base) }
            } else if Self.subschemaArrays.contains(key), case .array(let list) = member.value {
                for (i, item) in list.enumerated() { try walk(item, at: location.appending(key, String(i)), base: base) }
            }
        }
    }

    private func describe(_ location: SchemaLocation, _ base: URIReference) -> String {
        base.description + "#" + JSONPointer(tokens: location.pointer).description
    }

    /// `^[A-Za-z_][-A-Za-z0-9._]*$`, the anchor name grammar of 2020-12.
    static func isAnchorName(_ name: String) -> Bool {
        var first = true
        for b in name.utf8 {
            let letter = (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == UInt8(ascii: "_")
            if first {
                guard letter else { return false }
                first = false
            } else {
                let digit = b >= 0x30 && b <= 0x39
                guard letter || digit || b == UInt8(ascii: "-") || b == UInt8(ascii: ".") else { return false }
            }
        }
        return !first
    }
}
