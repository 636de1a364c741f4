/// Turns schema JSON into a `SchemaProgram`: one node per reachable subschema, keywords
/// pre-resolved (references to node indices, regexes compiled, numbers exact).
///
/// Compilation is lazy from the root: only schemas reachable through keywords and references
/// are compiled, each location once (`memo`), so recursive schemas become cycles of indices.
struct SchemaCompiler {
    /// Which vocabularies a document's meta-schema enables (core is always on).
    struct Vocabularies {
        var applicator = true
        var unevaluated = true
        var validation = true
        var formatAssertion = false

        static let all = Vocabularies()
    }

    var index: SchemaResourceIndex
    let options: SchemaOptions
    private(set) var nodes: [SchemaNode] = []
    /// Every node's keywords, back to back (a node holds a range).
    private(set) var keywords: [Keyword] = []
    var tables = SchemaTables()
    private(set) var resources: [SchemaResource] = []
    private(set) var usesDynamicScope = false
    private var memo: [SchemaLocation: NodeID] = [:]
    /// Where each node came from (for errors found after compiling).
    private var locations: [SchemaLocation] = []
    private var resourceIDs: [String: Int32] = [:]
    private var vocabularies: [Int: Vocabularies] = [:]
    private var regexes: [String: ECMARegex] = [:]

    init(index: SchemaResourceIndex, options: SchemaOptions) {
        self.index = index
        self.options = options
    }

    /// The base URI of a root schema added without an `$id`; hierarchical, so relative
    /// references like `"item.json"` resolve against it.
    static let defaultBase = "eventbridge:/schema/root.json"

    /// Adds `schema` as a document and compiles it; returns the root node.
    mutating func compileRoot(_ schema: JSONValue) throws(SchemaError) -> NodeID {
        var uri = Self.defaultBase
        if case .string(let id) = schema["$id"] ?? .null {
            uri = URIReference(id).resolved(against: URIReference(Self.defaultBase)).withoutFragment.description
        }
        let document = try index.add(schema, uri: uri)
        let root = try compile(SchemaLocation(document: document, pointer: []))
        try rejectInPlaceCycles()
        return root
    }

    /// Compiles a registry location as a root.
    mutating func compileRoot(at location: SchemaLocation) throws(SchemaError) -> NodeID {
        let root = try compile(location)
        try rejectInPlaceCycles()
        return root
    }

    /// A cycle of references that never moves into the instance (`{"$ref": "#"}`, or two
    /// `$defs` referring to each other through `allOf`) would recurse forever on any instance:
    /// such a schema is invalid. Found by a depth-first search over the in-place edges.
    private func rejectInPlaceCycles() throws(SchemaError) {
        var state = [UInt8](repeating: 0, count: nodes.count)  // 0 new, 1 on the path, 2 done
        for start in nodes.indices where state[start] == 0 {
            var stack: [(node: Int, next: Int, edges: [NodeID])] = [(start, 0, inPlaceEdges(of: start))]
            state[start] = 1
            while !stack.isEmpty {
                let top = stack.count - 1
                if stack[top].next == stack[top].edges.count {
                    state[stack[top].node] = 2
                    stack.removeLast()
                    continue
                }
                let target = Int(stack[top].edges[stack[top].next])
                stack[top].next += 1
                if state[target] == 1 {
                    throw SchemaError(.invalidKeyword, "reference cycle that never descends into the instance (it would recurse forever)", at: index.describe(locations[target]))
                }
                if state[target] == 0 {
                    state[target] = 1
                    stack.append((target, 0, inPlaceEdges(of: target)))
                }
            }
        }
    }

    /// Subschemas a node applies to the same instance location.
    private func inPlaceEdges(of node: Int) -> [NodeID] {
        let n = nodes[node]
        var out: [NodeID] = []
        for k in Int(n.keywordStart)..<Int(n.keywordStart + n.keywordCount) {
            switch keywords[k] {
            case .ref(let target), .not(let target): out.append(target)
            case .dynamicRef(let i): out.append(tables.dynamicRefs[Int(i)].target)
            case .allOf(let i), .anyOf(let i), .oneOf(let i): out.append(contentsOf: tables.nodeLists[Int(i)])
            case .ifThenElse(let condition, let then, let otherwise): out.append(contentsOf: [condition, then, otherwise].filter { $0 >= 0 })
            case .dependentSchemas(let i): out.append(contentsOf: tables.namedNodes[Int(i)].map(\.1))
            default: break
            }
        }
        return out
    }

    /// Compiles the schema at `location` (once; later calls return the same node).
    mutating func compile(_ location: SchemaLocation) throws(SchemaError) -> NodeID {
        if let id = memo[location] { return id }
        guard let value = index.value(at: location) else {
            throw SchemaError(.unresolvedReference, "no schema at this location", at: index.describe(location))
        }
        let id = NodeID(nodes.count)
        nodes.append(SchemaNode())
        locations.append(location)
        memo[location] = id
        var node = SchemaNode()
        node.resource = try resource(for: index.base(of: location))
        var list: [Keyword] = []
        switch value {
        case .bool(true):
            break
        case .bool(false):
            list = [.alwaysFalse]
            node.isFalse = true
        case .object(let object):
            let vocabulary = try vocabularies(of: location.document)
            list = try compileKeywords(of: object, at: location, vocabulary: vocabulary)
            node.collectsAnnotations = list.contains {
                switch $0 {
                case .unevaluatedItems, .unevaluatedProperties: return true
                default: return false
                }
            }
        default:
            throw SchemaError(.invalidKeyword, "a schema must be an object or a boolean, not \(value.typeName)", at: index.describe(location))
        }
        node.keywordStart = Int32(keywords.count)
        node.keywordCount = Int32(list.count)
        keywords.append(contentsOf: list)
        node.passFailStart = node.keywordStart
        node.passFailCount = node.keywordCount
        if !node.collectsAnnotations, let fused = passFailKeywords(list) {
            node.passFailStart = Int32(keywords.count)
            node.passFailCount = Int32(fused.count)
            keywords.append(contentsOf: fused)
        }
        nodes[Int(id)] = node
        return id
    }

    /// Compiles a subschema one or two keywords below `location`.
    mutating func subschema(_ location: SchemaLocation, _ tokens: String...) throws(SchemaError) -> NodeID {
        try compile(SchemaLocation(document: location.document, pointer: location.pointer + tokens))
    }

    /// Resolves and compiles a `$ref`/`$dynamicRef` written at `location`.
    mutating func reference(_ text: String, at location: SchemaLocation, keyword: String) throws(SchemaError) -> (NodeID, SchemaLocation) {
        let (target, absolute) = index.resolve(text, base: index.base(of: location))
        guard let target else {
            throw SchemaError(.unresolvedReference, "\(keyword) \"\(text)\" (\(absolute)) names no loaded schema", at: index.describe(location.appending(keyword)))
        }
        return (try compile(target), target)
    }

    /// `$dynamicRef`: a plain reference unless its fragment is a name and the static target
    /// carries a `$dynamicAnchor` of that name (the 2020-12 "bookending" rule).
    mutating func dynamicReference(_ text: String, at location: SchemaLocation) throws(SchemaError) -> TableIndex {
        SchemaTables.add(try resolveDynamicReference(text, at: location), to: &tables.dynamicRefs)
    }

    private mutating func resolveDynamicReference(_ text: String, at location: SchemaLocation) throws(SchemaError) -> DynamicRef {
        let (target, targetLocation) = try reference(text, at: location, keyword: "$dynamicRef")
        let fragment = URIReference.percentDecoded(URIReference(text).fragment ?? "")
        guard !fragment.isEmpty, !fragment.hasPrefix("/"),
            case .string(let anchor) = index.value(at: targetLocation)?["$dynamicAnchor"] ?? .null, anchor == fragment
        else { return DynamicRef(target: target, anchor: nil) }
        usesDynamicScope = true
        return DynamicRef(target: target, anchor: fragment)
    }

    /// The resource index for a base URI, compiling that resource's `$dynamicAnchor`s the first
    /// time it is seen (they may be chosen by a `$dynamicRef` whenever the resource is in scope).
    private mutating func resource(for uri: String) throws(SchemaError) -> Int32 {
        if let id = resourceIDs[uri] { return id }
        let id = Int32(resources.count)
        resources.append(SchemaResource(uri: uri))
        resourceIDs[uri] = id
        for (name, location) in (index.dynamicAnchors[uri] ?? [:]).sorted(by: { $0.key < $1.key }) {
            let node = try compile(location)
            resources[Int(id)].dynamicAnchors[name] = node
        }
        return id
    }

    /// The vocabularies the document's `$schema` enables; all of them without `$schema`.
    private mutating func vocabularies(of document: Int) throws(SchemaError) -> Vocabularies {
        if let known = vocabularies[document] { return known }
        var result = Vocabularies.all
        let root = SchemaLocation(document: document, pointer: [])
        if case .string(let metaURI) = index.value(at: root)?["$schema"] ?? .null {
            let key = URIReference(metaURI).withoutFragment.description
            guard let metaLocation = index.resources[key], let meta = index.value(at: metaLocation) else {
                throw SchemaError(.unsupported, "unknown meta-schema \"\(metaURI)\" (only draft 2020-12 and loaded meta-schemas)", at: index.describe(root.appending("$schema")))
            }
            if case .object(let declared) = meta["$vocabulary"] ?? .null {
                for entry in declared where entry.value == .bool(true) && !MetaSchemas.knownVocabularies.contains(entry.key) {
                    throw SchemaError(.unsupported, "meta-schema \(metaURI) requires the unknown vocabulary \(entry.key)", at: index.describe(root.appending("$schema")))
                }
                let used = Set(declared.keys)
                result.applicator = used.contains(MetaSchemas.vocab("applicator"))
                result.unevaluated = used.contains(MetaSchemas.vocab("unevaluated"))
                result.validation = used.contains(MetaSchemas.vocab("validation"))
                result.formatAssertion = used.contains(MetaSchemas.vocab("format-assertion"))
            }
        }
        vocabularies[document] = result
        return result
    }

    /// A compiled regex, shared between identical patterns.
    mutating func regex(_ source: String, at location: SchemaLocation) throws(SchemaError) -> ECMARegex {
        if let cached = regexes[source] { return cached }
        do {
            let compiled = try ECMARegex(source)
            regexes[source] = compiled
            return compiled
        } catch {
            throw SchemaError(.unsupported, "pattern \"\(source)\": \(error.message)", at: index.describe(location))
        }
    }

    func error(_ message: String, at location: SchemaLocation) -> SchemaError {
        SchemaError(.invalidKeyword, message, at: index.describe(location))
    }
}
