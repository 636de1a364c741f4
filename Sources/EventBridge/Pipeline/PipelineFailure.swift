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
    /// A parked event's prerequisite did not arrive before its deadline (or an operator expired it).
    static let prerequisiteTimeout = "sequencing.prerequisite_timeout"
}
