import CRdKafka
import Basics
import Observability

/// A change of the consumer's partition assignment, shown to the caller synchronously.
///
/// The consumer's rebalance handler runs on the thread that polls (inside
/// ``KafkaConsumer/poll(maxRecords:timeout:)``, or during ``KafkaConsumer/close()``), so a
/// stage can act before partitions move:
/// - ``Kind-swift.enum/assigned``: called after the partitions are added; no record of theirs has
///   been returned yet.
/// - ``Kind-swift.enum/revoked``: called *before* the partitions are removed: flush state and
///   store/commit their offsets now (``KafkaConsumer/commit()`` works inside the handler).
/// - ``Kind-swift.enum/lost``: the partitions were already taken away (session timeout); their
///   offsets can no longer be committed. Drop in-flight work for them.
public struct KafkaRebalanceEvent: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        case assigned, revoked, lost
    }

    public var kind: Kind
    /// The partitions added or removed (for an eager protocol: the whole assignment).
    public var partitions: [TopicPartition]
    /// Whether the group uses the cooperative protocol (incremental changes) rather than eager.
    public var isCooperative: Bool

    public init(kind: Kind, partitions: [TopicPartition], isCooperative: Bool) {
        self.kind = kind
        self.partitions = partitions
        self.isCooperative = isCooperative
    }

    public var description: String {
        "\(kind) \(partitions.map(\.description).joined(separator: ","))\(isCooperative ? " (cooperative)" : "")"
    }
}

/// The one object handed to librdkafka's rebalance callback through the configuration opaque.
///
/// Lifetime: ``KafkaConsumer`` creates it and passes it with `Unmanaged.passRetained`, so
/// librdkafka's raw pointer owns one reference. The callback only borrows it
/// (`takeUnretainedValue`). The consumer releases that reference only after `rd_kafka_destroy`
/// has returned — after which librdkafka can no longer call the callback — so the pointer is
/// valid on every call. All stored properties are immutable and Sendable.
final class KafkaRebalanceContext: Sendable {
    typealias Handler = @Sendable (KafkaRebalanceEvent) -> Void

    private let handler: Handler?
    private let logger: Logger

    init(handler: Handler?, logger: Logger) {
        self.handler = handler
        self.logger = logger
    }

    /// The C callback, registered with `rd_kafka_conf_set_rebalance_cb`. It captures nothing;
    /// the context comes through `opaque`.
    static let callback: @convention(c) (
        OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, UnsafeMutableRawPointer?
    ) -> Void = { handle, err, partitions, opaque in
        guard let handle, let opaque else { return }
        // Borrowed, not consumed: the consumer holds the retained reference until after destroy.
        let context = Unmanaged<KafkaRebalanceContext>.fromOpaque(opaque).takeUnretainedValue()
        context.rebalance(handle: handle, err: err, partitions: partitions)
    }

    /// Applies an assignment change the way the group's protocol requires and tells the handler.
    func rebalance(handle: OpaquePointer, err: rd_kafka_resp_err_t, partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) {
        let cooperative = rd_kafka_rebalance_protocol(handle).map { String(cString: $0) } == "COOPERATIVE"
        let changed = RDKafkaPartitionList.partitions(of: partitions)
        switch err {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            let failure = cooperative ? incrementalAssign(handle, partitions) : eagerAssign(handle, partitions)
            if let failure {
                logger.error("applying the assignment failed", ["error": failure.description])
            }
            logger.info("partitions assigned", ["partitions": describe(changed), "cooperative": String(cooperative)])
            handler?(KafkaRebalanceEvent(kind: .assigned, partitions: changed, isCooperative: cooperative))
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            let lost = rd_kafka_assignment_lost(handle) != 0
            logger.info(lost ? "partitions lost" : "partitions revoked", ["partitions": describe(changed)])
            handler?(KafkaRebalanceEvent(kind: lost ? .lost : .revoked, partitions: changed, isCooperative: cooperative))
            let failure = cooperative ? incrementalUnassign(handle, partitions) : eagerAssign(handle, nil)
            if let failure {
                logger.error("removing the assignment failed", ["error": failure.description])
            }
        default:
            // librdkafka asks to synchronize state on an unexpected rebalance error.
            logger.error("rebalance error", ["error": String(cString: rd_kafka_err2str(err))])
            _ = eagerAssign(handle, nil)
        }
    }

    private func eagerAssign(_ handle: OpaquePointer, _ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) -> KafkaError? {
        let err = rd_kafka_assign(handle, list)
        return err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError.rdKafka(err)
    }

    private func incrementalAssign(_ handle: OpaquePointer, _ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) -> KafkaError? {
        rd_kafka_incremental_assign(handle, list).map { KafkaError.consuming($0) }
    }

    private func incrementalUnassign(_ handle: OpaquePointer, _ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) -> KafkaError? {
        rd_kafka_incremental_unassign(handle, list).map { KafkaError.consuming($0) }
    }

    private func describe(_ partitions: [TopicPartition]) -> String {
        partitions.map(\.description).joined(separator: ",")
    }
}
