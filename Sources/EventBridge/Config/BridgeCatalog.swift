import Basics
import Contracts
import Foundation

/// What the pipeline validates and adapts with: the contracts and the mappings of a config's
/// directories, loaded together, and a digest of the files they came from. `run` loads it at
/// start and on reload; `config check` and `reload` load it to check it; `dlq replay` compares the
/// running bridge's digest with the one on disk (docs/operations.md, "Reload").
public struct BridgeCatalog: Sendable {
    public let registry: ContractRegistry
    public let adapters: AdapterCatalog
    /// `sha256:<hex>` over the catalog files (`digest(of:)`), taken before they were loaded.
    public let digest: String

    /// Loads the contracts and mappings `config` names. A catalog without contracts is refused:
    /// the bridge would dead-letter every event as `contract.unknown_type`.
    /// - Throws: `ConfigError` with every problem, under `/contracts` or `/mappings`.
    public static func load(_ config: BridgeConfig, file: String = "<config>") throws(ConfigError) -> BridgeCatalog {
        // The digest first: if a file changes while loading, the digest is the older one and a
        // comparison with the disk says "different" (the safe answer), never "same" for a stale load.
        let digest = digest(of: config)
        let contractsDir = config.resolve(config.contractsDir)
        var problems: [ConfigProblem] = []
        var registry: ContractRegistry?
        do {
            registry = try ContractRegistry.load(directory: contractsDir)
        } catch {
            problems += error.problems.map { ConfigProblem(path: "/contracts", message: $0.description) }
        }
        if let r = registry, r.types.isEmpty {
            problems.append(ConfigProblem(path: "/contracts", message: "no contracts in \(contractsDir) (files named <type>.v<N>.json): "
                                              + "the bridge would dead-letter every event as contract.unknown_type"))
        }
        var adapters: AdapterCatalog?
        do {
            adapters = try AdapterCatalog(directory: config.resolve(config.mappingsDir))
        } catch {
            problems += error.problems.map { ConfigProblem(path: "/mappings", message: $0.description) }
        }
        guard problems.isEmpty, let registry, let adapters else { throw ConfigError(file: file, problems: problems) }
        return BridgeCatalog(registry: registry, adapters: adapters, digest: digest)
    }

    /// `sha256:<hex>` of the catalog files as they are on disk now: every `*.json` file directly in
    /// the contracts and the mappings directory (what the loaders read), by name, each as its
    /// directory's role, its name and its bytes. Unreadable files count as empty.
    public static func digest(of config: BridgeConfig) -> String {
        var hasher = SHA256()
        for (role, directory) in [("contracts", config.contractsDir), ("mappings", config.mappingsDir)] {
            let path = config.resolve(directory)
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
            for name in names {
                let bytes = FileManager.default.contents(atPath: (path as NSString).appendingPathComponent(name)).map { [UInt8]($0) } ?? []
                hasher.update(Array("\(role)/\(name)\u{0}\(bytes.count)\u{0}".utf8))
                hasher.update(bytes)
            }
        }
        return "sha256:" + Hex.string(hasher.finalize())
    }
}
