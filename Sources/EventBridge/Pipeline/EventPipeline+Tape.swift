import Basics
import Contracts
import EventStore
import KafkaClient

/// The tape path (docs/decisions.md, 2026-12-04): `prepare` for an input of a `canonical` source
/// without building a `JSONValue` tree. The value is parsed onto a `JSONTape`, the envelope read,
/// the contract checked (schema and rules, `Contract.holds`), and the keys, gating, routes and
/// CloudEvents records made from the tape, the published `data` being the input's own bytes.
///
/// It answers only where the answer is certain to be the general path's, and nil everywhere
/// else — a tombstone, a document the tape declines, a malformed envelope, an unknown type, a
/// declared older version (upcast), an event that does not hold, no entity key, a revision the
/// staleness guard cannot compare, an output too large to produce — so that every
/// failure, with its code and violations, still comes from the general path, which runs next.
/// `TapePathTests` holds its answers to the general path's, byte for byte.
extension EventPipeline {
    func prepareOnTape(_ record: KafkaConsumerRecord) -> Prepared? {
        guard let value = record.value, !value.isEmpty, value.count <= decode.maxRecordBytes,
              let source = adapt.sources[record.topic], source.isCanonical
        else { return nil }
        return JSONTape.parse(value, options: decode.options) { tape -> Prepared? in
            guard let tape, let event = TapeEvent(tape, record, types: tapeTypes) else { return nil }
            return prepare(event, tape, record, source: source)
        }
    }

    /// What the tape path knows of every contract type before any input, by the type's bytes.
    static func tapeTypes(_ registry: ContractRegistry, route: RouteStage, gateRules: GateStage.Rules) -> BytesTable<TapeType> {
        BytesTable(registry.types.compactMap { type in
            registry.newest(type).map { (type, TapeType(newest: $0, route: route, gateRules: gateRules)) }
        })
    }

    private func prepare(_ event: TapeEvent, _ tape: JSONTape, _ record: KafkaConsumerRecord, source: AdaptStage.Source) -> Prepared? {
        let data = event.data
        // Read through the class reference, never copied (`NewestContract`).
        let newest = event.known.newest
        if let declared = event.declaredVersion, declared != newest.ref.version { return nil }
        guard newest.holds(tape, data) == true, let entityKey = newest.entityKey(of: tape, data) else { return nil }
        // A revision the staleness guard cannot compare is the general path's failure.
        var revision: StoredRevision? = nil
        if let value = newest.revisionValue(of: tape, data) {
            guard let r = StoredRevision(json: value) else { return nil }
            revision = r
        }
        let family = event.known.dedupFamily
        var dedupKey = DedupKey(high: 0, low: 0)
        if !newest.withDedupKeyText(of: tape, data, { dedupKey = family.key(utf8: $0) }) {
            dedupKey = family.key(value: entityKey)
        }
        var plan = DedupStage.plan(type: event.type, contract: newest.ref, entityKey: entityKey, dedupKey: dedupKey, revision: revision)
        plan.requirement = gateRules.requirement(type: newest.ref.type, prerequisite: newest.prerequisite, topic: record.topic) { Contract.keyText(at: $0, in: tape, data) }
        plan.readinessKey = event.known.setsReadiness ? GateStage.Rules.key(event.type, plan.entityKey) : nil
        let routes = route.select(among: event.known.routes) { pointer, expected in
            guard pointer.isASCII else { return pointer.resolve(in: tape.value(data)) == expected }
            return pointer.resolve(in: tape, data).map { tape.value($0) == expected } ?? false
        }
        var outputs: [KafkaProducerRecord] = []
        if !routes.isEmpty {
            // The input's own bytes when they are what the writer would write (`JSONCompactSpan`).
            let bytes = tape.isCompact(data) ? Array(tape.bytes[tape.span(data)]) : JSONWriter.compact.bytes(tape.value(data))
            outputs = EncodeStage.records(type: event.type, time: event.time, data: bytes, traceparent: event.traceparent, plan: &plan,
                                          record: record, source: source, contract: newest, routes: routes)
            // An output over the producer's limit is the general path's `publish.too_large`.
            if outputs.contains(where: { $0.wireSize > maxMessageBytes }) { return nil }
        }
        return .events([.ready(plan: plan, outputs: outputs)])
    }
}

/// One contract type as the tape path sees it, made once per pipeline (docs/decisions.md,
/// 2026-12-05, "per-type plans"): its newest contract, whether the name is one `CanonicalAdapter`
/// accepts, the subscribers whose type patterns take it, whether it sets readiness keys, and its
/// part of the dedup keys.
final class TapeType: Sendable {
    let newest: NewestContract
    let isWellFormed: Bool
    let routes: [RouteStage.Route]
    let setsReadiness: Bool
    /// The type's part of its events' dedup keys, hashed once.
    let dedupFamily: DedupKey.Family

    init(newest: NewestContract, route: RouteStage, gateRules: GateStage.Rules) {
        let type = newest.ref.type
        self.newest = newest
        dedupFamily = DedupKey.Family(type)
        isWellFormed = CanonicalAdapter.isWellFormedTypeName(type)
        routes = route.candidates(type: type)
        setsReadiness = gateRules.setsReadiness(type: type)
    }
}

/// What `CanonicalAdapter` and `ContractStage.declaredVersion` read from an input, read from its
/// tape — or nil wherever they would fail or the tape cannot say for sure. The type is found by
/// its bytes among the catalog's (`TapeType`): an unknown type is the general path's failure, and
/// a known one's name is the catalog's `String`, not one made from the input.
private struct TapeEvent {
    var known: TapeType
    var data: JSONTape.Index
    var time: String?
    var traceparent: String?
    var declaredVersion: Int?

    var type: String { known.newest.ref.type }

    init?(_ tape: JSONTape, _ record: KafkaConsumerRecord, types: BytesTable<TapeType>) {
        let root = JSONTape.root
        // The adapter's header reads (last header, non-empty, UTF-8), without the decoded value;
        // a record without headers has none to read.
        let headers = record.headers.isEmpty ? nil : AdapterInput(topic: record.topic, headers: record.headers, value: .null)
        let traceHeader = headers?.headerString("traceparent")
        func string(_ i: JSONTape.Index?) -> String? { i.flatMap { tape.kind($0) == .string ? tape.string($0) : nil } }
        let envelope = Envelope(tape)
        if let headers, let type = headers.headerString("ce_type") {
            // Header-typed: the whole value is the data.
            guard let known = types[type], known.isWellFormed else { return nil }
            let time = headers.headerString("ce_time")
            if let time, !CanonicalAdapter.isValidTime(time) { return nil }
            (self.known, data, self.time, traceparent) = (known, root, time, traceHeader)
        } else {
            guard tape.kind(root) == .object, let t = envelope.type, tape.kind(t) == .string,
                  let known = tape.isPlainString(t) ? types[bytes: UnsafeRawBufferPointer(tape.rawString(t))] : types[tape.string(t)],
                  known.isWellFormed, let data = envelope.data, tape.kind(data) != .null
            else { return nil }
            if let t = envelope.time, tape.kind(t) != .null {
                guard let text = string(t), CanonicalAdapter.isValidTime(text) else { return nil }
                time = text
            }
            (self.known, self.data) = (known, data)
            traceparent = traceHeader ?? string(envelope.traceparent)
        }
        // `ContractStage.declaredVersion`: the first `ce_dataschema` header, else the value's `dataschema`.
        let declared = record.header("ce_dataschema").flatMap { String(validating: $0, as: UTF8.self) }
            ?? string(envelope.dataschema)
        declaredVersion = declared.flatMap(ContractRef.version(ofDataschema:))
    }

    /// The members of the value's object `CanonicalAdapter` reads, found in one walk of its
    /// members (names on a tape are unescaped ASCII or the parse declined, and never repeat).
    private struct Envelope {
        var type: JSONTape.Index?
        var data: JSONTape.Index?
        var time: JSONTape.Index?
        var traceparent: JSONTape.Index?
        var dataschema: JSONTape.Index?

        init(_ tape: JSONTape) {
            let root = JSONTape.root
            guard tape.kind(root) == .object else { return }
            var k = root + 1
            let end = tape.next(root)
            while k < end {
                let value = k + 1
                // By length, then the first word: four-byte names are told apart by that word alone.
                let (length, head) = tape.nameHead(k)
                switch length {
                case 4:
                    if head == Names.type { type = value } else if head == Names.data { data = value } else if head == Names.time { time = value }
                case 10: if head == Names.dataschema && tape.nameIs(k, "dataschema") { dataschema = value }
                case 11: if head == Names.traceparent && tape.nameIs(k, "traceparent") { traceparent = value }
                default: break
                }
                k = tape.next(value)
            }
        }

        private enum Names {
            static let type = JSONTape.nameWord("type")
            static let data = JSONTape.nameWord("data")
            static let time = JSONTape.nameWord("time")
            static let dataschema = JSONTape.nameWord("dataschema")
            static let traceparent = JSONTape.nameWord("traceparent")
        }
    }
}
