/// One step of an instance or keyword location, kept as a token until a violation needs text.
enum PathToken {
    case key(String)
    case index(Int)

    var text: String {
        switch self {
        case .key(let k): return k
        case .index(let i): return String(i)
        }
    }
}

/// Evaluates an instance against a `SchemaProgram`.
///
/// Two modes: `collecting == false` answers valid/invalid and stops at the first failure, with
/// no path bookkeeping at all; `collecting == true` visits everything and records each violation
/// with its instance and keyword location. Annotations for `unevaluated*` are collected only
/// below nodes that need them (`track`).
struct SchemaEvaluator {
    let program: SchemaProgram
    /// `program.nodes` and `program.keywords`, borrowed for the evaluation (see `run`).
    private let nodes: UnsafeBufferPointer<SchemaNode>
    private let keywords: UnsafeBufferPointer<Keyword>
    var collecting: Bool
    private(set) var violations: [Violation] = []
    private var instancePath: [PathToken] = []
    private var keywordPath: [PathToken] = []
    private var scope: [Int32] = []
    /// Nested node evaluations on the stack. In-place reference cycles are rejected when
    /// compiling, so depth follows the instance's depth; the limit keeps a programmatically
    /// built, absurdly deep instance from exhausting a thread's stack.
    private var depth = 0
    static let maxDepth = 600

    private init(program: SchemaProgram, nodes: UnsafeBufferPointer<SchemaNode>, keywords: UnsafeBufferPointer<Keyword>, collecting: Bool) {
        self.program = program
        self.nodes = nodes
        self.keywords = keywords
        self.collecting = collecting
    }

    /// Evaluates `instance` against the program's root; the violations are empty unless `collecting`.
    static func run(_ program: SchemaProgram, _ instance: JSONValue, collecting: Bool) -> (valid: Bool, violations: [Violation]) {
        program.nodes.withUnsafeBufferPointer { nodes in
            program.keywords.withUnsafeBufferPointer { keywords in
                var evaluator = SchemaEvaluator(program: program, nodes: nodes, keywords: keywords, collecting: collecting)
                var evaluated = Evaluated()
                let valid = evaluator.evaluate(program.root, instance, &evaluated, track: false)
                return (valid, evaluator.violations)
            }
        }
    }

    /// Evaluates node `id` against `instance`; adds its annotations to `evaluated` when `track`.
    mutating func evaluate(_ id: NodeID, _ instance: JSONValue, _ evaluated: inout Evaluated, track: Bool) -> Bool {
        if depth >= Self.maxDepth {
            return fail("$ref", "evaluation nested deeper than \(Self.maxDepth) schemas; the instance is too deep")
        }
        depth += 1
        defer { depth -= 1 }
        let node = nodes[Int(id)]
        var entered = false
        if program.usesDynamicScope && scope.last != node.resource {
            scope.append(node.resource)
            entered = true
        }
        defer { if entered { scope.removeLast() } }
        // Without reports or annotations to produce, the fused pass/fail keywords do.
        let range = collecting || track
            ? Int(node.keywordStart)..<Int(node.keywordStart + node.keywordCount)
            : Int(node.passFailStart)..<Int(node.passFailStart + node.passFailCount)
        if node.collectsAnnotations {
            var local = Evaluated()
            let valid = evaluate(range, instance, &local, track: true)
            if valid && track { evaluated.merge(local) }
            return valid
        }
        return evaluate(range, instance, &evaluated, track: track)
    }

    private mutating func evaluate(_ range: Range<Int>, _ instance: JSONValue, _ evaluated: inout Evaluated, track: Bool) -> Bool {
        var valid = true
        for k in range {
            let keyword = keywords[k]
            let ok: Bool
            switch keyword {
            case .alwaysFalse:
                ok = fail("false", "no value is allowed here (the schema is false)")
            case .ref(let target):
                ok = descend("$ref", nil, target, instance, &evaluated, track: track)
            case .dynamicRef(let ref):
                ok = descend("$dynamicRef", nil, dynamicTarget(program.tables.dynamicRefs[Int(ref)]), instance, &evaluated, track: track)
            case .allOf(let list):
                ok = allOf(program.tables.nodeLists[Int(list)], instance, &evaluated, track: track)
            case .anyOf(let list):
                ok = anyOf(program.tables.nodeLists[Int(list)], instance, &evaluated, track: track)
            case .oneOf(let list):
                ok = oneOf(program.tables.nodeLists[Int(list)], instance, &evaluated, track: track)
            case .not(let node):
                ok = not(node, instance)
            case .ifThenElse(let condition, let then, let otherwise):
                ok = ifThenElse(condition, then, otherwise, instance, &evaluated, track: track)
            case .dependentSchemas(let list):
                ok = dependentSchemas(program.tables.namedNodes[Int(list)], instance, &evaluated, track: track)
            case .properties, .patternProperties, .additionalProperties, .propertyNames, .unevaluatedProperties,
                .required, .dependentRequired, .minProperties, .maxProperties:
                guard case .object(let object) = instance else { continue }
                ok = objectKeyword(keyword, object, &evaluated, track: track)
            case .objectShape(let index):
                guard case .object(let object) = instance else { continue }
                ok = objectShape(program.tables.shapes[Int(index)], object)
            case .prefixItems, .items, .contains, .unevaluatedItems, .minItems, .maxItems, .uniqueItems:
                guard case .array(let array) = instance else { continue }
                ok = arrayKeyword(keyword, array, &evaluated, track: track)
            default:
                ok = assertion(keyword, instance)
            }
            if !ok {
                valid = false
                if !collecting { return false }
            }
        }
        return valid
    }

    // MARK: Locations and violations

    /// Evaluates a subschema reached through `keyword` (and `token`, e.g. a property name), at
    /// the same instance location.
    mutating func descend(_ keyword: String, _ token: PathToken?, _ node: NodeID, _ instance: JSONValue, _ evaluated: inout Evaluated, track: Bool) -> Bool {
        guard collecting else { return evaluate(node, instance, &evaluated, track: track) }
        keywordPath.append(.key(keyword))
        if let token { keywordPath.append(token) }
        defer {
            keywordPath.removeLast()
            if token != nil { keywordPath.removeLast() }
        }
        return evaluate(node, instance, &evaluated, track: track)
    }

    /// Evaluates a subschema against a child of the instance (a member or an item), with fresh
    /// annotations (they belong to the child's location).
    mutating func descendChild(_ keyword: String, _ token: PathToken?, _ node: NodeID, _ child: JSONValue, at location: PathToken) -> Bool {
        var evaluated = Evaluated()
        guard collecting else { return evaluate(node, child, &evaluated, track: false) }
        instancePath.append(location)
        defer { instancePath.removeLast() }
        return descend(keyword, token, node, child, &evaluated, track: false)
    }

    /// Records a violation of `keyword` at the current locations (in collecting mode) and
    /// returns false. The message is built only when it is recorded.
    mutating func fail(_ keyword: String, _ message: @autoclosure () -> String, at child: PathToken? = nil) -> Bool {
        guard collecting else { return false }
        var tokens = instancePath.map(\.text)
        if let child { tokens.append(child.text) }
        var location = ""
        for token in keywordPath {
            location += "/"
            location += JSONPointer.escape(token.text)
        }
        if keyword != "false" { location += "/" + JSONPointer.escape(keyword) }
        violations.append(Violation(instanceLocation: JSONPointer(tokens: tokens), keywordLocation: location, keyword: keyword, message: message()))
        return false
    }

    /// Runs `body` without recording violations (branches of `anyOf`, `if`, `not`, `contains`
    /// whose failures are not, by themselves, the instance's failures).
    mutating func quietly<T>(_ body: (inout SchemaEvaluator) -> T) -> T {
        let saved = collecting
        collecting = false
        defer { collecting = saved }
        return body(&self)
    }

    // MARK: In-place applicators

    func isFalse(_ node: NodeID) -> Bool { nodes[Int(node)].isFalse }

    private func dynamicTarget(_ ref: DynamicRef) -> NodeID {
        guard let anchor = ref.anchor else { return ref.target }
        for resource in scope {
            if let node = program.resources[Int(resource)].dynamicAnchors[anchor] { return node }
        }
        return ref.target
    }

    private mutating func allOf(_ list: [NodeID], _ instance: JSONValue, _ evaluated: inout Evaluated, track: Bool) -> Bool {
        var valid = true
        for (i, node) in list.enumerated() where !descend("allOf", .index(i), node, instance, &evaluated, track: track) {
            valid = false
            if !collecting { return false }
        }
        return valid
    }

    private mutating func anyOf(_ list: [NodeID], _ instance: JSONValue, _ evaluated: inout Evaluated, track: Bool) -> Bool {
        var matched = false
        quietly { me in
            for node in list {
                var branch = Evaluated()
                if me.evaluate(node, instance, &branch, track: track) {
                    matched = true
                    guard track else { return }
                    evaluated.merge(branch)
                }
            }
        }
        return matched || fail("anyOf", "does not match any of the \(list.count) schemas in anyOf")
    }

    private mutating func oneOf(_ list: [NodeID], _ instance: JSONValue, _ evaluated: inout Evaluated, track: Bool) -> Bool {
        var count = 0
        var first = -1
        var second = -1
        var kept = Evaluated()
        quietly { me in
            for (i, node) in list.enumerated() {
                var branch = Evaluated()
                guard me.evaluate(node, instance, &branch, track: track) else { continue }
                count += 1
                if count > 1 {
                    second = i
                    return
                }
                first = i
                kept = branch
            }
        }
        if count == 1 {
            if track { evaluated.merge(kept) }
            return true
        }
        if count == 0 { return fail("oneOf", "does not match any of the \(list.count) schemas in oneOf") }
        return fail("oneOf", "matches more than one schema in oneOf (at least #\(first) and #\(second))")
    }

    private mutating func not(_ node: NodeID, _ instance: JSONValue) -> Bool {
        let matched = quietly { me in
            var unused = Evaluated()
            return me.evaluate(node, instance, &unused, track: false)
        }
        return !matched || fail("not", "must not match the schema in not")
    }

    private mutating func ifThenElse(_ condition: NodeID, _ thenNode: NodeID, _ elseNode: NodeID, _ instance: JSONValue, _ evaluated: inout Evaluated, track: Bool) -> Bool {
        let then = thenNode >= 0 ? thenNode : nil
        let otherwise = elseNode >= 0 ? elseNode : nil
        if then == nil && otherwise == nil && !track { return true }
        var branch = Evaluated()
        let holds = quietly { me in me.evaluate(condition, instance, &branch, track: track) }
        if holds {
            if track { evaluated.merge(branch) }
            guard let then else { return true }
            return descend("then", nil, then, instance, &evaluated, track: track)
        }
        guard let otherwise else { return true }
        return descend("else", nil, otherwise, instance, &evaluated, track: track)
    }

    private mutating func dependentSchemas(_ list: [(String, NodeID)], _ instance: JSONValue, _ evaluated: inout Evaluated, track: Bool) -> Bool {
        guard case .object(let object) = instance else { return true }
        var valid = true
        for (name, node) in list where object.hasMember(name) {
            if !descend("dependentSchemas", .key(name), node, instance, &evaluated, track: track) {
                valid = false
                if !collecting { return false }
            }
        }
        return valid
    }
}
