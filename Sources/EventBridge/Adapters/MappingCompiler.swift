import Contracts
import Foundation

/// Compiles a mapping document (docs/adapters.md) into a `MappingPlan`, collecting every problem
/// with its location instead of stopping at the first. Mapping files are input: nothing here traps.
struct MappingCompiler {
    let origin: String
    private(set) var problems: [MappingError.Problem] = []
    var usesSourceZone = false
    /// Named field groups rules can `use`.
    private var fieldSets: [String: JSONObject] = [:]

    init(origin: String) { self.origin = origin }

    /// The plan, or every problem found in the document.
    static func compile(_ document: JSONValue, origin: String) -> Result<MappingPlan, MappingError> {
        var compiler = MappingCompiler(origin: origin)
        let plan = compiler.plan(document)
        if let plan, compiler.problems.isEmpty { return .success(plan) }
        return .failure(MappingError(problems: compiler.problems))
    }

    mutating func problem(_ location: JSONPointer, _ message: String) {
        problems.append(MappingError.Problem(origin: origin, location: location, message: message))
    }

    // MARK: document and rules

    private mutating func plan(_ document: JSONValue) -> MappingPlan? {
        guard let root = object(document, at: .root, "a mapping file") else { return nil }
        checkKeys(root, ["name", "description", "format", "envelope", "unwrap", "normalize", "state", "tombstones", "fieldSets", "rules", "otherwise"], at: .root)
        if let sets = root["fieldSets"], let table = object(sets, at: ptr(.root, "fieldSets"), "\"fieldSets\"") {
            for m in table {
                if let fields = object(m.value, at: ptr(ptr(.root, "fieldSets"), m.key), "a field set") { fieldSets[m.key] = fields }
            }
        }
        var name = ""
        if case .string(let n)? = root["name"], CanonicalAdapter.isWellFormedTypeName(n) {
            name = n
            if n == CanonicalAdapter.adapterName { problem(ptr(.root, "name"), "\"canonical\" is the built-in adapter's name") }
        } else {
            problem(ptr(.root, "name"), "\"name\" must be a name of letters, digits, '.', '_' or '-'")
        }
        if let format = root["format"], format != 1 { problem(ptr(.root, "format"), "only mapping format 1 is known") }
        let envelope = root["envelope"].map { inputEnvelope($0, at: ptr(.root, "envelope")) } ?? .plain
        let unwrap = root["unwrap"].map { unwrapPlan($0, at: ptr(.root, "unwrap")) } ?? UnwrapPlan.none
        let normalizations = root["normalize"].map { self.normalizations($0, at: ptr(.root, "normalize")) } ?? []
        let state = root["state"].flatMap { statePlan($0, at: ptr(.root, "state")) }
        let tombstones = root["tombstones"].flatMap { tombstonePlan($0, at: ptr(.root, "tombstones"), state: state) }
        var rules: [RulePlan] = []
        let rulesAt = ptr(.root, "rules")
        if case .array(let items)? = root["rules"], !items.isEmpty {
            for (i, item) in items.enumerated() {
                if let rule = rule(item, at: rulesAt.appending(i)) { rules.append(rule) }
            }
        } else {
            problem(rulesAt, "\"rules\" must be a non-empty array")
        }
        var otherwise: RuleAction?
        if let o = root["otherwise"], let spec = object(o, at: ptr(.root, "otherwise"), "\"otherwise\"") {
            checkKeys(spec, ["ignore", "reject"], at: ptr(.root, "otherwise"))
            otherwise = terminalAction(spec, at: ptr(.root, "otherwise"))
            if otherwise == nil { problem(ptr(.root, "otherwise"), "\"otherwise\" needs \"ignore\" or \"reject\" with a reason") }
        }
        var selectors: [JSONPointer] = []
        for r in rules {
            for c in r.conditions where c.meta == nil && !selectors.contains(c.pointer) && selectors.count < 4 { selectors.append(c.pointer) }
        }
        return MappingPlan(
            name: name, envelope: envelope, unwrap: unwrap, normalizations: normalizations, state: state,
            tombstones: tombstones, rules: rules, otherwise: otherwise,
            usesSourceZone: usesSourceZone, selectorPointers: selectors)
    }

    private mutating func rule(_ value: JSONValue, at: JSONPointer) -> RulePlan? {
        guard let spec = object(value, at: at, "a rule") else { return nil }
        checkKeys(spec, ["when", "emit", "ignore", "reject", "required", "fanOut", "elementWhen", "use", "fields", "data", "time", "subject", "traceparent"], at: at)
        let conditions = spec["when"].map { self.conditions($0, at: ptr(at, "when")) } ?? []
        let actions = ["emit", "ignore", "reject"].filter { spec[$0] != nil }
        guard actions.count == 1 else {
            problem(at, "a rule needs exactly one of \"emit\", \"ignore\", \"reject\"")
            return nil
        }
        if actions[0] != "emit" {
            for key in ["required", "fanOut", "elementWhen", "use", "fields", "data", "time", "subject", "traceparent"] where spec[key] != nil {
                problem(ptr(at, key), "\"\(key)\" only applies to an \"emit\" rule")
            }
            return terminalAction(spec, at: at).map { RulePlan(conditions: conditions, action: $0) }
        }
        return emit(spec, at: at).map { RulePlan(conditions: conditions, action: .emit($0)) }
    }

    private mutating func terminalAction(_ spec: JSONObject, at: JSONPointer) -> RuleAction? {
        if let v = spec["ignore"] {
            guard case .string(let reason) = v, !reason.isEmpty else {
                problem(ptr(at, "ignore"), "\"ignore\" takes the reason, a non-empty string")
                return nil
            }
            return .ignore(reason)
        }
        if let v = spec["reject"] {
            guard case .string(let message) = v, !message.isEmpty else {
                problem(ptr(at, "reject"), "\"reject\" takes the message, a non-empty string")
                return nil
            }
            return .reject(message)
        }
        return nil
    }

    /// `{"/pointer" | "meta:<field>": test, …}`: conditions that must all hold.
    mutating func conditions(_ value: JSONValue, at: JSONPointer) -> [Condition] {
        guard let w = object(value, at: at, "a condition list (\"when\")") else { return [] }
        var out: [Condition] = []
        for m in w where m.key != "$comment" {
            let where_ = ptr(at, m.key)
            var meta: MetaField?
            var pointer = JSONPointer.root
            if m.key.hasPrefix("meta:") {
                guard let field = Self.metaField(String(m.key.dropFirst(5))) else {
                    problem(where_, "\"\(m.key)\": meta:topic, meta:partition, meta:offset, meta:timestamp, meta:key or meta:header:<name>")
                    continue
                }
                meta = field
            } else {
                guard let p = JSONPointer(m.key) else {
                    problem(where_, "\"\(m.key)\" is not a JSON Pointer (or meta:<field>)")
                    continue
                }
                pointer = p
            }
            if let test = conditionTest(m.value, at: where_) { out.append(Condition(pointer: pointer, meta: meta, test: test)) }
        }
        return out
    }

    private mutating func conditionTest(_ value: JSONValue, at: JSONPointer) -> Condition.Test? {
        switch value {
        case .array(let options):
            if options.isEmpty { problem(at, "an empty list matches nothing") }
            return .oneOf(options)
        case .object(let o):
            checkKeys(o, ["present", "prefix", "suffix", "not"], at: at)
            if case .bool(let b)? = o["present"], o.count == 1 { return .present(b) }
            if case .string(let s)? = o["prefix"], o.count == 1 { return .prefix(s) }
            if case .string(let s)? = o["suffix"], o.count == 1 { return .suffix(s) }
            if let inner = o["not"], o.count == 1 { return conditionTest(inner, at: ptr(at, "not")).map { .not($0) } }
            problem(at, "a condition object is {\"present\": true|false}, {\"prefix\": \"…\"}, {\"suffix\": \"…\"} or {\"not\": test}")
            return nil
        default:
            return .oneOf([value])
        }
    }

    private mutating func emit(_ spec: JSONObject, at: JSONPointer) -> EmitPlan? {
        let type: EmitType
        switch spec["emit"] {
        case .string(let t)? where CanonicalAdapter.isWellFormedTypeName(t):
            type = .constant(t)
        case .object(_)?:
            guard let plan = valuePlan(spec["emit"] ?? .null, at: ptr(at, "emit"), inElement: spec["fanOut"] != nil, label: "the event type") else { return nil }
            type = .from(plan)
        default:
            problem(ptr(at, "emit"), "\"emit\" must be a well-formed canonical event type, or {\"from\": pointer}")
            return nil
        }
        var required: [JSONPointer] = []
        if let r = spec["required"] {
            if case .array(let items) = r {
                for (i, item) in items.enumerated() {
                    if let p = pointer(item, at: ptr(at, "required").appending(i)) { required.append(p) }
                }
            } else {
                problem(ptr(at, "required"), "\"required\" is an array of JSON Pointers")
            }
        }
        let fanOut = spec["fanOut"].flatMap { pointer($0, at: ptr(at, "fanOut")) }
        let inElement = spec["fanOut"] != nil
        var elementConditions: [Condition] = []
        if let w = spec["elementWhen"] {
            if !inElement { problem(ptr(at, "elementWhen"), "\"elementWhen\" applies to a \"fanOut\" rule") }
            elementConditions = conditions(w, at: ptr(at, "elementWhen"))
        }
        // Fields from the sets named in "use", in order, then the rule's own (which override).
        var merged = JSONObject()
        if let use = spec["use"] {
            if case .array(let names) = use {
                for (i, n) in names.enumerated() {
                    guard case .string(let setName) = n, let set = fieldSets[setName] else {
                        problem(ptr(at, "use").appending(i), "not the name of a field set in \"fieldSets\"")
                        continue
                    }
                    for m in set { merged[m.key] = m.value }
                }
            } else {
                problem(ptr(at, "use"), "\"use\" is an array of field set names")
            }
        }
        if let fields = spec["fields"], let f = object(fields, at: ptr(at, "fields"), "\"fields\"") {
            for m in f { merged[m.key] = m.value }
        }
        var data: OutputNode
        if let whole = spec["data"] {
            if !merged.isEmpty { problem(ptr(at, "data"), "\"data\" (the whole event data) excludes \"fields\" and \"use\"") }
            guard let plan = valuePlan(whole, at: ptr(at, "data"), inElement: inElement, label: "data") else { return nil }
            data = .value(plan)
        } else {
            if merged.isEmpty { problem(at, "an \"emit\" rule needs \"fields\" (or \"use\", or \"data\")") }
            // Problems inside a set are reported at the rule that uses it, under "fields".
            data = outputTree(merged, at: ptr(at, "fields"), inElement: inElement)
        }
        let time = spec["time"].flatMap { valuePlan($0, at: ptr(at, "time"), inElement: inElement, label: "time") }
        let subject = spec["subject"].flatMap { valuePlan($0, at: ptr(at, "subject"), inElement: inElement, label: "subject") }
        let traceparent = spec["traceparent"].flatMap {
            valuePlan($0, at: ptr(at, "traceparent"), inElement: inElement, label: "traceparent")
        }
        return EmitPlan(
            type: type, required: required, fanOut: fanOut, elementConditions: elementConditions, data: data,
            time: time, subject: subject, traceparent: traceparent)
    }

    // MARK: output fields

    /// An object node from `{"/output/pointer": spec, …}`.
    mutating func outputTree(_ fields: JSONObject, at: JSONPointer, inElement: Bool) -> OutputNode {
        var tree = OutputTree()
        for m in fields {
            let where_ = ptr(at, m.key)
            guard let target = JSONPointer(m.key), !target.isRoot else {
                problem(where_, "an output location is a non-empty JSON Pointer (\"/invoiceId\")")
                continue
            }
            guard let node = fieldNode(m.value, at: where_, inElement: inElement, label: m.key) else { continue }
            if !tree.insert(target.tokens[...], node) {
                problem(where_, "\(m.key) overlaps another output location (a value can't also hold members)")
            }
        }
        return tree.node
    }

    private mutating func fieldNode(_ spec: JSONValue, at: JSONPointer, inElement: Bool, label: String) -> OutputNode? {
        guard case .object(let o) = spec, let eachSpec = o["each"] else {
            return valuePlan(spec, at: at, inElement: inElement, label: label).map { .value($0) }
        }
        checkKeys(o, ["each", "fields", "optional", "default"], at: at)
        var sourceSpec = JSONObject()
        if case .string = eachSpec { sourceSpec["from"] = eachSpec } else if case .object(let s) = eachSpec { sourceSpec = s }
        for key in ["optional", "default"] { sourceSpec[key] = o[key] }
        guard let source = valuePlan(.object(sourceSpec), at: ptr(at, "each"), inElement: inElement, label: label) else { return nil }
        guard let fields = o["fields"], let f = object(fields, at: ptr(at, "fields"), "\"fields\" of an \"each\"") else { return nil }
        return .each(EachPlan(source: source, item: outputTree(f, at: ptr(at, "fields"), inElement: true)))
    }

    /// A value spec: a pointer string, or `{from|element|const|meta, transform?, default?, optional?}`.
    mutating func valuePlan(_ spec: JSONValue, at: JSONPointer, inElement: Bool, label: String) -> ValuePlan? {
        if case .string = spec {
            return pointer(spec, at: at).map { ValuePlan(source: .document([$0]), transforms: [], fallback: nil, optional: false, label: label) }
        }
        guard let o = object(spec, at: at, "a field") else { return nil }
        checkKeys(o, ["from", "element", "const", "meta", "index", "join", "separator", "transform", "default", "optional", "else"], at: at)
        guard let source = source(o, at: at, inElement: inElement) else { return nil }
        var optional = false
        if let v = o["optional"] {
            if case .bool(let b) = v { optional = b } else { problem(ptr(at, "optional"), "\"optional\" is true or false") }
        }
        let transforms = o["transform"].map { transformSteps($0, at: ptr(at, "transform"), inElement: inElement) } ?? []
        var plan = ValuePlan(source: source, transforms: transforms, fallback: o["default"], optional: optional, label: label)
        if let e = o["else"], let other = valuePlan(e, at: ptr(at, "else"), inElement: inElement, label: label) {
            plan.otherwise = Box(other)
        }
        return plan
    }

    /// Exactly one of `from` (input pointers), `element` (element pointers), `const`, `meta`,
    /// `index` (the element's position from a base), `join` (parts joined by `separator`).
    mutating func source(_ o: JSONObject, at: JSONPointer, inElement: Bool) -> ValueSource? {
        let kinds = ["from", "element", "const", "meta", "index", "join"].filter { o[$0] != nil }
        guard kinds.count == 1, let kind = kinds.first, let v = o[kind] else {
            problem(at, "a value needs exactly one of \"from\", \"element\", \"const\", \"meta\", \"index\", \"join\"")
            return nil
        }
        if o["separator"] != nil && kind != "join" { problem(ptr(at, "separator"), "\"separator\" goes with \"join\"") }
        switch kind {
        case "join":
            guard case .array(let items) = v, !items.isEmpty else {
                problem(ptr(at, kind), "\"join\" is a non-empty array of values (pointers or {\"from\"|\"element\"|…})")
                return nil
            }
            var parts: [ValueSource] = []
            for (i, item) in items.enumerated() {
                let partAt = ptr(at, kind).appending(i)
                if case .string = item {
                    if let p = pointer(item, at: partAt) { parts.append(.document([p])) }
                } else if let o = object(item, at: partAt, "a part of \"join\"") {
                    checkKeys(o, ["from", "element", "const", "meta", "index", "join", "separator"], at: partAt)
                    if let part = source(o, at: partAt, inElement: inElement) { parts.append(part) }
                }
            }
            var separator = " "
            if let sep = o["separator"] {
                guard case .string(let text) = sep else {
                    problem(ptr(at, "separator"), "\"separator\" is a string")
                    return nil
                }
                separator = text
            }
            return .join(parts, separator: separator)
        case "index":
            if !inElement {
                problem(ptr(at, kind), "\"index\" is only meaningful inside \"fanOut\" rules and \"each\" fields")
            }
            guard let base = v.numberValue?.int64, base >= 0, base <= 1 else {
                problem(ptr(at, kind), "\"index\" is the number of the first element: 0 or 1")
                return nil
            }
            return .index(base: base)
        case "from", "element":
            if kind == "element" && !inElement {
                problem(ptr(at, kind), "\"element\" is only meaningful inside \"fanOut\" rules and \"each\" fields")
            }
            var pointers: [JSONPointer] = []
            if case .array(let items) = v, !items.isEmpty {
                for (i, item) in items.enumerated() {
                    if let p = pointer(item, at: ptr(at, kind).appending(i)) { pointers.append(p) }
                }
            } else if let p = pointer(v, at: ptr(at, kind)) {
                pointers = [p]
            }
            guard !pointers.isEmpty else { return nil }
            return kind == "from" ? .document(pointers) : .element(pointers)
        case "const":
            return .constant(v)
        default:
            guard case .string(let name) = v, let field = Self.metaField(name) else {
                problem(ptr(at, "meta"), "\"meta\" is topic, partition, offset, timestamp, key, sourceSystem or header:<name>")
                return nil
            }
            return .meta(field)
        }
    }

    static func metaField(_ name: String) -> MetaField? {
        switch name {
        case "topic": return .topic
        case "partition": return .partition
        case "offset": return .offset
        case "timestamp": return .timestamp
        case "key": return .key
        case "sourceSystem": return .sourceSystem
        default:
            guard name.hasPrefix("header:"), name.count > 7 else { return nil }
            return .header(String(name.dropFirst(7)))
        }
    }

    // MARK: helpers

    func ptr(_ base: JSONPointer, _ token: String) -> JSONPointer { base.appending(token) }

    mutating func object(_ value: JSONValue, at: JSONPointer, _ what: String) -> JSONObject? {
        guard case .object(let o) = value else {
            problem(at, "\(what) must be a JSON object, not \(value.typeName)")
            return nil
        }
        return o
    }

    mutating func pointer(_ value: JSONValue, at: JSONPointer) -> JSONPointer? {
        guard case .string(let text) = value, let p = JSONPointer(text) else {
            problem(at, "expected a JSON Pointer string (\"\" or \"/a/b\")")
            return nil
        }
        return p
    }

    /// Reports members not in `allowed` (`$comment` is always allowed): typos fail loudly.
    mutating func checkKeys(_ o: JSONObject, _ allowed: [String], at: JSONPointer) {
        for m in o where m.key != "$comment" && !allowed.contains(m.key) {
            problem(ptr(at, m.key), "unknown member \"\(m.key)\" (allowed: \(allowed.joined(separator: ", ")))")
        }
    }
}

/// Builds the output tree from output pointers, keeping file order and refusing overlaps.
private struct OutputTree {
    private indirect enum Entry {
        case leaf(OutputNode)
        case branch([(String, Entry)])
    }

    private var root: [(String, Entry)] = []

    /// Inserts a node; false when the location overlaps an existing one.
    mutating func insert(_ tokens: ArraySlice<String>, _ node: OutputNode) -> Bool {
        Self.insert(tokens, node, into: &root)
    }

    var node: OutputNode { Self.finish(root) }

    private static func insert(_ tokens: ArraySlice<String>, _ node: OutputNode, into branch: inout [(String, Entry)]) -> Bool {
        guard let first = tokens.first else { return false }
        let rest = tokens.dropFirst()
        guard let i = branch.firstIndex(where: { $0.0 == first }) else {
            if rest.isEmpty {
                branch.append((first, .leaf(node)))
            } else {
                var children: [(String, Entry)] = []
                _ = insert(rest, node, into: &children)
                branch.append((first, .branch(children)))
            }
            return true
        }
        guard !rest.isEmpty, case .branch(var children) = branch[i].1 else { return false }
        let inserted = insert(rest, node, into: &children)
        branch[i].1 = .branch(children)
        return inserted
    }

    private static func finish(_ branch: [(String, Entry)]) -> OutputNode {
        .object(branch.map { key, entry in
            switch entry {
            case .leaf(let node): return OutputMember(key: key, node: node)
            case .branch(let children): return OutputMember(key: key, node: finish(children))
            }
        })
    }
}
