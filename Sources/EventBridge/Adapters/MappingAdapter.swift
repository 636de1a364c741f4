import Contracts
import Foundation

/// An adapter driven by a declarative mapping file (format in docs/adapters.md).
///
/// The file is compiled once (`AdapterCatalog`); `adapt` picks the first rule whose conditions
/// hold and walks the compiled output tree. Fan-out is all-or-nothing: if any element fails,
/// the whole input fails and no event is returned.
public struct MappingAdapter: Adapter {
    public let name: String
    let plan: MappingPlan
    let sourceZone: TimeZone?

    init(plan: MappingPlan, sourceZone: TimeZone?) {
        self.name = plan.name
        self.plan = plan
        self.sourceZone = sourceZone
    }

    public func adapt(_ input: AdapterInput) -> AdapterOutcome {
        var document = input.value
        var base = JSONPointer.root
        if let unwrap = plan.unwrap, let inner = unwrap.resolve(in: document), case .object = inner {
            document = inner
            base = unwrap
        }
        guard let rule = plan.rules.first(where: { $0.matches(document) }) else {
            return perform(plan.otherwise, input: input, document: document, base: base)
        }
        return perform(rule.action, input: input, document: document, base: base)
    }

    private func perform(
        _ action: RuleAction?, input: AdapterInput, document: JSONValue, base: JSONPointer
    ) -> AdapterOutcome {
        switch action {
        case nil:
            return .failed(.unmapped("no rule of mapping \"\(name)\" matches \(selectorSummary(document))"))
        case .ignore(let reason):
            return .filtered(reason: reason)
        case .reject(let message):
            return .failed(AdapterFailure(code: .rejected, message: message))
        case .emit(let emit):
            let scope = MappingScope(input: input, document: document, base: base, sourceZone: sourceZone)
            do throws(AdapterFailure) {
                return try events(emit, scope: scope)
            } catch {
                return .failed(error)
            }
        }
    }

    private func events(_ emit: EmitPlan, scope: MappingScope) throws(AdapterFailure) -> AdapterOutcome {
        for pointer in emit.required {
            guard let v = pointer.resolve(in: scope.document), !v.isNull else {
                throw .missing("\(emit.type) requires \(pointer) in the input", at: scope.absolute(pointer))
            }
        }
        guard let fanOut = emit.fanOut else {
            return .events([try event(emit, scope: scope)])
        }
        guard let value = fanOut.resolve(in: scope.document), !value.isNull else {
            throw .missing("the fan-out array \(fanOut) is absent", at: scope.absolute(fanOut))
        }
        guard case .array(let elements) = value else {
            throw .transform("the fan-out value \(fanOut) is \(value.typeName), not an array", at: scope.absolute(fanOut))
        }
        if elements.isEmpty { return .filtered(reason: "the fan-out array \(fanOut) is empty") }
        var elementScope = scope
        elementScope.elementArray = fanOut
        var result: [CanonicalEvent] = []
        result.reserveCapacity(elements.count)
        for (i, element) in elements.enumerated() {
            elementScope.element = element
            elementScope.elementIndex = i
            result.append(try event(emit, scope: elementScope))
        }
        return .events(result)
    }

    private func event(_ emit: EmitPlan, scope: MappingScope) throws(AdapterFailure) -> CanonicalEvent {
        let data = try evaluate(emit.data, scope: scope) ?? .object(JSONObject())
        let time = try emit.time.flatMap { (p) throws(AdapterFailure) in try text(p, scope: scope) }
        let subject = try emit.subject.flatMap { (p) throws(AdapterFailure) in try text(p, scope: scope) }
        var traceparent = scope.input.headerString("traceparent")
        if let plan = emit.traceparent, let mapped = try text(plan, scope: scope) { traceparent = mapped }
        return CanonicalEvent(type: emit.type, data: data, time: time, subject: subject, traceparent: traceparent)
    }

    /// A value that must be text (time, subject, traceparent); numbers and booleans are written out.
    private func text(_ plan: ValuePlan, scope: MappingScope) throws(AdapterFailure) -> String? {
        guard let v = try value(plan, scope: scope) else { return nil }
        guard let s = TransformStep.scalarText(v) else {
            throw .transform("\(plan.label) must be a string, not \(v.typeName)", at: nil)
        }
        return s
    }

    /// Builds an output node; nil when an optional value is absent.
    private func evaluate(_ node: OutputNode, scope: MappingScope) throws(AdapterFailure) -> JSONValue? {
        switch node {
        case .value(let plan):
            return try value(plan, scope: scope)
        case .object(let members):
            var object = JSONObject()
            for m in members {
                if let v = try evaluate(m.node, scope: scope) { object[m.key] = v }
            }
            return .object(object)
        case .each(let each):
            return try array(each, scope: scope)
        }
    }

    private func array(_ each: EachPlan, scope: MappingScope) throws(AdapterFailure) -> JSONValue? {
        let source = each.source
        guard let (value, index) = try transformed(source, scope: scope) else {
            return try absent(source, scope: scope)
        }
        guard case .array(let elements) = value else {
            throw .transform("\(source.label) needs an array, found \(value.typeName)", at: scope.location(of: source.source, index: index))
        }
        var itemScope = scope
        switch source.source {
        case .document(let pointers): itemScope.elementArray = pointers[index]
        case .element(let pointers): itemScope.elementArray = JSONPointer(tokens: scope.elementPath.tokens + pointers[index].tokens)
        case .constant, .meta, .index: itemScope.elementArray = .root
        }
        var items: [JSONValue] = []
        items.reserveCapacity(elements.count)
        for (i, element) in elements.enumerated() {
            itemScope.element = element
            itemScope.elementIndex = i
            if let item = try evaluate(each.item, scope: itemScope) { items.append(item) }
        }
        return .array(items)
    }

    /// A value: resolved, transformed in order; default, omission or `adapter.missing_field` when absent.
    private func value(_ plan: ValuePlan, scope: MappingScope) throws(AdapterFailure) -> JSONValue? {
        guard let (v, _) = try transformed(plan, scope: scope) else {
            return try absent(plan, scope: scope)
        }
        return v
    }

    /// The source's value after the transforms, and which pointer supplied it; nil when absent.
    private func transformed(_ plan: ValuePlan, scope: MappingScope) throws(AdapterFailure) -> (JSONValue, Int)? {
        guard let (resolved, index) = scope.resolve(plan.source) else { return nil }
        var v = resolved
        for step in plan.transforms {
            v = try step.apply(v, in: scope) { scope.location(of: plan.source, index: index) }
        }
        return (v, index)
    }

    private func absent(_ plan: ValuePlan, scope: MappingScope) throws(AdapterFailure) -> JSONValue? {
        if let fallback = plan.fallback { return fallback }
        if plan.optional { return nil }
        let location = scope.location(of: plan.source, index: 0)
        throw .missing("\(plan.label) has no value: \(describe(plan.source)) is absent or null", at: location)
    }

    private func describe(_ source: ValueSource) -> String {
        switch source {
        case .document(let p): return p.map { $0.description }.joined(separator: ", ")
        case .element(let p): return "element " + p.map { $0.description }.joined(separator: ", ")
        case .constant: return "the constant"
        case .meta(let field): return "record metadata \(field)"
        case .index(let base): return "the element index from \(base)"
        }
    }

    private func selectorSummary(_ document: JSONValue) -> String {
        if plan.selectorPointers.isEmpty { return "the input" }
        return "(" + plan.selectorPointers.map { p in
            "\(p) = \(p.resolve(in: document).map { DecimalText.describe($0) } ?? "absent")"
        }.joined(separator: ", ") + ")"
    }
}
