import Contracts
import KafkaClient

/// Stage 3, contract: holds each canonical event to its contract — JSON Schema, then the finance
/// rules — and upcasts an older version to the latest with the contract's JSON Patch
/// (docs/contracts.md). Every violation goes with a failure, so the DLQ entry says all that is wrong.
struct ContractStage: Sendable {
    let registry: ContractRegistry

    /// An event that holds: the contract it is published under (the latest version) and its data
    /// (upcast when it came in as an older version).
    struct Accepted: Sendable {
        var contract: Contract
        var data: JSONValue
        var upcast: Bool
    }

    /// An input that names its contract version (`ce_dataschema` header, or `dataschema` in a
    /// canonical envelope: `urn:eventbridge:contract:<type>:v<N>`) is held to that version and
    /// upcast to the latest. Otherwise it is validated against the latest version, and an event
    /// that doesn't fit it but fits an older version is upcast from the newest older version it fits.
    func hold(_ event: CanonicalEvent, declaredVersion: Int?) -> Result<Accepted, PipelineFailure> {
        guard let family = registry.family(event.type) else {
            return .failure(PipelineFailure(stage: .contract, code: FailureCode.contractUnknownType,
                                            message: "no contract for event type '\(event.type)'"))
        }
        let latest = family.latest
        if let declaredVersion, declaredVersion != latest.version {
            guard let declared = family.contract(version: declaredVersion) else {
                return .failure(PipelineFailure(stage: .contract, code: FailureCode.contractUnknownVersion,
                                                message: "\(event.type) has no version \(declaredVersion) (versions: \(family.versions.map(\.version)))"))
            }
            let report = declared.validate(event.data)
            guard report.isValid else { return .failure(failure(report, contract: declared)) }
            return upcast(event.data, family: family, from: declared)
        }
        let report = latest.validate(event.data)
        if report.isValid { return .success(Accepted(contract: latest, data: event.data, upcast: false)) }
        for older in family.versions.dropLast().reversed() where older.validate(event.data).isValid {
            return upcast(event.data, family: family, from: older)
        }
        return .failure(failure(report, contract: latest))
    }

    private func upcast(_ data: JSONValue, family: ContractFamily, from older: Contract) -> Result<Accepted, PipelineFailure> {
        switch family.upcast(data, from: older.version, to: family.latest.version) {
        case .success(let upcast): return .success(Accepted(contract: family.latest, data: upcast, upcast: true))
        case .failure(let e): return .failure(PipelineFailure(stage: .upcast, code: e.code, message: e.description, contract: older.ref))
        }
    }

    private func failure(_ report: ValidationReport, contract: Contract) -> PipelineFailure {
        let code = report.errorCode ?? "schema.invalid"
        let stage: PipelineStage = code.hasPrefix("rule.") ? .rules : .contract
        let first = report.violations.first.map { "\($0.instanceLocation.description.isEmpty ? "/" : $0.instanceLocation.description): \($0.message)" } ?? "invalid"
        let more = report.violations.count > 1 ? " (and \(report.violations.count - 1) more)" : ""
        return PipelineFailure(stage: stage, code: code, message: "\(contract.ref): \(first)\(more)",
                               violations: report.violations, contract: contract.ref)
    }

    /// The version an input names for itself, from `ce_dataschema` or an envelope's `dataschema`.
    static func declaredVersion(_ record: KafkaConsumerRecord, _ value: JSONValue) -> Int? {
        let text = record.header("ce_dataschema").flatMap { String(validating: $0, as: UTF8.self) } ?? value["dataschema"]?.stringValue
        return text.flatMap(ContractRef.version(ofDataschema:))
    }
}
