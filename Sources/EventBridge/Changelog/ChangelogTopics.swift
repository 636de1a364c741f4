import Basics
import Dispatch
import KafkaClient
import Observability

/// The topics that back the store (docs/scaling.md): per source topic a compacted changelog with the
/// source's partition count — partition *p* holds the state of source partition *p* — and one
/// compacted global topic for what no single partition owns (readiness, the DLQ book, operators'
/// requests). Named after the consumer group, so two bridges on one cluster never share state.
public struct ChangelogTopics: Sendable {
    public let groupId: String
    public let sources: [String]

    public init(groupId: String, sources: [String]) {
        self.groupId = groupId
        self.sources = sources
    }

    public func changelog(of source: String) -> String { "\(groupId).\(source).changelog" }
    public var global: String { "\(groupId).eventbridge.global" }

    /// The changelog partition of a source partition.
    public func changelog(of partition: TopicPartition) -> TopicPartition {
        TopicPartition(topic: changelog(of: partition.topic), partition: partition.partition)
    }

    /// The source partition of a changelog partition (nil for the global topic or a stranger).
    public func source(of changelog: TopicPartition) -> TopicPartition? {
        sources.first { self.changelog(of: $0) == changelog.topic }.map { TopicPartition(topic: $0, partition: changelog.partition) }
    }

    public var all: [String] { sources.map(changelog(of:)) + [global] }

    /// Checks that every changelog topic exists with its source's partition count; creates the
    /// missing ones when `create` is set. Throws a clear configuration error otherwise.
    public func ensure(admin: KafkaAdmin, create: Bool, replicationFactor: Int32, logger: Logger) async throws {
        let described = try await admin.describeTopics(sources + all)
        var partitions: [String: Int32] = [:]
        for t in described where t.error == nil { partitions[t.name] = Int32(t.partitions.count) }
        for source in sources where partitions[source] == nil {
            throw KafkaError(.unknownTopicOrPartition, message: "source topic \(source) does not exist (the changelog needs its partition count)")
        }
        let wanted = sources.map { (changelog(of: $0), partitions[$0] ?? 1) } + [(global, Int32(1))]
        for (topic, count) in wanted {
            if let have = partitions[topic] {
                guard have == count else {
                    throw KafkaError(.configuration, message: "changelog topic \(topic) has \(have) partitions, its source \(count): "
                                        + "state of source partition p lives in changelog partition p, so they must match")
                }
                continue
            }
            guard create else {
                throw KafkaError(.unknownTopicOrPartition, message: "changelog topic \(topic) does not exist "
                                    + "(create it compacted with \(count) partitions, or set changelog.createTopics)")
            }
            let created: KafkaError? = await Self.create(admin, topic, count, replicationFactor)
            if let created, created.code != .topicAlreadyExists { throw created }  // (another instance may have created it meanwhile)
            if created == nil { logger.notice("created changelog topic", ["topic": topic, "partitions": String(count)]) }
        }
    }
}

extension ChangelogTopics {
    /// Creates a compacted topic; the error, if any.
    fileprivate static func create(_ admin: KafkaAdmin, _ topic: String, _ partitions: Int32, _ replicationFactor: Int32) async -> KafkaError? {
        do {
            try await admin.createTopic(topic, partitions: partitions, replicationFactor: replicationFactor, configs: ["cleanup.policy": "compact"])
            return nil
        } catch {
            return error
        }
    }
}

/// Runs async Kafka admin work from a thread that may block (the pipeline thread, the CLI).
func blocking<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
    let done = DispatchSemaphore(value: 0)
    let result = ResultBox<T>()
    Task.detached {
        do { result.value = .success(try await work()) } catch { result.value = .failure(error) }
        done.signal()
    }
    done.wait()
    return try result.value!.get()
}

/// `@unchecked Sendable`: written once by the task before it signals the semaphore, read after
/// the waiter returns from `wait()` (the semaphore orders the two).
private final class ResultBox<T>: @unchecked Sendable {
    var value: Result<T, Error>?
}
