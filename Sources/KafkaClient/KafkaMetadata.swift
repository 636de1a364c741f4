import CRdKafka

/// A broker of the cluster, as metadata names it.
public struct KafkaBrokerMetadata: Sendable, Hashable {
    public var id: Int32
    public var host: String
    public var port: Int32

    public init(id: Int32, host: String, port: Int32) {
        self.id = id
        self.host = host
        self.port = port
    }
}

/// A partition of a topic: its leader and replicas.
public struct KafkaPartitionMetadata: Sendable, Hashable {
    public var id: Int32
    /// The leader broker id, -1 when there is none.
    public var leader: Int32
    public var replicas: [Int32]
    public var inSyncReplicas: [Int32]
    /// librdkafka's name of the partition's error, nil when none.
    public var error: String?

    public init(id: Int32, leader: Int32, replicas: [Int32], inSyncReplicas: [Int32], error: String? = nil) {
        self.id = id
        self.leader = leader
        self.replicas = replicas
        self.inSyncReplicas = inSyncReplicas
        self.error = error
    }
}

/// A topic and its partitions, sorted by partition id.
public struct KafkaTopicMetadata: Sendable, Hashable {
    public var name: String
    public var partitions: [KafkaPartitionMetadata]
    /// librdkafka's name of the topic's error (e.g. `UNKNOWN_TOPIC_OR_PART`), nil when none.
    public var error: String?

    public init(name: String, partitions: [KafkaPartitionMetadata], error: String? = nil) {
        self.name = name
        self.partitions = partitions
        self.error = error
    }

    /// The replication factor (replicas of the first partition; 0 for no partitions).
    public var replicationFactor: Int { partitions.first?.replicas.count ?? 0 }
}

/// What the cluster says about its brokers and topics.
public struct KafkaClusterMetadata: Sendable, Hashable {
    public var brokers: [KafkaBrokerMetadata]
    /// Topics sorted by name.
    public var topics: [KafkaTopicMetadata]
    /// The broker that answered.
    public var originBrokerID: Int32

    public init(brokers: [KafkaBrokerMetadata], topics: [KafkaTopicMetadata], originBrokerID: Int32) {
        self.brokers = brokers
        self.topics = topics
        self.originBrokerID = originBrokerID
    }

    /// The topic with this name, if the cluster has it.
    public func topic(_ name: String) -> KafkaTopicMetadata? {
        topics.first { $0.name == name }
    }

    /// Copies librdkafka's metadata (which the caller then destroys).
    init(_ md: UnsafePointer<rd_kafka_metadata_t>) {
        let m = md.pointee
        var brokers: [KafkaBrokerMetadata] = []
        for i in 0..<Int(max(m.broker_cnt, 0)) {
            guard let b = m.brokers?[i] else { continue }
            brokers.append(KafkaBrokerMetadata(id: b.id, host: b.host.map { String(cString: $0) } ?? "", port: b.port))
        }
        var topics: [KafkaTopicMetadata] = []
        for i in 0..<Int(max(m.topic_cnt, 0)) {
            guard let t = m.topics?[i] else { continue }
            var partitions: [KafkaPartitionMetadata] = []
            for k in 0..<Int(max(t.partition_cnt, 0)) {
                guard let p = t.partitions?[k] else { continue }
                partitions.append(
                    KafkaPartitionMetadata(
                        id: p.id, leader: p.leader,
                        replicas: KafkaClusterMetadata.ids(p.replicas, p.replica_cnt),
                        inSyncReplicas: KafkaClusterMetadata.ids(p.isrs, p.isr_cnt),
                        error: KafkaClusterMetadata.errorName(p.err)))
            }
            partitions.sort { $0.id < $1.id }
            topics.append(
                KafkaTopicMetadata(
                    name: t.topic.map { String(cString: $0) } ?? "", partitions: partitions,
                    error: KafkaClusterMetadata.errorName(t.err)))
        }
        topics.sort { $0.name < $1.name }
        self.init(brokers: brokers.sorted { $0.id < $1.id }, topics: topics, originBrokerID: m.orig_broker_id)
    }

    private static func ids(_ pointer: UnsafeMutablePointer<Int32>?, _ count: Int32) -> [Int32] {
        guard let pointer, count > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: pointer, count: Int(count)))
    }

    private static func errorName(_ err: rd_kafka_resp_err_t) -> String? {
        err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : String(cString: rd_kafka_err2name(err))
    }
}
