import Foundation

/// Everything `eventbridge contracts check` verifies about a catalog directory: every contract file
/// loads (lint), every example in `examples/` validates against its contract, every version pair
/// its compatibility mode covers has no breaking change, and every upcast carries the previous
/// version's example to a valid document.
public struct CatalogCheck: Sendable {
    /// Contract files that loaded (0 when the catalog does not load).
    public var contracts = 0
    public var types = 0
    /// Example documents validated.
    public var examples = 0
    /// Contract problems and invalid or orphaned examples.
    public var problems: [ContractProblem] = []
    /// Schema changes the modes forbid, and upcasts that fail on examples.
    public var breakingChanges: [BreakingChange] = []
    /// What holds but should change: contracts that declare no `materiality` or `syncLagObjective`
    /// (they take their workflow's default, `Workflow.defaults`). Warnings never fail the check.
    public var warnings: [ContractProblem] = []

    public var passed: Bool { problems.isEmpty && breakingChanges.isEmpty }

    /// Runs every check on `directory` (examples from `directory/examples`).
    public static func run(directory: String) -> CatalogCheck {
        var result = CatalogCheck()
        let registry: ContractRegistry
        do {
            registry = try ContractRegistry.load(directory: directory)
        } catch {
            result.problems = error.problems
            return result
        }
        result.contracts = registry.all.count
        result.warnings = objectiveWarnings(registry)
        result.types = registry.types.count
        let examplesDir = directory.hasSuffix("/") ? directory + "examples" : directory + "/examples"
        var examples: [String: JSONValue] = [:]
        let names = (try? FileManager.default.contentsOfDirectory(atPath: examplesDir)) ?? []
        for name in names.sorted() where name.hasSuffix(".json") {
            let path = examplesDir + "/" + name
            let stem = String(name.dropLast(5))
            guard let dot = stem.range(of: ".v", options: .backwards), let version = Int(stem[dot.upperBound...]),
                  let contract = registry.contract(String(stem[..<dot.lowerBound]), version: version)
            else {
                result.problems.append(ContractProblem(file: path, pointer: .root, message: "names no contract in the catalog (expected <type>.v<N>.json)"))
                continue
            }
            guard let data = FileManager.default.contents(atPath: path),
                  let doc = try? data.withUnsafeBytes({ (raw) throws(JSONParseError) in try JSONParser.parse(raw) })
            else {
                result.problems.append(ContractProblem(file: path, pointer: .root, message: "cannot read the file as JSON"))
                continue
            }
            result.examples += 1
            examples["\(contract.type).v\(version)"] = doc
            for v in contract.validate(doc).violations {
                result.problems.append(ContractProblem(file: path, pointer: v.instanceLocation, message: "invalid against \(contract.ref): \(v.message) [\(v.keywordLocation)] \(v.errorCode)"))
            }
        }
        result.breakingChanges = CompatibilityChecker.check(registry)
        for type in registry.types {
            guard let family = registry.family(type) else { continue }
            result.breakingChanges += CompatibilityChecker.checkUpcasts(family) { t, v in examples["\(t).v\(v)"].map { [$0] } ?? [] }
        }
        return result
    }

    /// One warning per contract that leaves its materiality or sync-lag objective to the default.
    static func objectiveWarnings(_ registry: ContractRegistry) -> [ContractProblem] {
        registry.all.compactMap { c in
            var missing: [String] = []
            if c.declaredMateriality == nil { missing.append("materiality") }
            if c.declaredSyncLagSeconds == nil { missing.append("syncLagObjective") }
            guard !missing.isEmpty else { return nil }
            let fallback = Workflow.defaultObjective(forType: c.type)
            return ContractProblem(
                file: c.file, pointer: .root,
                message: "declares no \(missing.joined(separator: " or ")): \(c.workflow)'s default applies (\(fallback.materiality.rawValue), sync lag \(fallback.syncLagSeconds)s)")
        }
    }

    /// `{"passed", "contracts", "types", "examples", "problems": [{"file","pointer","message"}], "breakingChanges": [...], "warnings": [...]}`.
    public var json: JSONValue {
        [
            "passed": .bool(passed), "contracts": .number(JSONNumber(contracts)), "types": .number(JSONNumber(types)),
            "examples": .number(JSONNumber(examples)),
            "problems": .array(problems.map { ["file": .string($0.file), "pointer": .string($0.pointer.description), "message": .string($0.message)] }),
            "warnings": .array(warnings.map { ["file": .string($0.file), "pointer": .string($0.pointer.description), "message": .string($0.message)] }),
            "breakingChanges": .array(breakingChanges.map {
                [
                    "file": .string($0.file), "path": .string($0.path), "direction": .string($0.direction.rawValue), "type": .string($0.type),
                    "oldVersion": .number(JSONNumber($0.oldVersion)), "newVersion": .number(JSONNumber($0.newVersion)), "reason": .string($0.reason),
                ]
            }),
        ]
    }
}
