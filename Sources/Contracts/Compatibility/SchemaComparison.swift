/// One way a reader schema rejects data a writer schema accepts.
public struct SchemaDifference: Sendable, Hashable, CustomStringConvertible {
    /// JSON Pointer into the newer schema (`/properties/tax`, `/$defs/invoiceLine/properties/netAmount/format`).
    public var path: String
    public var reason: String

    public var description: String { "\(path.isEmpty ? "/" : path): \(reason)" }
}

/// Structural subset check between two JSON Schemas: does every instance the *writer* schema
/// accepts also pass the *reader* schema? Each place where it may not is a difference.
///
/// Covers the subset the catalog uses — `type`, `const`, `enum`, `format`, `pattern`, numeric and
/// length bounds, `required`, `properties` with open or closed content models
/// (`additionalProperties`), `items`, `uniqueItems`, local `$ref` into `$defs`, nested objects.
/// Keywords it cannot compare structurally (`anyOf`, `oneOf`, `not`, `if` …) must be unchanged,
/// otherwise they are reported. Annotations (`title`, `description`, `default` …) never matter.
struct SchemaComparison {
    let writerShape: SchemaShape
    let readerShape: SchemaShape
    /// Report paths in the reader (true) or the writer (false): whichever is the newer version.
    let pathsInReader: Bool
    var differences: [SchemaDifference] = []
    private var visited: Set<String> = []

    init(writer: JSONValue, reader: JSONValue, pathsInReader: Bool) {
        writerShape = SchemaShape(root: writer)
        readerShape = SchemaShape(root: reader)
        self.pathsInReader = pathsInReader
    }

    static let annotations: Set<String> = [
        "title", "description", "default", "examples", "$comment", "deprecated", "readOnly", "writeOnly",
        "$schema", "$id", "$defs", "definitions", "$anchor", "contentMediaType", "contentEncoding", "$vocabulary",
    ]
    static let handled: Set<String> = [
        "type", "const", "enum", "format", "pattern", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
        "multipleOf", "minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties",
        "required", "properties", "additionalProperties", "items", "uniqueItems", "$ref",
    ]
    static let lowerBounds = ["minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties"]
    static let upperBounds = ["maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties"]

    static func isTrivial(_ schema: JSONValue) -> Bool {
        switch schema {
        case .bool(let b): return b
        case .object(let o): return o.keys.allSatisfy { annotations.contains($0) }
        default: return false
        }
    }

    mutating func report(_ wPath: String, _ rPath: String, _ keyword: String?, _ reason: String) {
        let base = pathsInReader ? rPath : wPath
        differences.append(SchemaDifference(path: keyword.map { base + "/" + $0 } ?? base, reason: reason))
    }

    /// Compares the writer schema at `wPath` with the reader schema at `rPath`.
    mutating func compare(_ writer: JSONValue, _ wPath: String, _ reader: JSONValue, _ rPath: String) {
        let key = wPath + "\u{0}" + rPath
        guard !visited.contains(key) else { return }
        visited.insert(key)
        var wPath = wPath
        var rPath = rPath
        guard let w = resolve(writer, &wPath, writerShape), let r = resolve(reader, &rPath, readerShape) else {
            report(wPath, rPath, "$ref", "a $ref that does not resolve to a local definition")
            return
        }
        if Self.isTrivial(r) || w == .bool(false) { return }
        if r == .bool(false) {
            report(wPath, rPath, nil, "the schema is now `false`: nothing is accepted here")
            return
        }
        guard case .object(let ro) = r else { return }
        guard case .object(let wo) = w, !Self.isTrivial(w) else {
            let keywords = ro.keys.filter { !Self.annotations.contains($0) }.joined(separator: ", ")
            report(wPath, rPath, nil, "constrained (\(keywords)) where any value was accepted before")
            return
        }
        compareTypes(wo, wPath, ro, rPath)
        compareValues(wo, wPath, ro, rPath)
        compareBounds(wo, wPath, ro, rPath)
        compareObjects(wo, wPath, ro, rPath)
        if let ri = ro["items"] {
            compare(wo["items"] ?? .bool(true), wPath + "/items", ri, rPath + "/items")
        }
        if ro["uniqueItems"] == true && wo["uniqueItems"] != true {
            report(wPath, rPath, "uniqueItems", "items must now be unique")
        }
        for (k, v) in ro.members.map({ ($0.key, $0.value) }) where !Self.annotations.contains(k) && !Self.handled.contains(k) {
            if wo[k] != v {
                report(wPath, rPath, k, "'\(k)' \(wo[k] == nil ? "added" : "changed"); it is not compared structurally, so any change counts as breaking")
            }
        }
    }

    /// Follows `$ref`, moving the path to the definition it names.
    private func resolve(_ schema: JSONValue, _ path: inout String, _ shape: SchemaShape) -> JSONValue? {
        if case .object(let o) = schema, let ref = o["$ref"]?.stringValue, o.count == 1, ref.hasPrefix("#") {
            path = String(ref.dropFirst())
        }
        return shape.resolve(schema)
    }

    static func types(_ o: JSONObject) -> Set<String>? {
        switch o["type"] {
        case .string(let t)?: return [t]
        case .array(let list)?: return Set(list.compactMap(\.stringValue))
        default: return nil
        }
    }

    private mutating func compareTypes(_ w: JSONObject, _ wPath: String, _ r: JSONObject, _ rPath: String) {
        guard let rt = Self.types(r) else { return }
        guard let wt = Self.types(w) else {
            report(wPath, rPath, "type", "type constrained to \(rt.sorted().joined(separator: "|")) where any type was accepted")
            return
        }
        let lost = wt.filter { !rt.contains($0) && !($0 == "integer" && rt.contains("number")) }.sorted()
        if !lost.isEmpty {
            report(wPath, rPath, "type", "type changed from \(wt.sorted().joined(separator: "|")) to \(rt.sorted().joined(separator: "|")): \(lost.joined(separator: ", ")) no longer accepted")
        }
    }

    private mutating func compareValues(_ w: JSONObject, _ wPath: String, _ r: JSONObject, _ rPath: String) {
        let writerValues: [JSONValue]? = w["const"].map { [$0] } ?? w["enum"]?.arrayValue
        if let rc = r["const"], writerValues != [rc] {
            report(wPath, rPath, "const", writerValues == nil ? "const \(rc) added" : "const changed to \(rc)")
        }
        if let re = r["enum"]?.arrayValue {
            if let wv = writerValues {
                let removed = wv.filter { !re.contains($0) }
                if !removed.isEmpty { report(wPath, rPath, "enum", "enum narrowed: \(removed.map(\.description).joined(separator: ", ")) no longer allowed") }
            } else {
                report(wPath, rPath, "enum", "enum added: only \(re.map(\.description).joined(separator: ", ")) allowed")
            }
        }
        for k in ["format", "pattern"] {
            if let rv = r[k], w[k] != rv {
                report(wPath, rPath, k, w[k] == nil ? "\(k) \(rv) added" : "\(k) changed from \(w[k] ?? .null) to \(rv)")
            }
        }
        if let rm = r["multipleOf"], w["multipleOf"].flatMap(ExactDecimal.init) != ExactDecimal(rm) {
            report(wPath, rPath, "multipleOf", "multipleOf \(rm) \(w["multipleOf"] == nil ? "added" : "changed")")
        }
    }

    private mutating func compareBounds(_ w: JSONObject, _ wPath: String, _ r: JSONObject, _ rPath: String) {
        for (keywords, lower) in [(Self.lowerBounds, true), (Self.upperBounds, false)] {
            for k in keywords {
                guard let rv = r[k].flatMap(ExactDecimal.init) else { continue }
                guard let wv = w[k].flatMap(ExactDecimal.init) else {
                    report(wPath, rPath, k, "\(k) \(rv) added")
                    continue
                }
                if lower ? wv < rv : rv < wv { report(wPath, rPath, k, "\(k) tightened from \(wv) to \(rv)") }
            }
        }
    }

    /// The schema extra members must match: `false` (closed), a schema, or nil (open: anything).
    static func additional(_ o: JSONObject) -> JSONValue? {
        guard let a = o["additionalProperties"] else { return nil }
        return isTrivial(a) ? nil : a
    }

    private mutating func compareObjects(_ w: JSONObject, _ wPath: String, _ r: JSONObject, _ rPath: String) {
        let wRequired = Set(w["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        for name in r["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where !wRequired.contains(name) {
            report(wPath, rPath, "required", "property '\(name)' became required: data without it is rejected")
        }
        let wProps = w["properties"]?.objectValue ?? JSONObject()
        let rProps = r["properties"]?.objectValue ?? JSONObject()
        let wAdditional = Self.additional(w)
        let rAdditional = Self.additional(r)
        let escape = JSONPointer.escape
        for m in rProps {
            let rp = rPath + "/properties/" + escape(m.key)
            if let ws = wProps[m.key] {
                compare(ws, wPath + "/properties/" + escape(m.key), m.value, rp)
            } else if let wa = wAdditional {
                // The writer only produces this name through additionalProperties (false: never).
                if wa != .bool(false) { compare(wa, wPath + "/additionalProperties", m.value, rp) }
            } else if !Self.isTrivial(m.value) {
                report(wPath, rPath, "properties/" + escape(m.key),
                       "property '\(m.key)' added with constraints while the other schema's content model is open: data may already carry '\(m.key)' with any value")
            }
        }
        for m in wProps where rProps[m.key] == nil {
            let wp = wPath + "/properties/" + escape(m.key)
            switch rAdditional {
            case .bool(false)?:
                report(wp, rPath + "/properties/" + escape(m.key), nil, "property '\(m.key)' is not allowed (additionalProperties is false): data carrying it is rejected")
            case let ra?: compare(m.value, wp, ra, rPath + "/additionalProperties")
            case nil: break
            }
        }
        // Members neither side names: the writer's additionalProperties against the reader's.
        if let ra = rAdditional, wAdditional != .bool(false) {
            if ra == .bool(false) {
                report(wPath, rPath, "additionalProperties", "the content model is now closed: members not listed in properties are rejected")
            } else {
                compare(wAdditional ?? .bool(true), wPath + "/additionalProperties", ra, rPath + "/additionalProperties")
            }
        }
    }
}
