import CRdKafka
import Observability
import KafkaClient

/// librdkafka's in-process mock Kafka cluster, for tests that need no broker process:
/// fault injection (request errors, brokers down) included.
///
/// Point producers, consumers and admins at ``bootstrapServers``. The mock supports produce,
/// fetch, consumer groups and offsets; it does not support the CreateTopics admin API (use
/// ``createTopic(_:partitions:replicationFactor:)``).
public final class KafkaMockCluster: Sendable {
    /// Kafka protocol API keys for ``pushRequestErrors(_:api:)``.
    public struct API: Sendable, Hashable {
        public let key: Int16
        public init(key: Int16) { self.key = key }

        public static let produce = API(key: 0)
        public static let fetch = API(key: 1)
        public static let listOffsets = API(key: 2)
        public static let metadata = API(key: 3)
        public static let offsetCommit = API(key: 8)
        public static let offsetFetch = API(key: 9)
        public static let findCoordinator = API(key: 10)
        public static let joinGroup = API(key: 11)
        public static let heartbeat = API(key: 12)
        public static let initProducerID = API(key: 22)
    }

    /// The client that owns the cluster (librdkafka needs one for bookkeeping).
    private let client: RDKafkaClient
    private let serviceThread: KafkaPollThread
    /// `rd_kafka_mock_cluster_t *`.
    private let cluster: MockClusterPointer
    /// `host:port,…` of the mock brokers (ids 1…brokers).
    public let bootstrapServers: String

    /// An immutable `rd_kafka_mock_cluster_t *`. `@unchecked Sendable`: the mock cluster's
    /// API is thread-safe (each call is a message to the cluster's own thread), and the pointer
    /// is destroyed only in ``KafkaMockCluster``'s `deinit`, when no other reference exists.
    private struct MockClusterPointer: @unchecked Sendable {
        let pointer: OpaquePointer
    }

    /// Starts a mock cluster with `brokers` brokers and no initial rebalance delay.
    public init(brokers: Int = 3, logger: Logger) throws(KafkaError) {
        let client = try RDKafkaClient(
            kind: .producer, config: KafkaConfig(), events: Int32(RD_KAFKA_EVENT_ERROR | RD_KAFKA_EVENT_LOG), logger: logger)
        guard let cluster = rd_kafka_mock_cluster_new(client.handle, Int32(clamping: brokers)) else {
            throw KafkaError(.configuration, message: "cannot start a mock cluster with \(brokers) brokers")
        }
        self.client = client
        self.cluster = MockClusterPointer(pointer: cluster)
        bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
        rd_kafka_mock_group_initial_rebalance_delay_ms(cluster, 0)
        serviceThread = client.makeServiceThread(name: "eb-kafka-mock")
        serviceThread.start()
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster.pointer)
        serviceThread.stopAndJoin()
        client.destroy()
    }

    /// Creates a topic on the mock cluster.
    public func createTopic(_ name: String, partitions: Int32, replicationFactor: Int32 = 1) throws(KafkaError) {
        try KafkaError.check(
            rd_kafka_mock_topic_create(cluster.pointer, name, partitions, replicationFactor), "create mock topic \(name)")
    }

    /// Makes the next requests of this API fail, one error per request, in order (the
    /// client's retries see them too).
    public func pushRequestErrors(_ codes: [KafkaError.Code], api: API) {
        let errors = codes.compactMap { $0.rdKafkaCode.map { rd_kafka_resp_err_t($0) } }
        errors.withUnsafeBufferPointer { buffer in
            rd_kafka_mock_push_request_errors_array(cluster.pointer, api.key, buffer.count, buffer.baseAddress)
        }
    }

    /// Disconnects a broker and refuses connections to it (-1: every broker).
    public func setBrokerDown(_ id: Int32) throws(KafkaError) {
        try KafkaError.check(rd_kafka_mock_broker_set_down(cluster.pointer, id), "set mock broker \(id) down")
    }

    /// Accepts connections to a broker again (-1: every broker).
    public func setBrokerUp(_ id: Int32) throws(KafkaError) {
        try KafkaError.check(rd_kafka_mock_broker_set_up(cluster.pointer, id), "set mock broker \(id) up")
    }

    /// Delays every response of a broker by `milliseconds` (0: none), as a slow or distant broker.
    public func setBrokerRoundTrip(_ id: Int32, milliseconds: Int) throws(KafkaError) {
        try KafkaError.check(rd_kafka_mock_broker_set_rtt(cluster.pointer, id, Int32(clamping: milliseconds)), "set mock broker \(id) round trip")
    }

    /// Moves a partition's leadership to a broker.
    public func setPartitionLeader(topic: String, partition: Int32, broker: Int32) throws(KafkaError) {
        try KafkaError.check(
            rd_kafka_mock_partition_set_leader(cluster.pointer, topic, partition, broker), "set leader of \(topic):\(partition)")
    }
}
