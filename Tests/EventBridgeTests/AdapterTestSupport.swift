import Contracts
import Foundation
import Testing
@testable import EventBridge

/// Helpers shared by the adapter tests: the shipped mappings (read by path from `#filePath`, so
/// Package.swift needs no resources) and outcome unwrapping.
enum AdapterTestSupport {
    /// The repository root: this file is `Tests/EventBridgeTests/AdapterTestSupport.swift`.
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static var mappingsDirectory: String { repositoryRoot + "/mappings" }

    /// The shipped contract catalog.
    static func contracts() throws -> ContractRegistry {
        try ContractRegistry.load(directory: repositoryRoot + "/contracts")
    }

    /// The violations of an event against the latest contract of its type, one line each
    /// (empty when it validates).
    static func violations(_ event: CanonicalEvent, _ registry: ContractRegistry) -> [String] {
        guard let contract = registry.latest(event.type) else { return ["no contract for \(event.type)"] }
        return contract.validate(event.data).violations.map { "\($0.instanceLocation): \($0.message) [\($0.errorCode)]" }
    }

    /// Records an issue, listing the violations, unless the event validates against its contract.
    static func expectValid(_ event: CanonicalEvent, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let problems = violations(event, try contracts())
        #expect(problems.isEmpty, "\(event.type): \(problems.joined(separator: "; "))", sourceLocation: sourceLocation)
    }

    static func shippedCatalog() throws -> AdapterCatalog {
        try AdapterCatalog(directory: mappingsDirectory)
    }

    /// A shipped adapter by name.
    static func adapter(_ name: String, zone: String? = nil) throws -> any Adapter {
        try shippedCatalog().adapter(named: name, sourceZone: zone)
    }

    /// An adapter from an inline mapping document.
    static func mapping(_ json: String, zone: String? = nil) throws -> any Adapter {
        let document = try JSONParser.parse(json)
        let catalog = try AdapterCatalog(documents: [(origin: "inline", document: document)])
        let name = document["name"]?.stringValue ?? ""
        return try catalog.adapter(named: name, sourceZone: zone)
    }

    /// Compile problems of an inline mapping document (empty when it compiles).
    static func problems(_ json: String) throws -> [MappingError.Problem] {
        do {
            _ = try AdapterCatalog(documents: [(origin: "inline", document: try JSONParser.parse(json))])
            return []
        } catch let error as MappingError {
            return error.problems
        }
    }

    static func input(_ json: String, topic: String = "source", headers: [AdapterInput.Header] = []) throws -> AdapterInput {
        AdapterInput(topic: topic, partition: 3, offset: 42, timestamp: 1_772_359_200_000, headers: headers, value: try JSONParser.parse(json))
    }

    static func header(_ name: String, _ value: String) -> AdapterInput.Header {
        AdapterInput.Header(name: name, value: Array(value.utf8))
    }

    /// The events of an outcome; records an issue (and returns none) for any other outcome. A
    /// state request is resolved as if nothing were known (`resolvedWithoutState`).
    static func events(_ outcome: AdapterOutcome, sourceLocation: SourceLocation = #_sourceLocation) -> [CanonicalEvent] {
        guard case .events(let events) = outcome.resolvedWithoutState else {
            Issue.record("expected events, got \(outcome)", sourceLocation: sourceLocation)
            return []
        }
        return events
    }

    /// The single event of an outcome.
    static func event(_ outcome: AdapterOutcome, sourceLocation: SourceLocation = #_sourceLocation) throws -> CanonicalEvent {
        let all = events(outcome, sourceLocation: sourceLocation)
        return try #require(all.count == 1 ? all.first : nil, "expected exactly one event, got \(all.count)", sourceLocation: sourceLocation)
    }

    /// The failure of an outcome, or nil.
    static func failure(_ outcome: AdapterOutcome) -> AdapterFailure? {
        if case .failed(let f) = outcome.resolvedWithoutState { return f }
        return nil
    }

    /// The reason of a `filtered` outcome, or nil.
    static func filteredReason(_ outcome: AdapterOutcome) -> String? {
        if case .filtered(let reason) = outcome.resolvedWithoutState { return reason }
        return nil
    }
}
