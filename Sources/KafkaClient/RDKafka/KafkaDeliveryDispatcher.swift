import CRdKafka
import Synchronization
import Observability

/// Routes delivery reports from the producer's poll thread to whoever waits for them:
/// the continuation of an awaited ``KafkaProducer/send(_:)``, or the producer's batch handler
/// for records enqueued with ``KafkaProducer/enqueue(_:context:)``.
///
/// Each record's message opaque is an integer, not a pointer to an allocation: the caller's
/// context for enqueued records, or a send id with ``sendBit`` set for awaited sends. No object
/// is retained per record.
final class KafkaDeliveryDispatcher: Sendable {
    typealias Handler = @Sendable ([KafkaDeliveryReport]) -> Void

    /// Marks a message opaque as the id of an awaited send.
    static let sendBit: UInt64 = 1 << 63

    /// The dispatcher's state as a value: a state machine whose methods return what to do
    /// once the lock is released.
    struct State: ~Copyable {
        var isOpen = true
        var nextSendID: UInt64 = 1
        var waiting: [UInt64: CheckedContinuation<KafkaDeliveryReport, Never>] = [:]

        /// Registers a waiting send; nil when closed.
        mutating func register(_ continuation: CheckedContinuation<KafkaDeliveryReport, Never>) -> UInt64? {
            guard isOpen else { return nil }
            let id = KafkaDeliveryDispatcher.sendBit | nextSendID
            nextSendID = (nextSendID + 1) & ~KafkaDeliveryDispatcher.sendBit
            waiting[id] = continuation
            return id
        }

        /// Closes and hands back every continuation still waiting, to be failed.
        mutating func close() -> [CheckedContinuation<KafkaDeliveryReport, Never>] {
            isOpen = false
            let left = Array(waiting.values)
            waiting = [:]
            return left
        }
    }

    let state = Mutex(State())
    private let handler: Handler?
    private let logger: Logger

    init(handler: Handler?, logger: Logger) {
        self.handler = handler
        self.logger = logger
    }

    /// Handles one `RD_KAFKA_EVENT_DR` event (on the poll thread).
    func dispatch(event: OpaquePointer) {
        var reports: [KafkaDeliveryReport] = []
        var resumes: [(CheckedContinuation<KafkaDeliveryReport, Never>, KafkaDeliveryReport)] = []
        reports.reserveCapacity(rd_kafka_event_message_count(event))
        while let message = rd_kafka_event_message_next(event) {
            let opaque = UInt64(UInt(bitPattern: message.pointee._private))
            let report = KafkaDeliveryReport(message: message, context: opaque & ~KafkaDeliveryDispatcher.sendBit)
            if opaque & KafkaDeliveryDispatcher.sendBit != 0 {
                if let continuation = state.withLock({ $0.waiting.removeValue(forKey: opaque) }) {
                    resumes.append((continuation, report))
                }
            } else {
                reports.append(report)
            }
        }
        for (continuation, report) in resumes { continuation.resume(returning: report) }
        guard !reports.isEmpty else { return }
        if let handler {
            handler(reports)
        } else {
            for report in reports {
                if let error = report.error {
                    logger.warning("record not delivered", ["topic": report.topic, "error": error.description])
                }
            }
        }
    }

    /// Fails every waiting send (after the poll thread has stopped).
    func failWaiting() {
        let left = state.withLock { $0.close() }
        for continuation in left {
            let error = KafkaError.closed("delivery report")
            continuation.resume(returning: KafkaDeliveryReport(context: 0, topic: "", partition: -1, result: .failure(error)))
        }
    }

    /// The opaque pointer value carrying `context`.
    static func opaque(_ context: UInt64) -> UnsafeMutableRawPointer? {
        UnsafeMutableRawPointer(bitPattern: UInt(context))
    }
}
