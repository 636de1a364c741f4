import Contracts

// The parts of a compiled mapping that say how a record is read before its rules run — the
// envelope the value arrives in, where the document is, how it is normalised — and the entity
// state the mapping keeps (docs/adapters.md §3).

/// How a record value is read.
enum InputEnvelope: Sendable {
    /// The value is the document (after `unwrap`).
    case plain
    /// The record is a CloudEvent in structured, binary or batch mode (`CloudEventReader`); rules
    /// see the event in structured form with `data` decoded.
    case cloudEvents
    /// CloudEvents when the record is one (a `ce_specversion` header, a CloudEvents content type,
    /// or an object with `specversion`), else plain: sources that publish both (SAP: business
    /// events next to event-queue entries and OData payloads).
    case cloudEventsOrPlain
}

/// Where the rules' document is inside the value.
enum UnwrapPlan: Sendable {
    case none
    /// The legacy form (`"unwrap": "/payload"`): the object at the pointer when there is one, else
    /// the value itself (Debezium with or without the JSON converter's schema envelope).
    case optional(JSONPointer)
    /// Alternatives tried in order (`"unwrap": [...]`): the first whose pointer holds an object
    /// and whose conditions hold on that object. None matching is `adapter.unmapped` naming each.
    case alternatives([EnvelopePlan])
}

/// One delivery shape of a source (Salesforce: CometD `{data: {payload}}`, Pub/Sub
/// `{payload}`, the bare payload).
struct EnvelopePlan: Sendable {
    var pointer: JSONPointer
    /// Conditions on the unwrapped object (`{"/ChangeEventHeader": {"present": true}}`).
    var conditions: [Condition]
    /// How messages name it (`"name"` in the mapping, else the pointer).
    var label: String
}

/// A rewrite of the document before rules see it.
enum Normalization: Sendable {
    /// Avro's JSON encoding of unions: `{"string": "Hot"}`, `{"long": 1}`,
    /// `{"com.sforce.eventbus.Address": {…}}` → the wrapped value (Salesforce Pub/Sub API
    /// clients that decode with Avro's JSON encoder).
    case avroUnions
    /// Debezium's delivery shapes → the change event envelope (`DebeziumRecord`).
    case debezium
}

/// The entity state a mapping keeps: which inputs take part, how the entity key is built and how
/// a new input is combined with the last known record.
struct StatePlan: Sendable {
    /// Inputs that take part (all conditions hold on the document).
    var conditions: [Condition]
    /// One entity per element of this array (Salesforce `recordIds`); nil: one per input. Rules
    /// that fan out over the same array then see only the element being resolved.
    var records: JSONPointer?
    /// The key's parts, joined with U+001F (may read `element` when `records` is set, and `meta`).
    var key: [ValueSource]
    var merge: StateMerge
    /// Inputs that carry only part of the record (a Salesforce UPDATE): they need the last known
    /// record, and fail with `adapter.state_unknown` without one unless the rule still succeeds.
    var partial: [Condition]
    /// When a partial input's record is complete enough on its own (an enriched Salesforce
    /// channel sends the name with every update): any one of these condition sets holding. Without
    /// known state and none holding, the input fails with `adapter.state_unknown` naming the first
    /// unmet condition. Empty: evaluate, and call a missing field the unknown state's fault.
    var completeWhen: [[Condition]] = []
    /// Event types a partial input without known state may still emit when `completeWhen` does
    /// not hold: notices, which state only what the input carries (a Salesforce UPDATE without
    /// its Name becomes `finance.customer.changed`). Nothing is remembered of such an input; any
    /// other outcome is `adapter.state_unknown` as before.
    var noticesWithoutState: [String] = []
    /// Inputs after which nothing is known any more (a Salesforce gap event): the state is forgotten.
    var forget: [Condition]
    /// Where the entity's record is in the document (`/data` of a CloudEvent); root by default.
    /// Merging and remembering work on it.
    var record: JSONPointer = .root
    /// Members left out of the remembered record (the change event header).
    var exclude: [JSONPointer]
    /// When set, only these members are remembered (Debezium: `/op`).
    var keep: [JSONPointer]?
}

/// How a new input is combined with the entity's last known record.
enum StateMerge: Sendable {
    /// Salesforce: the input's non-null fields (object members merged member by member, e.g.
    /// compound addresses) onto the last known record; the fields named in `nulledFields`
    /// (dotted for compound members) become null.
    case overlay(nulledFields: JSONPointer?)
    /// The input's record replaces the last known one.
    case replace
}

/// What a Kafka tombstone becomes.
struct TombstonePlan: Sendable {
    /// Conditions on the entity's last known record (the state's `keep` members): when they hold,
    /// the tombstone is filtered with `reason`; otherwise (or with nothing known) it is
    /// dead-lettered with `record.tombstone`.
    var after: [Condition]
    var reason: String
    /// Non-null values that stand for a tombstone (old JSON converters wrote a null value as
    /// `{"schema": null, "payload": null}`); empty: none.
    var values: [Condition] = []
}
