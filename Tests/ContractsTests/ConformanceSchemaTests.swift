import Foundation
import Testing
@testable import Contracts

/// The JSON Schema Test Suite (draft 2020-12) from `../shared/conformance`, next to the package
/// root as CI lays it out. A fresh checkout without that folder skips these tests (the trait's
/// comment says so in the test output); it never counts them as passed.
enum SchemaSuite {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// `../shared/conformance`, or the folder `EVENTBRIDGE_CONFORMANCE` names (a worktree checked
    /// out elsewhere than CI lays it out).
    static let conformance = ProcessInfo.processInfo.environment["EVENTBRIDGE_CONFORMANCE"].map { URL(fileURLWithPath: $0) }
        ?? packageRoot.deletingLastPathComponent().appendingPathComponent("shared/conformance")
    static let root = conformance.appendingPathComponent("json-schema-test-suite")
    static let tests = root.appendingPathComponent("draft2020-12")
    static var available: Bool { FileManager.default.fileExists(atPath: tests.path) }

    /// Cases deliberately not run, as `file: case description / test description` → reason.
    /// Keep in step with docs/json-schema.md. Currently none.
    static let exclusions: [String: String] = [:]

    /// Main-suite files run with `assertFormats: false` (the suite's `format.json` expects
    /// formats to be annotations by default).
    static var mainFiles: [String] {
        guard available, let names = try? FileManager.default.contentsOfDirectory(atPath: tests.path) else { return [] }
        return names.filter { $0.hasSuffix(".json") }.sorted()
    }

    /// Optional format files, run with `assertFormats: true`.
    static let formatFiles = ["optional/format/date.json", "optional/format/date-time.json", "optional/format/email.json", "optional/format/uuid.json"]

    /// Every remote under `remotes/draft2020-12`, at `http://localhost:1234/draft2020-12/<path>`.
    static let registry: SchemaRegistry = {
        let registry = SchemaRegistry()
        let remotes = root.appendingPathComponent("remotes")
        let folder = remotes.appendingPathComponent("draft2020-12")
        guard let walker = FileManager.default.enumerator(atPath: folder.path) else { return registry }
        for case let relative as String in walker where relative.hasSuffix(".json") {
            let file = folder.appendingPathComponent(relative).path
            do {
                let schema = try SchemaRegistry.readSchema(file)
                try registry.add(schema, uri: "http://localhost:1234/draft2020-12/" + relative)
            } catch {
                Issue.record("remote \(relative): \(error)")
            }
        }
        return registry
    }()

    struct Outcome {
        var passed = 0
        var excluded = 0
        var failures: [String] = []
    }

    /// Runs every case of one suite file; returns counts and one line per failing test.
    static func run(_ file: String, assertFormats: Bool) throws -> Outcome {
        let data = try Data(contentsOf: tests.appendingPathComponent(file))
        let document = try data.withUnsafeBytes { try JSONParser.parse($0) }
        var outcome = Outcome()
        for group in document.arrayValue ?? [] {
            let description = group["description"]?.stringValue ?? "?"
            guard let schema = group["schema"], let cases = group["tests"]?.arrayValue else { continue }
            let compiled: CompiledSchema
            do {
                compiled = try CompiledSchema.compile(schema, registry: registry, options: SchemaOptions(assertFormats: assertFormats))
            } catch {
                outcome.failures.append("\(file): \(description): schema did not compile: \(error)")
                continue
            }
            for test in cases {
                let name = "\(file): \(description) / \(test["description"]?.stringValue ?? "?")"
                if exclusions[name] != nil {
                    outcome.excluded += 1
                    continue
                }
                guard let data = test["data"], let expected = test["valid"]?.boolValue else { continue }
                let fast = compiled.isValid(data)
                let report = compiled.validate(data)
                if fast != expected || report.isValid != expected {
                    outcome.failures.append("\(name): expected \(expected), isValid \(fast), validate \(report.isValid) \(report.violations.map(\.description))")
                } else if !expected && report.violations.isEmpty {
                    outcome.failures.append("\(name): invalid without any violation")
                } else {
                    outcome.passed += 1
                }
            }
        }
        return outcome
    }
}

@Suite(.enabled(if: SchemaSuite.available, "skipped: ../shared/conformance/json-schema-test-suite not found next to the package"))
struct ConformanceSchemaTests {
    @Test("draft2020-12 main suite (formats as annotations)", arguments: SchemaSuite.mainFiles)
    func mainSuite(file: String) throws {
        let outcome = try SchemaSuite.run(file, assertFormats: false)
        for failure in outcome.failures { Issue.record(Comment(rawValue: failure)) }
        #expect(outcome.passed > 0)
    }

    @Test("draft2020-12 optional formats date, date-time, email, uuid (asserting)", arguments: SchemaSuite.formatFiles)
    func formatSuite(file: String) throws {
        let outcome = try SchemaSuite.run(file, assertFormats: true)
        for failure in outcome.failures { Issue.record(Comment(rawValue: failure)) }
        #expect(outcome.passed > 0)
    }

    @Test("suite totals")
    func totals() throws {
        var passed = 0
        var excluded = 0
        var failed = 0
        for (files, assert) in [(SchemaSuite.mainFiles, false), (SchemaSuite.formatFiles, true)] {
            for file in files {
                let outcome = try SchemaSuite.run(file, assertFormats: assert)
                passed += outcome.passed
                excluded += outcome.excluded
                failed += outcome.failures.count
            }
        }
        print("JSON-Schema-Test-Suite draft2020-12: \(passed) passed, \(failed) failed, \(excluded) excluded")
        #expect(failed == 0)
        #expect(excluded == SchemaSuite.exclusions.count)
    }
}
