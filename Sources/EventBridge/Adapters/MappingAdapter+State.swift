import Contracts

/// Entity state (docs/adapters.md §7): an input the mapping's `state` section covers is not
/// evaluated here but returned as a `StateRequest`, which the pipeline's entity state stage
/// resolves in input order with each entity's last known record.
extension MappingAdapter {
    /// The request for an input the state covers; nil when its entity key cannot be built (it is
    /// then evaluated without state, like any other input).
    func stateRequest(_ state: StatePlan, document: JSONValue, context: Context) -> StateRequest? {
        var scope = MappingScope(input: context.input, document: document, base: context.base, sourceZone: sourceZone)
        scope.sourceSystem = sourceSystem
        var elements: [JSONValue]? = nil
        if let records = state.records {
            guard case .array(let items)? = records.resolve(in: document), !items.isEmpty else { return nil }
            elements = items
            scope.elementArray = records
        }
        var entities: [StateRequest.Entity] = []
        for (i, element) in (elements ?? [.null]).enumerated() {
            if elements != nil {
                scope.element = element
                scope.elementIndex = i
            }
            guard let key = Self.key(state.key, scope) else { return nil }
            entities.append(StateRequest.Entity(scope: name, key: key))
        }
        let partial = !state.partial.isEmpty && Condition.all(state.partial, hold: document, context.input)
        let forget = !state.forget.isEmpty && Condition.all(state.forget, hold: document, context.input)
        let adapter = self
        let (records, keys) = (elements, entities)
        return StateRequest(entities: keys, needsLookup: partial) { known in
            adapter.resolve(state, document: document, elements: records, entities: keys, known: known,
                            partial: partial, forget: forget, context: context)
        }
    }

    /// The entity key: the parts' text joined with U+001F; nil when a part is absent.
    private static func key(_ parts: [ValueSource], _ scope: MappingScope) -> String? {
        var texts: [String] = []
        for part in parts {
            guard let (value, _) = scope.resolve(part), let text = TransformStep.scalarText(value) else { return nil }
            texts.append(text)
        }
        return texts.joined(separator: "\u{1F}")
    }

    private func resolve(
        _ state: StatePlan, document: JSONValue, elements: [JSONValue]?, entities: [StateRequest.Entity],
        known: [JSONValue?], partial: Bool, forget: Bool, context: Context
    ) -> StateResolution {
        var events: [CanonicalEvent] = []
        var reasons: [String] = []
        var writes: [StateWrite] = []
        var failure: AdapterFailure?
        for (i, entity) in entities.enumerated() {
            var current = document
            if let records = state.records, let element = elements?[i] {
                // Rules that fan out over the records see only this one.
                current = Self.replacing(records, in: current, with: .array([element]))
            }
            let last = i < known.count ? known[i] : nil
            if !forget, let last, case .overlay(let nulled) = state.merge {
                let own = state.record.resolve(in: current) ?? .object(JSONObject())
                let merged = Self.overlay(own, onto: last, nulled: Self.nulledFields(nulled, in: document))
                current = Self.replacing(state.record, in: current, with: merged)
            }
            let shown = entity.key.replacingOccurrences(of: "\u{1F}", with: " ")
            if partial && last == nil && !forget && !state.completeWhen.isEmpty
                && !state.completeWhen.contains(where: { Condition.all($0, hold: current, context.input) }) {
                // A notice states only what the input carries: published, and nothing remembered
                // (the input is not the record).
                if !state.noticesWithoutState.isEmpty, case .events(let notices) = evaluate(current, context),
                   notices.allSatisfy({ state.noticesWithoutState.contains($0.type) }) {
                    events += notices
                    continue
                }
                let unmet = state.completeWhen.first?.first { !$0.holds(in: current, context.input) }
                let missing = unmet.map { ": \($0.pointer) is absent" } ?? ""
                if failure == nil {
                    failure = AdapterFailure(
                        code: .stateUnknown,
                        message: "a partial update of \(shown) carries only its changed fields, and no earlier state of it is known to merge them onto\(missing)",
                        location: nil)
                }
                continue
            }
            var outcome = evaluate(current, context)
            if partial && last == nil, case .failed(let f) = outcome {
                // Without the earlier state, what is missing is the state's fault, not the source's.
                if f.code == .missingField {
                    outcome = .failed(AdapterFailure(
                        code: .stateUnknown,
                        message: "a partial update of \(shown) carries only the changed fields and no earlier state of it is known, so \(f.message)",
                        location: f.location))
                }
            } else if forget {
                writes.append(StateWrite(entity: entity, record: nil))
            } else {
                // Also when a later stage or rule fails: the record is what the source says.
                writes.append(StateWrite(entity: entity, record: record(state, current)))
            }
            switch outcome {
            case .events(let e): events += e
            case .filtered(let reason): reasons.append(reason)
            case .failed(let f): if failure == nil { failure = f }
            case .needsState: break
            }
        }
        if let failure { return StateResolution(outcome: .failed(failure), writes: writes) }
        if events.isEmpty { return StateResolution(outcome: .filtered(reason: Self.unique(reasons)), writes: writes) }
        return StateResolution(outcome: .events(events), writes: writes)
    }

    private static func unique(_ reasons: [String]) -> String {
        var seen: [String] = []
        for r in reasons where !seen.contains(r) { seen.append(r) }
        return seen.joined(separator: "; ")
    }

    /// What is remembered of a document: `keep` only, or everything but `exclude`.
    private func record(_ state: StatePlan, _ document: JSONValue) -> JSONValue {
        let record = state.record.resolve(in: document) ?? .object(JSONObject())
        if let keep = state.keep {
            var out = JSONObject()
            for p in keep {
                guard let token = p.tokens.first, p.tokens.count == 1, let v = p.resolve(in: record) else { continue }
                out[token] = v
            }
            return .object(out)
        }
        var out = record
        for p in state.exclude { out = Self.removing(p, from: out) }
        return out
    }

    // MARK: tombstones

    /// A Kafka tombstone: filtered when the key's last known record satisfies the mapping's
    /// `tombstones.filterAfter` (Debezium: it was a delete), dead-lettered otherwise.
    func tombstone(_ input: AdapterInput) -> AdapterOutcome {
        guard let tombstones = plan.tombstones, let state = plan.state else {
            return .failed(AdapterFailure(code: .unexpectedTombstone, message: "the record has a null value (tombstone); there is no event to bridge"))
        }
        var scope = MappingScope(input: input, document: .null, base: .root, sourceZone: sourceZone)
        scope.sourceSystem = sourceSystem
        guard let key = Self.key(state.key, scope) else {
            return .failed(AdapterFailure(code: .unexpectedTombstone, message: "a tombstone without the key its state is kept under: nothing says which delete it follows"))
        }
        let entity = StateRequest.Entity(scope: name, key: key)
        let shown = key.replacingOccurrences(of: "\u{1F}", with: " ")
        return .needsState(StateRequest(entities: [entity], needsLookup: true) { known in
            guard let last = known.first ?? nil else {
                return StateResolution(outcome: .failed(AdapterFailure(
                    code: .unexpectedTombstone, message: "a tombstone for \(shown), whose earlier events are not known: it follows no delete seen by this bridge")))
            }
            guard Condition.all(tombstones.after, hold: last, input) else {
                return StateResolution(outcome: .failed(AdapterFailure(
                    code: .unexpectedTombstone,
                    message: "a tombstone for \(shown) that does not follow a delete (the key's last event: \(JSONWriter.compact.string(last)))")))
            }
            return StateResolution(outcome: .filtered(reason: "\(tombstones.reason) (\(shown))"))
        })
    }

    // MARK: documents

    /// The field names an overlay sets to null (`nulledFields`; dotted for compound members).
    private static func nulledFields(_ pointer: JSONPointer?, in document: JSONValue) -> [[String]] {
        guard let pointer, case .array(let items)? = pointer.resolve(in: document) else { return [] }
        return items.compactMap { $0.stringValue.map { $0.split(separator: ".").map(String.init) } }
    }

    /// The input's non-null fields over the last known record; objects merge member by member;
    /// `nulled` fields become null.
    static func overlay(_ current: JSONValue, onto last: JSONValue, nulled: [[String]]) -> JSONValue {
        var merged = merge(current, last)
        for path in nulled where !path.isEmpty {
            merged = replacing(JSONPointer(tokens: path), in: merged, with: .null, onlyExisting: true)
        }
        return merged
    }

    private static func merge(_ current: JSONValue, _ last: JSONValue) -> JSONValue {
        guard case .object(var out) = current, case .object(let old) = last else {
            return current.isNull ? last : current
        }
        for m in old {
            guard let now = out[m.key], !now.isNull else {
                out[m.key] = m.value
                continue
            }
            if case .object = now, case .object = m.value { out[m.key] = merge(now, m.value) }
        }
        return .object(out)
    }

    /// `document` with the value at `pointer` replaced (intermediate objects created unless
    /// `onlyExisting`).
    static func replacing(_ pointer: JSONPointer, in document: JSONValue, with value: JSONValue, onlyExisting: Bool = false) -> JSONValue {
        guard let first = pointer.tokens.first else { return value }
        guard case .object(var object) = document else { return document }
        let rest = JSONPointer(tokens: Array(pointer.tokens.dropFirst()))
        if let inner = object[first] {
            object[first] = replacing(rest, in: inner, with: value, onlyExisting: onlyExisting)
        } else if !onlyExisting {
            object[first] = replacing(rest, in: .object(JSONObject()), with: value)
        }
        return .object(object)
    }

    private static func removing(_ pointer: JSONPointer, from document: JSONValue) -> JSONValue {
        guard let first = pointer.tokens.first, case .object(var object) = document else { return document }
        if pointer.tokens.count == 1 {
            _ = object.removeValue(forKey: first)
        } else if let inner = object[first] {
            object[first] = removing(JSONPointer(tokens: Array(pointer.tokens.dropFirst())), from: inner)
        }
        return .object(object)
    }
}
