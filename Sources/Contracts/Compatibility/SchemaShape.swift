/// Structural reading of a JSON Schema document: local `$ref` resolution (`#/$defs/…`, any
/// `#`-fragment JSON Pointer) and property walks. Used by the compatibility checker and the
/// contract linter; it never validates instances.
struct SchemaShape {
    let root: JSONValue

    /// Follows `$ref` chains to the schema they name (at most 32 hops; an unresolvable or cyclic
    /// reference yields nil). Siblings of `$ref` are kept by merging them over the target.
    func resolve(_ schema: JSONValue) -> JSONValue? {
        var current = schema
        for _ in 0..<32 {
            guard case .object(let o) = current, let ref = o["$ref"]?.stringValue else { return current }
            guard let target = target(of: ref) else { return nil }
            if o.count == 1 {
                current = target
            } else {
                // `$ref` with siblings: both apply; the checker compares the merged keywords.
                var merged = target.objectValue ?? JSONObject()
                for m in o where m.key != "$ref" { merged[m.key] = m.value }
                if target.boolValue == false { return .bool(false) }
                current = .object(merged)
            }
        }
        return nil
    }

    /// The schema a local reference names: `#`, `#/$defs/x` (a JSON Pointer fragment).
    func target(of ref: String) -> JSONValue? {
        guard ref.hasPrefix("#") else { return nil }
        let fragment = String(ref.dropFirst())
        let decoded = URIReference.percentDecoded(fragment)
        guard let pointer = JSONPointer(decoded) else { return nil }
        return pointer.resolve(in: root)
    }

    /// True when every step of `pointer` is a property listed in `required` of the schema at that
    /// step (array indices step into `items`).
    func requires(_ pointer: JSONPointer) -> Bool {
        var schema = root
        for token in pointer.tokens {
            guard let s = resolve(schema), case .object(let o) = s else { return false }
            if let items = o["items"], JSONPointer.arrayIndex(token) != nil {
                schema = items
                continue
            }
            guard let props = o["properties"]?.objectValue, let next = props[token],
                  o["required"]?.arrayValue?.contains(.string(token)) == true
            else { return false }
            schema = next
        }
        return true
    }
}
