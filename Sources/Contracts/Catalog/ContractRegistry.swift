import Foundation

/// Every contract of a catalog directory, by type and version.
///
/// Loading is all or nothing: either every file parses, compiles and fits with the others (no two
/// files for one type and version, versions of a type numbered 1…N without gaps, file names
/// `<type>.v<N>.json`, prerequisites naming known types), or `load` throws one error listing every
/// problem with its file and JSON Pointer.
public struct ContractRegistry: Sendable {
    private let byType: [String: ContractFamily]
    private let newestByType: [String: NewestContract]

    /// The types, sorted.
    public let types: [String]

    /// Builds a registry from parsed contracts, checking that they fit together.
    public init(contracts: [Contract]) throws(ContractLoadError) {
        var problems: [ContractProblem] = []
        var grouped: [String: [Int: Contract]] = [:]
        for c in contracts {
            if let other = grouped[c.type]?[c.version] {
                problems.append(ContractProblem(file: c.file, pointer: JSONPointer(tokens: ["version"]), message: "\(c.ref) is also defined in \(other.file)"))
                continue
            }
            grouped[c.type, default: [:]][c.version] = c
        }
        var families: [String: ContractFamily] = [:]
        for (type, versions) in grouped {
            let sorted = versions.keys.sorted()
            for (expected, v) in zip(1..., sorted) where expected != v {
                problems.append(ContractProblem(file: versions[v]?.file ?? "", pointer: JSONPointer(tokens: ["version"]), message: "\(type) has version \(v) but no version \(expected)"))
                break
            }
            families[type] = ContractFamily(versions: sorted.compactMap { versions[$0] })
        }
        for c in contracts {
            if let p = c.prerequisite, grouped[p.type] == nil {
                problems.append(ContractProblem(file: c.file, pointer: JSONPointer(tokens: ["prerequisite", "type"]), message: "unknown type '\(p.type)'"))
            }
        }
        guard problems.isEmpty else { throw ContractLoadError(problems: problems) }
        byType = families
        newestByType = families.mapValues { NewestContract($0.latest) }
        types = families.keys.sorted()
    }

    /// Loads every `*.json` file directly inside `directory` (subfolders such as `examples/` are not read).
    public static func load(directory: String) throws(ContractLoadError) -> ContractRegistry {
        let files: [String]
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") }.sorted()
        } catch {
            throw ContractLoadError(problems: [ContractProblem(file: directory, pointer: .root, message: "cannot read the directory: \(error.localizedDescription)")])
        }
        var contracts: [Contract] = []
        var problems: [ContractProblem] = []
        for name in files {
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            switch loadFile(path) {
            case .success(let c):
                let expected = "\(c.type).v\(c.version).json"
                if name != expected {
                    problems.append(ContractProblem(file: path, pointer: .root, message: "a contract for \(c.ref) belongs in a file named \(expected)"))
                }
                contracts.append(c)
            case .failure(let e):
                problems.append(contentsOf: e.problems)
            }
        }
        let registry: ContractRegistry
        do {
            registry = try ContractRegistry(contracts: contracts)
        } catch {
            throw ContractLoadError(problems: problems + error.problems)
        }
        guard problems.isEmpty else { throw ContractLoadError(problems: problems) }
        return registry
    }

    /// Reads and parses one contract file.
    public static func loadFile(_ path: String) -> Result<Contract, ContractLoadError> {
        guard let data = FileManager.default.contents(atPath: path) else {
            return .failure(ContractLoadError(problems: [ContractProblem(file: path, pointer: .root, message: "cannot read the file")]))
        }
        do {
            let json = try data.withUnsafeBytes { (raw) throws(JSONParseError) in try JSONParser.parse(raw) }
            return Contract.parse(json, file: path)
        } catch {
            return .failure(ContractLoadError(problems: [ContractProblem(file: path, pointer: .root, message: "not JSON: \(error)")]))
        }
    }

    /// Every version of `type`, oldest first; nil for an unknown type.
    public func family(_ type: String) -> ContractFamily? { byType[type] }

    /// The versions of `type`, ascending (empty for an unknown type).
    public func versions(of type: String) -> [Int] { byType[type]?.versions.map(\.version) ?? [] }

    /// The newest version of `type`.
    public func latest(_ type: String) -> Contract? { byType[type]?.latest }

    /// The newest version of `type` with its texts made once (`NewestContract`).
    public func newest(_ type: String) -> NewestContract? { newestByType[type] }

    /// One version of one type.
    public func contract(_ type: String, version: Int) -> Contract? { byType[type]?.contract(version: version) }

    /// Every contract, by type then version.
    public var all: [Contract] { types.flatMap { byType[$0]?.versions ?? [] } }

    /// Upcasts a `type` document from version `from` to `to` (default: the latest), validating the
    /// result of each step against its target version.
    public func upcast(_ document: JSONValue, type: String, from: Int, to: Int? = nil) -> Result<JSONValue, UpcastError> {
        guard let family = byType[type] else {
            return .failure(UpcastError(type: type, from: from, to: to ?? from, stepFrom: from, reason: .unknownVersion("unknown type '\(type)'")))
        }
        return family.upcast(document, from: from, to: to ?? family.latest.version)
    }
}

/// The newest contract of a type and what every event it accepts needs from it, made once when the
/// catalog loads. It is read through a class reference, so an event's preparation neither copies
/// the contract (a struct of some twenty references, about 1,100 instructions to copy and drop)
/// nor writes its `dataschema` again (docs/performance.md, ninth session).
public final class NewestContract: Sendable {
    public let contract: Contract
    public let ref: ContractRef
    /// `ref.dataschema`.
    public let dataschema: String
    /// The UTF-8 bytes of `ref.type` and of `dataschema`, as header values take them.
    public let typeBytes: [UInt8]
    public let dataschemaBytes: [UInt8]
    public let prerequisite: Contract.Prerequisite?
    /// The contract's tape check (`TapeChecked`).
    public let tapeCheck: TapeContract?

    init(_ contract: Contract) {
        self.contract = contract
        prerequisite = contract.prerequisite
        tapeCheck = contract.tape
        ref = contract.ref
        dataschema = contract.ref.dataschema
        typeBytes = Array(contract.type.utf8)
        dataschemaBytes = Array(dataschema.utf8)
    }
}
