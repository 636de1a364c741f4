import Contracts
import Foundation
import KafkaClient

/// An adapter driven by a declarative mapping file (format in docs/adapters.md).
///
/// The file is compiled once (`AdapterCatalog`). `adapt` reads the record through the mapping's
/// envelope (plain or CloudEvents), finds the document (`unwrap`), normalises it, and — unless
/// the input takes part in entity state (`MappingAdapter+State.swift`) — picks the first rule
/// whose conditions hold and walks the compiled output tree. Fan-out is all-or-nothing: if any
/// element fails, the whole input fails and no event is returned.
public struct MappingAdapter: Adapter {
    public let name: String
    let plan: MappingPlan
    let sourceZone: TimeZone?
    /// `{"meta": "sourceSystem"}`: the source's configured system name, else the mapping's name.
    let sourceSystem: String

    init(plan: MappingPlan, sourceZone: TimeZone?, sourceSystem: String? = nil) {
        self.name = plan.name
        self.plan = plan
        self.sourceZone = sourceZone
        self.sourceSystem = sourceSystem ?? plan.name
    }

    public var handlesTombstones: Bool { plan.tombstones != nil }

    public func acceptsUndecodedValue(headers: [KafkaHeader]) -> Bool {
        plan.envelope != .plain && CloudEventReader.wantsUndecoded(headers)
    }

    public func adapt(_ input: AdapterInput) -> AdapterOutcome {
        if input.isTombstone { return tombstone(input) }
        if let values = plan.tombstones?.values, !values.isEmpty, input.isJSON, Condition.all(values, hold: input.value, input) {
            return tombstone(input)
        }
        switch plan.envelope {
        case .plain:
            guard input.isJSON else { return .failed(.transform("the value is not JSON", at: .root)) }
            return adapt(document: input.value, input: input, event: nil)
        case .cloudEventsOrPlain where !CloudEventReader.isCloudEvent(input):
            guard input.isJSON else { return .failed(.transform("the value is not JSON", at: .root)) }
            return adapt(document: input.value, input: input, event: nil)
        case .cloudEvents, .cloudEventsOrPlain:
            switch CloudEventReader.read(input) {
            case .failure(let f): return .failed(f)
            case .success(.single(let event)): return adapt(document: event.document, input: input, event: event)
            case .success(.batch(let events)): return batch(events, input: input)
            }
        }
    }

    /// Every event of a CloudEvents batch on its own; the input's outcome is the fan-out rule's
    /// (docs/adapters.md §5): all events of the elements that emit, in order; any failing element
    /// fails the batch (its index in the message); every element filtered → filtered.
    private func batch(_ events: [Result<CloudEventReader.Event, AdapterFailure>], input: AdapterInput) -> AdapterOutcome {
        if events.isEmpty { return .filtered(reason: "the CloudEvents batch is empty") }
        var out: [CanonicalEvent] = []
        var reasons: [String] = []
        for (i, element) in events.enumerated() {
            let outcome: AdapterOutcome
            switch element {
            case .failure(let f): outcome = .failed(f)
            case .success(let event): outcome = adapt(document: event.document, input: input, event: event)
            }
            switch outcome {
            case .events(let e): out += e
            case .filtered(let reason): reasons.append("element \(i): \(reason)")
            case .failed(let f):
                var failure = f
                failure.message = "batch element \(i) of \(events.count): \(f.message)"
                return .failed(failure)
            case .needsState:
                return .failed(.transform("batch element \(i): entity state is not supported inside CloudEvents batches", at: JSONPointer.root.appending(i)))
            }
        }
        if out.isEmpty { return .filtered(reason: "every event of the batch is filtered (\(reasons.joined(separator: "; ")))") }
        return .events(out)
    }

    /// One document (the value, or one CloudEvent in structured form).
    private func adapt(document value: JSONValue, input: AdapterInput, event: CloudEventReader.Event?) -> AdapterOutcome {
        let document: JSONValue, base: JSONPointer
        switch unwrap(value) {
        case .failure(let f): return .failed(f)
        case .success(let found): (document, base) = (plan.normalizations.isEmpty ? found.0 : normalized(found.0), found.1)
        }
        let context = Context(input: input, base: base, unreadableContentType: event?.unreadableContentType)
        if let state = plan.state, Condition.all(state.conditions, hold: document, input),
            let request = stateRequest(state, document: document, context: context) {
            return .needsState(request)
        }
        return evaluate(document, context)
    }

    /// What every evaluation of one input shares.
    struct Context {
        var input: AdapterInput
        /// Where the document sits in the input value.
        var base: JSONPointer
        /// The CloudEvent's data content type when its data could not be read.
        var unreadableContentType: String?
    }

    // MARK: envelopes

    /// The document rules see, and where it is in the value.
    private func unwrap(_ value: JSONValue) -> Result<(JSONValue, JSONPointer), AdapterFailure> {
        switch plan.unwrap {
        case .none:
            return .success((value, .root))
        case .optional(let pointer):
            if let inner = pointer.resolve(in: value), case .object = inner { return .success((inner, pointer)) }
            return .success((value, .root))
        case .alternatives(let envelopes):
            var tried: [String] = []
            for envelope in envelopes {
                guard let inner = envelope.pointer.resolve(in: value) else {
                    tried.append("\(envelope.label) (absent)")
                    continue
                }
                guard case .object = inner else {
                    tried.append("\(envelope.label) (\(inner.typeName), not an object)")
                    continue
                }
                if let unmet = envelope.conditions.first(where: { !$0.holds(in: inner) }) {
                    tried.append("\(envelope.label) (\(Self.describe(unmet, in: inner)))")
                    continue
                }
                return .success((inner, envelope.pointer))
            }
            return .failure(.unmapped("no envelope of mapping \"\(name)\" matches the value: tried \(tried.joined(separator: "; "))", at: .root))
        }
    }

    private static func describe(_ condition: Condition, in document: JSONValue) -> String {
        let value = condition.pointer.resolve(in: document)
        switch condition.test {
        case .present(true): return "no \(condition.pointer)"
        case .present(false): return "\(condition.pointer) is present"
        default: return "\(condition.pointer) = \(value.map { DecimalText.describe($0) } ?? "absent")"
        }
    }

    private func normalized(_ document: JSONValue) -> JSONValue {
        var out = document
        for n in plan.normalizations {
            switch n {
            case .avroUnions: out = AvroUnions.unwrapped(out)
            case .debezium: out = DebeziumRecord.normalized(out)
            }
        }
        return out
    }

    // MARK: rules

    /// Picks the first matching rule (or `otherwise`) and performs it.
    func evaluate(_ document: JSONValue, _ context: Context) -> AdapterOutcome {
        guard let rule = plan.rules.first(where: { $0.matches(document, context.input) }) else {
            return perform(plan.otherwise, document: document, context)
        }
        return perform(rule.action, document: document, context)
    }

    private func perform(_ action: RuleAction?, document: JSONValue, _ context: Context) -> AdapterOutcome {
        switch action {
        case nil:
            return .failed(.unmapped("no rule of mapping \"\(name)\" matches \(selectorSummary(document))"))
        case .ignore(let reason):
            return .filtered(reason: reason)
        case .reject(let message):
            return .failed(AdapterFailure(code: .rejected, message: message))
        case .emit(let emit):
            if let contentType = context.unreadableContentType {
                return .failed(AdapterFailure(
                    code: .unsupportedContentType,
                    message: "the event's data is \(contentType), not JSON: a mapping can only read JSON data",
                    location: nil))
            }
            var scope = MappingScope(input: context.input, document: document, base: context.base, sourceZone: sourceZone)
            scope.sourceSystem = sourceSystem
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
                throw .missing("\(emit.type.label) requires \(pointer) in the input", at: scope.absolute(pointer))
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
            if !emit.elementConditions.isEmpty && !Condition.all(emit.elementConditions, hold: element, scope.input) { continue }
            elementScope.element = element
            elementScope.elementIndex = i
            result.append(try event(emit, scope: elementScope))
        }
        if result.isEmpty { return .filtered(reason: "no element of the fan-out array \(fanOut) matches \"elementWhen\"") }
        return .events(result)
    }

    private func event(_ emit: EmitPlan, scope: MappingScope) throws(AdapterFailure) -> CanonicalEvent {
        let type: String
        switch emit.type {
        case .constant(let t): type = t
        case .from(let plan):
            guard let t = try text(plan, scope: scope) else { throw .missing("the event type has no value", at: nil) }
            guard CanonicalAdapter.isWellFormedTypeName(t) else {
                throw AdapterFailure(code: .typeUnknown, message: "\"\(t)\" is not a well-formed event type name", location: nil)
            }
            type = t
        }
        let data = try evaluate(emit.data, scope: scope) ?? .object(JSONObject())
        let time = try emit.time.flatMap { (p) throws(AdapterFailure) in try text(p, scope: scope) }
        let subject = try emit.subject.flatMap { (p) throws(AdapterFailure) in try text(p, scope: scope) }
        var traceparent = scope.input.headerString("traceparent")
        if let plan = emit.traceparent, let mapped = try text(plan, scope: scope) { traceparent = mapped }
        return CanonicalEvent(type: type, data: data, time: time, subject: subject, traceparent: traceparent)
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
        case .constant, .meta, .index, .join: itemScope.elementArray = .root
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
    func transformed(_ plan: ValuePlan, scope: MappingScope) throws(AdapterFailure) -> (JSONValue, Int)? {
        guard let (resolved, index) = scope.resolve(plan.source) else { return nil }
        var v = resolved
        for step in plan.transforms {
            v = try step.apply(v, in: scope) { scope.location(of: plan.source, index: index) }
        }
        return (v, index)
    }

    private func absent(_ plan: ValuePlan, scope: MappingScope) throws(AdapterFailure) -> JSONValue? {
        if let other = plan.otherwise?.value {
            if let (v, _) = try transformed(other, scope: scope) { return v }
        }
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
        case .join(let parts, _): return "every part of " + parts.map(describe).joined(separator: " + ")
        }
    }

    private func selectorSummary(_ document: JSONValue) -> String {
        if plan.selectorPointers.isEmpty { return "the input" }
        return "(" + plan.selectorPointers.map { p in
            "\(p) = \(p.resolve(in: document).map { DecimalText.describe($0) } ?? "absent")"
        }.joined(separator: ", ") + ")"
    }
}

extension InputEnvelope: Equatable {}
