import CRdKafka
import Basics
import Observability

/// Cluster administration: topics and group offsets.
///
/// Every call is a blocking librdkafka request run on the admin client's own serial queue
/// (never Swift's cooperative pool), bounded by its `timeout`. A broker that cannot be reached
/// surfaces as a retriable ``KafkaError`` (`_TRANSPORT`, `_TIMED_OUT`, …) once the timeout passes.
public final class KafkaAdmin: Sendable {
    private let client: RDKafkaClient
    private let serviceThread: KafkaPollThread

    /// Creates an admin client. `config` needs `bootstrap.servers` (or `test.mock.num.brokers`);
    /// its consumer- and producer-only properties are left out (``KafkaConfig/forAdmin``).
    public init(config: KafkaConfig, logger: Logger) throws(KafkaError) {
        let client = try RDKafkaClient(
            kind: .producer, config: config.forAdmin, events: Int32(RD_KAFKA_EVENT_ERROR | RD_KAFKA_EVENT_LOG), logger: logger)
        self.client = client
        serviceThread = client.makeServiceThread(name: "eb-kafka-admin")
        serviceThread.start()
    }

    deinit {
        serviceThread.stopAndJoin()
        client.destroy()
    }

    /// Creates a topic.
    /// - Parameters:
    ///   - replicationFactor: -1 for the broker's default.
    ///   - configs: topic configuration (`cleanup.policy`, `retention.ms`, …).
    /// - Throws: ``KafkaError/Code/topicAlreadyExists`` when it exists; librdkafka's or the broker's error otherwise.
    public func createTopic(
        _ name: String, partitions: Int32, replicationFactor: Int32 = -1, configs: [String: String] = [:],
        timeout: Duration = .seconds(30)
    ) async throws(KafkaError) {
        guard partitions > 0 else { throw KafkaError(.invalidArgument, message: "a topic needs at least one partition") }
        let client = client
        try await client.run { () throws(KafkaError) in
            let (created, text) = RDKafkaErrorBuffer.with { rd_kafka_NewTopic_new(name, partitions, replicationFactor, $0, $1) }
            guard let topic = created else { throw KafkaError(.invalidArgument, message: "topic \(name): \(text)") }
            var topics: [OpaquePointer?] = [topic]
            defer { rd_kafka_NewTopic_destroy_array(&topics, 1) }
            for (key, value) in configs.sorted(by: { $0.key < $1.key }) {
                try KafkaError.check(rd_kafka_NewTopic_set_config(topic, key, value), "topic config \(key)")
            }
            let event = try KafkaAdmin.request(client, RD_KAFKA_ADMIN_OP_CREATETOPICS, timeout) { options, queue in
                rd_kafka_CreateTopics(client.handle, &topics, 1, options, queue)
            }
            defer { rd_kafka_event_destroy(event) }
            var count = 0
            let results = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count)
            try KafkaAdmin.checkTopicResults(results, count, "create topic")
        }
    }

    /// Deletes topics (all or nothing is not guaranteed: the first failure is thrown).
    public func deleteTopics(_ names: [String], timeout: Duration = .seconds(30)) async throws(KafkaError) {
        guard !names.isEmpty else { return }
        let client = client
        try await client.run { () throws(KafkaError) in
            var topics: [OpaquePointer?] = names.map { rd_kafka_DeleteTopic_new($0) }
            defer { rd_kafka_DeleteTopic_destroy_array(&topics, topics.count) }
            let event = try KafkaAdmin.request(client, RD_KAFKA_ADMIN_OP_DELETETOPICS, timeout) { options, queue in
                rd_kafka_DeleteTopics(client.handle, &topics, topics.count, options, queue)
            }
            defer { rd_kafka_event_destroy(event) }
            var count = 0
            let results = rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(event), &count)
            try KafkaAdmin.checkTopicResults(results, count, "delete topic")
        }
    }

    /// The cluster's brokers and all its topics.
    public func metadata(timeout: Duration = .seconds(10)) async throws(KafkaError) -> KafkaClusterMetadata {
        let client = client
        let ms = timeout.rdKafkaMilliseconds
        return try await client.run { () throws(KafkaError) in
            var md: UnsafePointer<rd_kafka_metadata_t>?
            let err = rd_kafka_metadata(client.handle, 1, nil, &md, ms)
            try KafkaError.check(err, "metadata from \(client.bootstrap)")
            guard let md else { throw KafkaError.rdKafka(RD_KAFKA_RESP_ERR__BAD_MSG, message: "empty metadata") }
            defer { rd_kafka_metadata_destroy(md) }
            return KafkaClusterMetadata(md)
        }
    }

    /// Asks the cluster for its brokers only (a metadata request naming no topic): the cheapest
    /// round trip that proves a broker answers. Blocks the calling thread (never call it from
    /// Swift's cooperative pool) up to `timeout`; returns the number of brokers.
    public func brokersBlocking(timeout: Duration) throws(KafkaError) -> Int {
        let ms = timeout.rdKafkaMilliseconds
        return try client.exclusive { () throws(KafkaError) -> Int in
            var md: UnsafePointer<rd_kafka_metadata_t>?
            try KafkaError.check(rd_kafka_metadata(client.handle, 0, nil, &md, ms), "metadata from \(client.bootstrap)")
            defer { if let md { rd_kafka_metadata_destroy(md) } }
            return Int(md?.pointee.broker_cnt ?? 0)
        }
    }

    /// Every topic name, sorted (internal topics such as `__consumer_offsets` included).
    public func listTopics(timeout: Duration = .seconds(10)) async throws(KafkaError) -> [String] {
        try await metadata(timeout: timeout).topics.map(\.name)
    }

    /// Describes topics. A topic the cluster does not have is returned with the error
    /// `UNKNOWN_TOPIC_OR_PART` and no partitions.
    public func describeTopics(_ names: [String], timeout: Duration = .seconds(10)) async throws(KafkaError) -> [KafkaTopicMetadata] {
        let cluster = try await metadata(timeout: timeout)
        return names.map { name in
            cluster.topic(name)
                ?? KafkaTopicMetadata(name: name, partitions: [], error: String(cString: rd_kafka_err2name(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)))
        }
    }

    /// A consumer group's committed position (next offset to consume) for every partition of
    /// these topics, sorted; nil where the group has committed nothing.
    public func committedOffsets(group: String, topics: [String], timeout: Duration = .seconds(10)) async throws(KafkaError)
        -> [(partition: TopicPartition, offset: Int64?)] {
        let described = try await describeTopics(topics, timeout: timeout)
        if let missing = described.first(where: { $0.error != nil }) {
            throw KafkaError(.unknownTopicOrPartition, message: "topic \(missing.name): \(missing.error ?? "")")
        }
        let partitions = described.flatMap { topic in
            topic.partitions.map { TopicPartition(topic: topic.name, partition: $0.id) }
        }
        let client = client
        return try await client.run { () throws(KafkaError) in
            let list = RDKafkaPartitionList(partitions)
            var requests: [OpaquePointer?] = [rd_kafka_ListConsumerGroupOffsets_new(group, list.pointer)]
            defer { rd_kafka_ListConsumerGroupOffsets_destroy_array(&requests, 1) }
            let event = try KafkaAdmin.request(client, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, timeout) { options, queue in
                rd_kafka_ListConsumerGroupOffsets(client.handle, &requests, 1, options, queue)
            }
            defer { rd_kafka_event_destroy(event) }
            var count = 0
            let groups = rd_kafka_ListConsumerGroupOffsets_result_groups(rd_kafka_event_ListConsumerGroupOffsets_result(event), &count)
            guard let groups, count > 0, let result = groups[0] else {
                throw KafkaError(.invalidArgument, message: "no result for group \(group)")
            }
            if let error = rd_kafka_group_result_error(result) {
                throw KafkaError(.rdKafka(rd_kafka_error_code(error).rawValue), message: String(cString: rd_kafka_error_string(error)))
            }
            let offsets = rd_kafka_group_result_partitions(result)
            if let (partition, err) = RDKafkaPartitionList.firstError(of: offsets) {
                throw KafkaError.rdKafka(err, message: "committed offset of \(partition): \(String(cString: rd_kafka_err2str(err)))")
            }
            return RDKafkaPartitionList.offsets(of: offsets).sorted { $0.partition < $1.partition }
        }
    }

    /// Issues one admin request on a private queue and waits for its result event (which the
    /// caller destroys). Throws the request-level error.
    private static func request(
        _ client: RDKafkaClient, _ op: rd_kafka_admin_op_t, _ timeout: Duration,
        _ issue: (OpaquePointer?, OpaquePointer?) -> Void
    ) throws(KafkaError) -> OpaquePointer {
        guard let queue = rd_kafka_queue_new(client.handle) else { throw KafkaError(.invalidArgument, message: "no result queue") }
        defer { rd_kafka_queue_destroy(queue) }
        let options = rd_kafka_AdminOptions_new(client.handle, op)
        defer { rd_kafka_AdminOptions_destroy(options) }
        let ms = timeout.rdKafkaMilliseconds
        _ = RDKafkaErrorBuffer.with { rd_kafka_AdminOptions_set_request_timeout(options, ms, $0, $1) }
        _ = RDKafkaErrorBuffer.with { rd_kafka_AdminOptions_set_operation_timeout(options, ms, $0, $1) }
        issue(options, queue)
        // librdkafka answers within the request timeout; the margin only guards against a hang.
        guard let event = rd_kafka_queue_poll(queue, ms &+ 5000) else {
            throw KafkaError(.timedOut, message: "no answer from \(client.bootstrap) within \(timeout)")
        }
        let err = rd_kafka_event_error(event)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            let text = rd_kafka_event_error_string(event).map { String(cString: $0) } ?? String(cString: rd_kafka_err2str(err))
            rd_kafka_event_destroy(event)
            throw KafkaError.rdKafka(err, message: "\(text) (broker \(client.bootstrap))")
        }
        return event
    }

    private static func checkTopicResults(_ results: UnsafeMutablePointer<OpaquePointer?>?, _ count: Int, _ what: String) throws(KafkaError) {
        guard let results else { return }
        for i in 0..<count {
            guard let result = results[i] else { continue }
            let err = rd_kafka_topic_result_error(result)
            guard err != RD_KAFKA_RESP_ERR_NO_ERROR else { continue }
            let name = rd_kafka_topic_result_name(result).map { String(cString: $0) } ?? "?"
            let text = rd_kafka_topic_result_error_string(result).map { String(cString: $0) } ?? String(cString: rd_kafka_err2str(err))
            throw KafkaError.rdKafka(err, message: "\(what) \(name): \(text)")
        }
    }
}
