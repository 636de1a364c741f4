import CRdKafka
import Foundation
import Synchronization
import Observability
import Basics

/// An idempotent Kafka producer (`enable.idempotence=true`, `acks=all` unless configured
/// otherwise).
///
/// Two ways to produce:
/// - ``send(_:)`` awaits one record's delivery report: simple, for low rates.
/// - ``enqueue(_:context:)`` returns as soon as librdkafka has the record; delivery reports
///   arrive in order per partition, in batches, at the `onDelivery` handler (on the producer's
///   poll thread). No task and no allocation per record beyond
///   librdkafka's own, so 100k+ records/s are possible.
///
/// A full local queue is backpressure, not a failure: ``enqueue(_:context:)`` throws a
/// retriable ``KafkaError/Code/queueFull`` error at once, ``enqueueWaiting(_:context:)`` and
/// ``send(_:)`` wait for room. Delivery reports, logs and errors are served by a dedicated poll
/// thread, never on Swift's cooperative pool. Call ``close(timeout:)`` when done.
public final class KafkaProducer: Sendable {
    /// Receives delivery reports of enqueued records, in batches, on the poll thread. It must
    /// return quickly (hand work off); it is never called concurrently with itself.
    public typealias DeliveryHandler = @Sendable ([KafkaDeliveryReport]) -> Void

    private let client: RDKafkaClient
    private let dispatcher: KafkaDeliveryDispatcher
    private let pollThread: KafkaPollThread
    private let closed = Atomic<Bool>(false)
    /// Calls using the handle right now; ``close(timeout:)`` waits for zero before destroying it.
    private let activeCalls = Atomic<Int>(0)
    private let logger: Logger
    /// The largest record this producer accepts (`message.max.bytes`, compared with
    /// `KafkaProducerRecord.wireSize`); larger ones are refused with `messageSizeTooLarge`.
    public let maxMessageBytes: Int

    /// Creates a producer. `config` needs `bootstrap.servers` (or `test.mock.num.brokers`);
    /// `enable.idempotence=true` and `acks=all` are added unless set.
    public init(config: KafkaConfig, logger: Logger, onDelivery: DeliveryHandler? = nil) throws(KafkaError) {
        let config = KafkaProducer.effectiveConfiguration(config)
        let events = RD_KAFKA_EVENT_DR | RD_KAFKA_EVENT_ERROR | RD_KAFKA_EVENT_LOG
        let client = try RDKafkaClient(kind: .producer, config: config, events: Int32(events), logger: logger)
        let dispatcher = KafkaDeliveryDispatcher(handler: onDelivery, logger: logger)
        self.client = client
        self.dispatcher = dispatcher
        self.logger = logger
        maxMessageBytes = rd_kafka_conf(client.handle).flatMap { KafkaConfig.integer($0, "message.max.bytes") } ?? KafkaConfig.defaultMaxMessageBytes
        // The thread captures the client and dispatcher, never `self`, so that dropping the last
        // reference to the producer runs `deinit`, which stops the thread.
        pollThread = KafkaPollThread(
            name: "eb-producer",
            step: { KafkaProducer.pollStep(client: client, dispatcher: dispatcher) },
            wake: { client.wakeMainQueue() })
        pollThread.start()
    }

    deinit {
        guard !closed.exchange(true, ordering: .sequentiallyConsistent) else { return }
        logger.warning("kafka producer dropped without close(); purging undelivered records", ["client": client.name])
        _ = rd_kafka_purge(client.handle, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT)
        pollThread.stopAndJoin()
        dispatcher.failWaiting()
        client.destroy()
    }

    /// Enqueues a record and returns at once. Its delivery report reaches the `onDelivery`
    /// handler carrying `context` (which must be below 2^63).
    ///
    /// - Throws: ``KafkaError/Code/queueFull`` (retriable) when librdkafka's queue is full —
    ///   wait for delivery reports and retry, or use ``enqueueWaiting(_:context:)``; other
    ///   errors for an invalid record, a closed or failed producer.
    public func enqueue(_ record: KafkaProducerRecord, context: UInt64 = 0) throws(KafkaError) {
        guard context & KafkaDeliveryDispatcher.sendBit == 0 else {
            throw KafkaError(.invalidArgument, message: "delivery context \(context) is 2^63 or more")
        }
        let failure: KafkaError? = withOpenHandle { handle in
            RDKafkaProduce.produce(handle, record, opaque: KafkaDeliveryDispatcher.opaque(context))
        } ?? KafkaError.closed("enqueue")
        if let failure { throw failure }
    }

    /// Runs `body` with the handle unless the producer is closed (nil then). The counter makes
    /// ``close(timeout:)`` wait for calls that saw the producer open before it destroys the
    /// handle (sequentially consistent: either the call sees `closed`, or close sees the call).
    private func withOpenHandle<T>(_ body: (OpaquePointer) -> T) -> T? {
        activeCalls.add(1, ordering: .sequentiallyConsistent)
        defer { activeCalls.subtract(1, ordering: .sequentiallyConsistent) }
        guard !closed.load(ordering: .sequentiallyConsistent) else { return nil }
        return body(client.handle)
    }

    /// Waits until no call uses the handle (after `closed` is set).
    private func waitForActiveCalls() {
        while activeCalls.load(ordering: .sequentiallyConsistent) > 0 { usleep(50) }
    }

    /// Enqueues a record, waiting (without blocking a thread) while librdkafka's queue is full.
    public func enqueueWaiting(_ record: KafkaProducerRecord, context: UInt64 = 0) async throws(KafkaError) {
        var backoff = Backoff.queueFull
        while true {
            do throws(KafkaError) {
                return try enqueue(record, context: context)
            } catch where error.code == .queueFull {
                try await KafkaProducer.wait(&backoff)
            }
        }
    }

    /// Produces one record and awaits its delivery report.
    /// - Returns: where the record was written.
    /// - Throws: the delivery error (after librdkafka's own retries), or an enqueue error.
    @discardableResult
    public func send(_ record: KafkaProducerRecord) async throws(KafkaError) -> KafkaDeliveryReport.Position {
        var backoff = Backoff.queueFull
        while true {
            let attempt = await sendOnce(record)
            switch attempt {
            case .success(let report):
                return try report.result.get()
            case .failure(let error) where error.code == .queueFull:
                try await KafkaProducer.wait(&backoff)
            case .failure(let error):
                throw error
            }
        }
    }

    /// Waits for room in librdkafka's queue; a cancelled task stops waiting with `cancelled`.
    private static func wait(_ backoff: inout Backoff) async throws(KafkaError) {
        do {
            try await backoff.sleep()
        } catch {
            throw KafkaError(.cancelled, message: "cancelled while waiting for room in the producer queue")
        }
    }

    private func sendOnce(_ record: KafkaProducerRecord) async -> Result<KafkaDeliveryReport, KafkaError> {
        var enqueueError: KafkaError?
        let report = await withCheckedContinuation { (continuation: CheckedContinuation<KafkaDeliveryReport, Never>) in
            // Registered and produced under the lock, so the report (handled on the poll thread
            // under the same lock) always finds its continuation.
            let failure: KafkaError? = dispatcher.state.withLock { state in
                guard let id = state.register(continuation) else { return KafkaError.closed("send") }
                let error = withOpenHandle { handle in
                    RDKafkaProduce.produce(handle, record, opaque: KafkaDeliveryDispatcher.opaque(id))
                } ?? KafkaError.closed("send")
                if error != nil { state.waiting[id] = nil }
                return error
            }
            if let failure {
                enqueueError = failure
                continuation.resume(returning: KafkaDeliveryReport(context: 0, topic: record.topic, partition: -1, result: .failure(failure)))
            }
        }
        if let enqueueError { return .failure(enqueueError) }
        return .success(report)
    }

    /// Records librdkafka holds that are not yet delivered (queued, in flight, or reports not
    /// yet handled).
    public var outstandingCount: Int { withOpenHandle { Int(rd_kafka_outq_len($0)) } ?? 0 }

    /// Waits until every enqueued record has its delivery report, or `timeout` passes.
    /// - Throws: ``KafkaError/Code/timedOut`` (retriable) with the number still outstanding.
    public func flush(timeout: Duration) async throws(KafkaError) {
        let ms = timeout.rdKafkaMilliseconds
        try await client.run { [self] () throws(KafkaError) in
            // Checked on the serial queue where close destroys the handle: never after it.
            guard !closed.load(ordering: .sequentiallyConsistent) else { throw KafkaError.closed("flush") }
            let handle = client.handle
            // With the events API, rd_kafka_flush only waits; the poll thread serves the reports.
            let err = rd_kafka_flush(handle, ms)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaError.rdKafka(err, message: "flush timed out with \(rd_kafka_outq_len(handle)) records outstanding")
            }
        }
    }

    /// Flushes (up to `timeout`), then stops the poll thread and destroys the handle. Records
    /// still undelivered after the timeout are purged and reported as failed. Idempotent.
    public func close(timeout: Duration = .seconds(10)) async {
        guard !closed.load(ordering: .acquiring) else { return }
        do {
            try await flush(timeout: timeout)
        } catch {
            logger.warning("producer close: \(error)", ["client": client.name])
        }
        guard !closed.exchange(true, ordering: .sequentiallyConsistent) else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            client.blockingQueue.async { [self] in
                waitForActiveCalls()
                // Purged records get failed delivery reports, served while the thread still runs.
                _ = rd_kafka_purge(client.handle, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT)
                _ = rd_kafka_flush(client.handle, 1000)
                pollThread.stopAndJoin()
                dispatcher.failWaiting()
                client.destroy()
                continuation.resume()
            }
        }
    }

    /// One step of the poll thread: wait up to 100 ms for an event and handle it.
    private static func pollStep(client: RDKafkaClient, dispatcher: KafkaDeliveryDispatcher) {
        guard let event = rd_kafka_queue_poll(client.mainQueue, 100) else { return }
        defer { rd_kafka_event_destroy(event) }
        if rd_kafka_event_type(event) == RD_KAFKA_EVENT_DR {
            dispatcher.dispatch(event: event)
        } else {
            client.serviceEvent(event)
        }
    }
}
