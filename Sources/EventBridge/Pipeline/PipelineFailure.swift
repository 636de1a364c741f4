import Contracts

/// The stage of the pipeline where an input stopped (docs/design.md §3). Stored in the DLQ header
/// `eventbridge.error.stage`.
public enum PipelineStage: String, Sendable, CaseIterable {
    case decode, adapt, contract, rules, upcast, sequence, route, publish
}

/// Why an input cannot be published: a stable code (see docs/error-codes.md), a sentence for a
/// person, and for contract failures every violation. A failure is data — it goes to the DLQ.
public struct PipelineFailure: Error, Sendable, CustomStringConvertible {
    public var stage: PipelineStage
    /// Stable error code, e.g. `json.syntax`, `schema.required`, `rule.unbalanced`.
    public var code: String
    public var message: String
    public var violations: [Violation]
    /// The contract involved, when known.
    public var contract: ContractRef?

    public init(stage: PipelineStage, code: String, message: String, violations: [Violation] = [], contract: ContractRef? = nil) {
        self.stage = stage
        self.code = code
        self.message = message
        self.violations = violations
        self.contract = contract
    }

    public var description: String { "\(stage.rawValue)/\(code): \(message)" }
}

/// The stable error codes the pipeline itself produces (contract and adapter codes come from
/// their modules: `schema.<keyword>`, `rule.<kind>`, `adapter.*`).
public enum FailureCode {
    public static let recordTooLarge = "record.too_large"
    public static let recordTombstone = "record.tombstone"
    public static let recordEmpty = "record.empty"
    public static let contractUnknownType = "contract.unknown_type"
    public static let contractUnknownVersion = "contract.unknown_version"
    public static let eventNoKey = "event.no_key"
    public static let eventStale = "event.stale"
    /// An output (a CloudEvent for a subscriber) is larger than the producer's `message.max.bytes`.
    public static let publishTooLarge = "publish.too_large"
    /// The contract's revision is an integer beyond the 64-bit range (−2^63 … 2^64 − 1) the staleness guard compares.
    public static let eventRevisionOutOfRange = "event.revision_out_of_range"
    /// The contract's revision is neither an integer nor a string (a fraction, a boolean, null …).
    public static let eventRevisionInvalid = "event.revision_invalid"
}
