import CRdKafka
import Dispatch
import Synchronization
import Observability

/// Owns one `rd_kafka_t` handle and its main event queue.
///
/// Created with the events API (`rd_kafka_conf_set_events`) and `log.queue=true`, so logs,
/// errors and (for producers) delivery reports arrive as events on the main queue, drained by
/// the owner's ``KafkaPollThread`` through ``serviceEvent(_:)``. Blocking C calls that are not
/// part of the poll loop (flush, commit, committed, admin requests) run on ``blockingQueue``,
/// never on Swift's cooperative pool.
///
/// `package`: the test-support target's mock cluster owns one too (`Tests/TestSupport`).
///
/// `@unchecked Sendable`: the two pointers are immutable after `init`; librdkafka's handle and
/// queue APIs are thread-safe; the only non-thread-safe operation, ``destroy()``, is guarded by
/// an atomic flag and called by the owner after it has stopped its poll thread and refuses new
/// calls (each owner's state machine ensures no call is in flight).
package final class RDKafkaClient: @unchecked Sendable {
    package enum Kind: Sendable {
        case producer, consumer

        var cType: rd_kafka_type_t { self == .producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER }
    }

    /// The `rd_kafka_t *`.
    package let handle: OpaquePointer
    /// The main queue (`rd_kafka_queue_get_main`): logs, errors, delivery reports.
    let mainQueue: OpaquePointer
    let logger: Logger
    /// librdkafka's client name (`rdkafka#producer-1`).
    let name: String
    /// `bootstrap.servers` as configured (for messages).
    let bootstrap: String
    /// Serial queue for blocking C calls outside the poll loop.
    let blockingQueue: DispatchQueue
    private let destroyed = Atomic<Bool>(false)
    /// Marks ``blockingQueue`` so that ``exclusive(_:)`` can run re-entrantly (a rebalance
    /// handler, called inside a poll on that queue, may commit).
    private static let queueKey = DispatchSpecificKey<ObjectIdentifier>()

    /// Creates the handle. `configure` may add callbacks or an opaque to the `rd_kafka_conf_t`.
    package init(
        kind: Kind, config: KafkaConfig, events: Int32, logger: Logger,
        configure: (OpaquePointer) -> Void = { _ in }
    ) throws(KafkaError) {
        var config = config
        config["log.queue"] = "true"
        let conf = try config.makeRDKafkaConf()
        rd_kafka_conf_set_events(conf, events)
        configure(conf)
        let (created, text) = RDKafkaErrorBuffer.with { rd_kafka_new(kind.cType, conf, $0, $1) }
        guard let created else {
            // On failure rd_kafka_new leaves the configuration with us.
            rd_kafka_conf_destroy(conf)
            throw KafkaError(.configuration, message: "cannot create Kafka \(kind) client: \(config.redact(text))")
        }
        handle = created
        // Logs go to the main queue (log.queue=true plus a NULL log queue means "main").
        _ = rd_kafka_set_log_queue(created, nil)
        guard let queue = rd_kafka_queue_get_main(created) else {
            rd_kafka_destroy(created)
            throw KafkaError(.configuration, message: "librdkafka returned no main queue")
        }
        mainQueue = queue
        name = String(cString: rd_kafka_name(created))
        bootstrap = config["bootstrap.servers"] ?? "(mock cluster)"
        self.logger = logger.with(label: logger.label)
        blockingQueue = DispatchQueue(label: "eventbridge.kafka.\(name).blocking")
        blockingQueue.setSpecific(key: RDKafkaClient.queueKey, value: ObjectIdentifier(self))
        logger.debug("kafka client created", ["client": name, "config": KafkaClientDescription.describe(config)])
    }

    deinit { destroy() }

    /// Runs a blocking C call on ``blockingQueue`` and awaits its result.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws(KafkaError) -> T) async throws(KafkaError) -> T {
        let result: Result<T, KafkaError> = await withCheckedContinuation { continuation in
            blockingQueue.async {
                do throws(KafkaError) {
                    continuation.resume(returning: .success(try body()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }

    /// Runs `body` on ``blockingQueue``, blocking the caller (directly when already on it).
    /// Serializes every use of a handle with its destruction.
    func exclusive<T>(_ body: () throws(KafkaError) -> T) throws(KafkaError) -> T {
        if DispatchQueue.getSpecific(key: RDKafkaClient.queueKey) == ObjectIdentifier(self) {
            return try body()
        }
        let result: Result<T, KafkaError> = blockingQueue.sync {
            do throws(KafkaError) {
                return .success(try body())
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Makes a blocked `rd_kafka_queue_poll` on the main queue return.
    func wakeMainQueue() { rd_kafka_queue_yield(mainQueue) }

    /// Handles a log or error event. Returns false for other event types (not consumed).
    /// The caller still owns and destroys the event.
    @discardableResult
    func serviceEvent(_ event: OpaquePointer) -> Bool {
        switch rd_kafka_event_type(event) {
        case RD_KAFKA_EVENT_LOG:
            var facility: UnsafePointer<CChar>?
            var text: UnsafePointer<CChar>?
            var level: Int32 = 0
            guard rd_kafka_event_log(event, &facility, &text, &level) == 0 else { return true }
            let message = text.map { String(cString: $0) } ?? ""
            let fac = facility.map { String(cString: $0) } ?? ""
            logger.log(RDKafkaClient.level(syslog: level), message, ["client": name, "facility": fac])
            return true
        case RD_KAFKA_EVENT_ERROR:
            let error = eventError(event)
            if error.isFatal {
                logger.error("librdkafka fatal error", ["client": name, "error": error.description])
            } else {
                logger.warning("librdkafka error", ["client": name, "error": error.description])
            }
            return true
        default:
            return false
        }
    }

    /// A poll thread that only serves logs and errors of the main queue (admin and mock clients).
    package func makeServiceThread(name: String) -> KafkaPollThread {
        KafkaPollThread(
            name: name,
            step: { [self] in
                guard let event = rd_kafka_queue_poll(mainQueue, 100) else { return }
                serviceEvent(event)
                rd_kafka_event_destroy(event)
            },
            wake: { [self] in wakeMainQueue() })
    }

    /// The error an event carries (fatal errors resolved through `rd_kafka_fatal_error`).
    func eventError(_ event: OpaquePointer) -> KafkaError {
        let err = rd_kafka_event_error(event)
        let text = rd_kafka_event_error_string(event).map { String(cString: $0) } ?? String(cString: rd_kafka_err2str(err))
        guard rd_kafka_event_error_is_fatal(event) != 0 else { return KafkaError.rdKafka(err, message: text) }
        return currentFatalError() ?? KafkaError.rdKafka(err, message: text, isFatal: true)
    }

    /// The fatal error raised on this handle, if any.
    func currentFatalError() -> KafkaError? {
        let (err, text) = RDKafkaErrorBuffer.with { rd_kafka_fatal_error(handle, $0, $1) }
        guard err != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        return KafkaError.rdKafka(err, message: text, isFatal: true)
    }

    /// Releases the queue reference and destroys the handle (blocking; idempotent). The owner
    /// has stopped its poll thread and refuses new calls before calling this.
    package func destroy() {
        guard !destroyed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        rd_kafka_queue_destroy(mainQueue)
        rd_kafka_destroy(handle)
    }

    /// syslog levels (librdkafka's) to the project's levels.
    static func level(syslog: Int32) -> Logger.Level {
        switch syslog {
        case ...2: return .critical
        case 3: return .error
        case 4: return .warning
        case 5: return .notice
        case 6: return .info
        default: return .debug
        }
    }
}

/// Safe descriptions of client configurations for logs.
enum KafkaClientDescription {
    /// `key=value` pairs sorted by key, secrets redacted.
    static func describe(_ config: KafkaConfig) -> String {
        config.redacted.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }
}

/// librdkafka's `char *errstr, size_t errstr_size` convention.
enum RDKafkaErrorBuffer {
    /// Calls `body` with a zeroed 512-byte buffer; returns its result and the text it wrote.
    static func with<T>(_ body: (UnsafeMutablePointer<CChar>?, Int) -> T) -> (T, String) {
        var buffer = [CChar](repeating: 0, count: 512)
        let result = buffer.withUnsafeMutableBufferPointer { body($0.baseAddress, $0.count - 1) }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return (result, String(decoding: bytes, as: UTF8.self))
    }
}
