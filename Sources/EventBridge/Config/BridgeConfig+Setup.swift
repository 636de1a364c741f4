import Contracts
import KafkaClient

/// Everything `run` builds from a config before it opens the store or connects: the catalog, the
/// pipeline's stages (the adapter of every source), and the librdkafka configurations of its
/// producer and consumer, as librdkafka itself validates them. `config check` builds the same and
/// throws away what it built, so it says "ok" only to a config `run` accepts.
public struct BridgeSetup: Sendable {
    public let catalog: BridgeCatalog
    /// The producer's and the consumer's properties (before the clients add their own defaults).
    public let producer: KafkaConfig
    public let consumer: KafkaConfig
}

extension BridgeConfig {
    /// The librdkafka properties of the bridge's producer and its consumer (one `kafka` map
    /// configures both; the consumer joins `groupId` and commits explicitly). Cooperative-sticky
    /// unless configured otherwise: a rebalance moves only the partitions that change owner, and
    /// the others keep flowing (docs/scaling.md).
    public var clientConfigs: (producer: KafkaConfig, consumer: KafkaConfig) {
        let kafka = KafkaConfig(self.kafka)
        let consumer = kafka.forConsumer
            .withDefaults(["partition.assignment.strategy": "cooperative-sticky"])
            .merging(["group.id": groupId, "enable.auto.commit": "false", "auto.offset.reset": "earliest"])
        return (kafka.forProducer, consumer)
    }

    /// Builds and checks what `run` builds, connecting to nothing (docs/configuration.md).
    /// - Throws: `ConfigError` with every problem and its JSON path: `/contracts`, `/mappings`,
    ///   `/sources/N/adapter`, `/kafka/<property>`.
    public func setUp(file: String = "<config>") throws(ConfigError) -> BridgeSetup {
        var problems: [ConfigProblem] = []
        var catalog: BridgeCatalog?
        do {
            catalog = try BridgeCatalog.load(self, file: file)
        } catch {
            problems += error.problems
        }
        if let catalog {
            for (i, source) in sources.enumerated() {
                do {
                    _ = try catalog.adapters.adapter(named: source.adapter, sourceZone: source.timeZone)
                } catch {
                    problems += error.problems.map { ConfigProblem(path: "/sources/\(i)/adapter", message: $0.description) }
                }
            }
        }
        let (producer, consumer) = clientConfigs
        var seen = Set<String>()
        for problem in KafkaProducer.configurationProblems(producer) + KafkaConsumer.configurationProblems(consumer)
        where seen.insert(problem.property).inserted {
            let path = problem.property == "group.id" && kafka["group.id"] == nil ? "/groupId" : "/kafka/\(JSONPointer.escape(problem.property))"
            problems.append(ConfigProblem(path: path, message: "librdkafka refuses it: \(problem.message)"))
        }
        guard problems.isEmpty, let catalog else { throw ConfigError(file: file, problems: problems) }
        do {
            // The stages as `run` builds them (no store: dedup answers from memory).
            _ = try EventPipeline(config: self, catalog: catalog, store: nil)
        } catch let error as ConfigError {
            throw ConfigError(file: file, problems: error.problems)
        } catch {
            throw ConfigError(file: file, problems: [ConfigProblem(path: "/sources", message: "\(error)")])
        }
        return BridgeSetup(catalog: catalog, producer: producer, consumer: consumer)
    }
}
