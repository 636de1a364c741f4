import CRdKafka
import Synchronization
import Basics
import Observability

/// A consumer-group member with explicit offset management.
///
/// Offsets are never stored automatically (`enable.auto.offset.store=false` is enforced): the
/// caller stores a record's position with ``store(_:)`` once its outcome is durable, then
/// commits stored offsets with ``commit()`` / ``commitAsync()`` (or lets
/// `enable.auto.commit=true` commit them). Eager and cooperative-sticky assignors both work; the
/// rebalance handler sees every change before partitions are removed (``KafkaRebalanceEvent``).
///
/// Threading: every call that touches the librdkafka handle is serialized on the consumer's
/// own serial queue, which is also where ``close()`` destroys it, so no call can race the
/// destruction. ``poll(maxRecords:timeout:)`` blocks its caller (use it from a dedicated
/// thread); ``nextBatch(maxRecords:timeout:)`` is the same poll for Swift concurrency callers,
/// run on that queue. Keep polling while paused so `max.poll.interval.ms` is never exceeded.
/// Logs and client errors are served by a small dedicated thread.
public final class KafkaConsumer: Sendable {
    /// Receives rebalance events on the polling thread, synchronously.
    public typealias RebalanceHandler = @Sendable (KafkaRebalanceEvent) -> Void

    let client: RDKafkaClient
    /// The reference handed to librdkafka as the configuration opaque; released after destroy.
    /// `Unmanaged` is safe here because the consumer keeps this retained reference alive until
    /// `rd_kafka_destroy` has returned (see ``KafkaRebalanceContext``).
    private let rebalanceContext: Unmanaged<KafkaRebalanceContext>
    private let serviceThread: KafkaPollThread
    /// 0 open, 1 closing (inside `rd_kafka_consumer_close`: the rebalance handler may still
    /// use the consumer), 2 closed.
    private let lifecycle = Atomic<Int>(0)
    let logger: Logger

    /// Creates a consumer. `config` needs `bootstrap.servers` and `group.id`;
    /// `enable.auto.offset.store` must not be `true`. Defaults: explicit commits
    /// (`enable.auto.commit=false`) and `auto.offset.reset=earliest`.
    public init(config: KafkaConfig, logger: Logger, onRebalance: RebalanceHandler? = nil) throws(KafkaError) {
        guard let group = config["group.id"], !group.isEmpty else {
            throw KafkaError(.configuration, message: "a consumer needs the Kafka property 'group.id'")
        }
        guard config["enable.auto.offset.store"] != "true" else {
            throw KafkaError(
                .configuration, message: "'enable.auto.offset.store' must be false: offsets are stored after outcomes are durable")
        }
        let config = KafkaConsumer.effectiveConfiguration(config)
        let context = KafkaRebalanceContext(handler: onRebalance, logger: logger)
        // One retained reference for librdkafka's opaque pointer; released in `closeNow()` after
        // `rd_kafka_destroy` (or below, if no handle was created).
        let retained = Unmanaged.passRetained(context)
        let events = RD_KAFKA_EVENT_ERROR | RD_KAFKA_EVENT_LOG | RD_KAFKA_EVENT_OFFSET_COMMIT
        let client: RDKafkaClient
        do {
            client = try RDKafkaClient(kind: .consumer, config: config, events: Int32(events), logger: logger) { conf in
                rd_kafka_conf_set_rebalance_cb(conf, KafkaRebalanceContext.callback)
                rd_kafka_conf_set_opaque(conf, retained.toOpaque())
            }
        } catch {
            // No handle was created, so nothing else holds the pointer.
            retained.release()
            throw error
        }
        self.client = client
        self.logger = logger
        rebalanceContext = retained
        serviceThread = KafkaPollThread(
            name: "eb-consumer",
            step: { KafkaConsumer.serviceStep(client: client) },
            wake: { client.wakeMainQueue() })
        serviceThread.start()
        logger.info("kafka consumer created", ["client": client.name, "group": group])
    }

    deinit {
        guard lifecycle.load(ordering: .acquiring) == 0 else { return }
        logger.warning("kafka consumer dropped without close(); closing now", ["client": client.name])
        closeNow()
    }

    /// Joins the group for these topics (replacing an earlier subscription).
    public func subscribe(topics: [String]) throws(KafkaError) {
        try withHandle("subscribe") { handle throws(KafkaError) in
            let list = RDKafkaPartitionList(topics.map { TopicPartition(topic: $0, partition: -1) })
            try KafkaError.check(rd_kafka_subscribe(handle, list.pointer), "subscribe to \(topics)")
        }
    }

    /// Polls up to `maxRecords` records, waiting at most `timeout` for the first one. Serves
    /// rebalances (calling the rebalance handler on this thread). Blocks the calling thread.
    ///
    /// - Returns: records in offset order per partition; empty when none arrived in time.
    /// - Throws: a fatal error (the consumer must be recreated) or ``KafkaError/Code/closed``.
    ///   Non-fatal consumer errors (a topic not yet created …) are logged and skipped.
    public func poll(maxRecords: Int = 500, timeout: Duration) throws(KafkaError) -> [KafkaConsumerRecord] {
        try withHandle("poll") { handle throws(KafkaError) in
            try KafkaConsumer.pollBatch(handle: handle, maxRecords: maxRecords, timeout: timeout, logger: logger)
        }
    }

    /// ``poll(maxRecords:timeout:)`` for Swift concurrency: runs on the consumer's queue, so no
    /// thread of the cooperative pool blocks. The rebalance handler runs on that queue too.
    public func nextBatch(maxRecords: Int = 500, timeout: Duration = .milliseconds(500)) async throws(KafkaError) -> [KafkaConsumerRecord] {
        try await client.run { [self] () throws(KafkaError) in
            try poll(maxRecords: maxRecords, timeout: timeout)
        }
    }

    /// Reads these partitions from the given offsets without joining the group (manual
    /// assignment: for tools that page through a topic, such as the DLQ commands). Replaces any
    /// earlier assignment; never combine with `subscribe`.
    public func assign(_ positions: [PartitionPosition]) throws(KafkaError) {
        try withHandle("assign") { handle throws(KafkaError) in
            let list = RDKafkaPartitionList(positions)
            try KafkaError.check(rd_kafka_assign(handle, list.pointer), "assign")
        }
    }

    /// Moves the fetch position of assigned partitions back (or forward) to these offsets. Records
    /// fetched before the seek and not yet polled are discarded, so the next poll returns each
    /// partition's record at its new offset first. Keeps group membership: no rebalance.
    public func seek(_ positions: [PartitionPosition], timeout: Duration = .seconds(10)) throws(KafkaError) {
        guard !positions.isEmpty else { return }
        let ms = timeout.rdKafkaMilliseconds
        try withHandle("seek") { handle throws(KafkaError) in
            let list = RDKafkaPartitionList(positions)
            if let error = rd_kafka_seek_partitions(handle, list.pointer, ms) { throw KafkaError.consuming(error) }
            try list.checkPartitions("seek")
        }
    }

    /// Stops fetching from these partitions (keep polling: it serves rebalances and heartbeats).
    public func pause(_ partitions: [TopicPartition]) throws(KafkaError) {
        try withHandle("pause") { handle throws(KafkaError) in
            let list = RDKafkaPartitionList(partitions)
            try KafkaError.check(rd_kafka_pause_partitions(handle, list.pointer), "pause")
            try list.checkPartitions("pause")
        }
    }

    /// Restarts fetching from paused partitions, at the position where fetching stopped.
    public func resume(_ partitions: [TopicPartition]) throws(KafkaError) {
        try withHandle("resume") { handle throws(KafkaError) in
            let list = RDKafkaPartitionList(partitions)
            try KafkaError.check(rd_kafka_resume_partitions(handle, list.pointer), "resume")
            try list.checkPartitions("resume")
        }
    }

    /// The partitions currently assigned to this member, sorted.
    public func assignment() throws(KafkaError) -> [TopicPartition] {
        try withHandle("assignment") { handle throws(KafkaError) in
            var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
            try KafkaError.check(rd_kafka_assignment(handle, &list), "assignment")
            defer { if let list { rd_kafka_topic_partition_list_destroy(list) } }
            return RDKafkaPartitionList.partitions(of: list)
        }
    }

    /// Leaves the group cleanly (revoking partitions through the rebalance handler, committing
    /// if auto-commit is on), then destroys the handle. Idempotent. Always close a consumer:
    /// otherwise its partitions stay locked until the session times out.
    public func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            client.blockingQueue.async { [self] in
                closeNow()
                continuation.resume()
            }
        }
    }

    /// ``close()`` for callers on their own thread (blocks).
    public func closeBlocking() {
        closeNow()
    }

    private func closeNow() {
        // Serialized with every other use of the handle.
        try? client.exclusive { () throws(KafkaError) in
            guard lifecycle.compareExchange(expected: 0, desired: 1, ordering: .acquiringAndReleasing).exchanged else { return }
            leaveGroup(client.handle, timeout: .seconds(10))
            // Serves the final revocation (if any is left) through the rebalance handler, which may still commit.
            let err = rd_kafka_consumer_close(client.handle)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                logger.warning("consumer close", ["error": String(cString: rd_kafka_err2str(err))])
            }
            lifecycle.store(2, ordering: .releasing)
            serviceThread.stopAndJoin()
            client.destroy()
            // librdkafka can no longer call the rebalance callback: drop its reference.
            rebalanceContext.release()
            logger.info("kafka consumer closed", ["client": client.name])
        }
    }

    /// Unsubscribes and serves the revocation by polling until nothing is assigned (or `timeout`),
    /// so that `rd_kafka_consumer_close` has no rebalance left to run. An assign inside close's own
    /// final rebalance can wait forever (librdkafka issue #4884, seen here about once in a few
    /// hundred closes); the same revocation served by a poll does not. Records polled meanwhile
    /// are dropped unprocessed: their offsets were never stored, so the next owner reads them.
    /// A manually assigned consumer (no subscription) is left as it is.
    private func leaveGroup(_ handle: OpaquePointer, timeout: Duration) {
        func count(_ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) -> Int32 {
            defer { if let list { rd_kafka_topic_partition_list_destroy(list) } }
            return list?.pointee.cnt ?? 0
        }
        var subscription: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        guard rd_kafka_subscription(handle, &subscription) == RD_KAFKA_RESP_ERR_NO_ERROR, count(subscription) > 0 else { return }
        let err = rd_kafka_unsubscribe(handle)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            logger.warning("unsubscribe before close", ["error": String(cString: rd_kafka_err2str(err))])
            return
        }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            var assignment: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
            guard rd_kafka_assignment(handle, &assignment) == RD_KAFKA_RESP_ERR_NO_ERROR, count(assignment) > 0 else { return }
            if let message = rd_kafka_consumer_poll(handle, 50) { rd_kafka_message_destroy(message) }
        }
        logger.warning("partitions still assigned after unsubscribing; closing anyway")
    }

    /// Runs `body` with the handle, serialized on the consumer's queue; throws once closed.
    func withHandle<T>(_ what: String, _ body: (OpaquePointer) throws(KafkaError) -> T) throws(KafkaError) -> T {
        try client.exclusive { () throws(KafkaError) -> T in
            // Only the rebalance handler can get here while closing (close holds the queue).
            guard lifecycle.load(ordering: .acquiring) < 2 else { throw KafkaError.closed(what) }
            return try body(client.handle)
        }
    }

    /// One step of the service thread: logs, errors, async commit results.
    private static func serviceStep(client: RDKafkaClient) {
        guard let event = rd_kafka_queue_poll(client.mainQueue, 100) else { return }
        defer { rd_kafka_event_destroy(event) }
        guard rd_kafka_event_type(event) == RD_KAFKA_EVENT_OFFSET_COMMIT else {
            client.serviceEvent(event)
            return
        }
        let err = rd_kafka_event_error(event)
        let list = rd_kafka_event_topic_partition_list(event)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__NO_OFFSET {
            client.logger.warning("offset commit failed", ["error": String(cString: rd_kafka_err2str(err))])
        } else if let (partition, perr) = RDKafkaPartitionList.firstError(of: list) {
            client.logger.warning("offset commit failed", ["partition": partition.description, "error": String(cString: rd_kafka_err2str(perr))])
        } else {
            client.logger.debug("offsets committed", ["offsets": RDKafkaPartitionList.entries(of: list).map(\.description).joined(separator: ",")])
        }
    }
}
