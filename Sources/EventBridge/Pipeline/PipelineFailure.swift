import Contracts

/// The stage of the pipeline where an input stopped (docs/design.md §3). Stored in the DLQ header
/// `eventbridge.error.stage`.
enum PipelineStage: String, Sendable, CaseIterable {
    case decode, adapt, contract, rules, upcast, sequence, route, publish
}

/// Why an input cannot be published: a stable code (see docs/error-codes.md), a sentence for a
/// person, and for contract failures every violation. A failure is data — it goes to the DLQ.
struct PipelineFailure: Error, Sendable, CustomStringConvertible {
    var stage: PipelineStage
    /// Stable error code, e.g. `json.syntax`, `schema.required`, `rule.unbalanced`.
    var code: String
    var message: String
    var violations: [Violation]
    /// The contract involved, when known.
    var contract: ContractRef?

    init(stage: PipelineStage, code: String, message: String, violations: [Violation] = [], contract: ContractRef? = nil) {
        self.stage = stage
        self.code = code
        self.message = message
        self.violations = violations
        self.contract = contract
    }

    var description: String { "\(stage.rawValue)/\(code): \(message)" }
}

/// The stable error codes the pipeline itself produces (contract and adapter codes come from
/// their modules: `schema.<keyword>`, `rule.<kind>`, `adapter.*`).
enum FailureCode {
    static let recordTooLarge = "record.too_large"
    static let recordTombstone = "record.tombstone"
    static let recordEmpty = "record.empty"
    static let contractUnknownType = "contract.unknown_type"
    static let contractUnknownVersion = "contract.unknown_version"
    static let eventNoKey = "event.no_key"
    static let eventStale = "event.stale"
    /// The contract's revision is an integer beyond the 64-bit range (−2^63 … 2^64 − 1) the staleness guard compares.
    static let eventRevisionOutOfRange = "event.revision_out_of_range"
    /// The contract's revision is neither an integer nor a string (a fraction, a boolean, null …).
    static let eventRevisionInvalid = "event.revision_invalid"
    /// An output (a CloudEvent for a subscriber) is larger than the producer's `message.max.bytes`.
    static let publishTooLarge = "publish.too_large"
    /// A parked event's prerequisite did not arrive before its deadline (or an operator expired it).
    static let prerequisiteTimeout = "sequencing.prerequisite_timeout"
}
