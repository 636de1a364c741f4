import CRdKafka

/// The one error type of the Kafka client layer.
///
/// A `KafkaError` carries an extensible ``Code`` (librdkafka's `rd_kafka_resp_err_t` or one of the
/// layer's own conditions), librdkafka's error name and message, whether retrying can help
/// (``isRetriable``) and whether the client handle is unusable (``isFatal``). Where it was raised
/// is kept in ``file`` and ``line``.
public struct KafkaError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, as a value that can be compared and switched over with `==`.
    ///
    /// librdkafka's codes are wrapped (``rdKafkaCode``); the layer's own conditions (bad
    /// configuration, closed client, …) have codes of their own. New codes can be added without
    /// breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Backing: Hashable, Sendable {
            case rdKafka(Int32)
            case configuration
            case invalidArgument
            case closed
            case versionMismatch
            case cancelled
        }

        private let backing: Backing

        private init(_ backing: Backing) { self.backing = backing }

        /// A librdkafka response code (`rd_kafka_resp_err_t`, negative for client-side errors).
        public static func rdKafka(_ raw: Int32) -> Code { Code(.rdKafka(raw)) }

        /// A configuration property was rejected or a required one is missing.
        public static let configuration = Code(.configuration)
        /// An argument to a call is invalid (empty topic name, negative partition count …).
        public static let invalidArgument = Code(.invalidArgument)
        /// The client was closed before or during the call.
        public static let closed = Code(.closed)
        /// The librdkafka library loaded at run time is not the one this program was built for.
        public static let versionMismatch = Code(.versionMismatch)
        /// The waiting task was cancelled.
        public static let cancelled = Code(.cancelled)

        /// librdkafka's local produce queue is full: wait for delivery reports, then retry.
        public static let queueFull = rdKafka(RD_KAFKA_RESP_ERR__QUEUE_FULL.rawValue)
        /// A local timeout expired.
        public static let timedOut = rdKafka(RD_KAFKA_RESP_ERR__TIMED_OUT.rawValue)
        /// A message was not delivered within `message.timeout.ms`.
        public static let messageTimedOut = rdKafka(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT.rawValue)
        /// A broker connection failed.
        public static let transport = rdKafka(RD_KAFKA_RESP_ERR__TRANSPORT.rawValue)
        /// No broker is reachable.
        public static let allBrokersDown = rdKafka(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN.rawValue)
        /// The topic or partition does not exist on the broker.
        public static let unknownTopicOrPartition = rdKafka(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART.rawValue)
        /// The topic is not known to the client.
        public static let unknownTopic = rdKafka(RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC.rawValue)
        /// The topic already exists (create topics).
        public static let topicAlreadyExists = rdKafka(RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS.rawValue)
        /// The operation is not valid in the client's current state (e.g. storing an offset for an unassigned partition).
        public static let state = rdKafka(RD_KAFKA_RESP_ERR__STATE.rawValue)
        /// librdkafka raised a fatal error; the client must be recreated.
        public static let fatal = rdKafka(RD_KAFKA_RESP_ERR__FATAL.rawValue)
        /// The record is larger than the producer's `message.max.bytes` (refused at once) or the
        /// broker's `message.max.bytes` / the topic's `max.message.bytes` (in the delivery report).
        public static let messageSizeTooLarge = rdKafka(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE.rawValue)

        /// The librdkafka code, or nil for the layer's own conditions.
        public var rdKafkaCode: Int32? {
            if case .rdKafka(let raw) = backing { return raw }
            return nil
        }

        /// A stable name: librdkafka's error name (`_QUEUE_FULL`, `TOPIC_ALREADY_EXISTS`) or the layer's own.
        public var description: String {
            switch backing {
            case .rdKafka(let raw): return String(cString: rd_kafka_err2name(rd_kafka_resp_err_t(raw)))
            case .configuration: return "configuration"
            case .invalidArgument: return "invalid_argument"
            case .closed: return "closed"
            case .versionMismatch: return "version_mismatch"
            case .cancelled: return "cancelled"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// A human message: librdkafka's own where it gave one.
    public var message: String
    /// Retrying the same operation later can succeed (broker down, queue full, timeout …).
    public var isRetriable: Bool
    /// The client handle is unusable (e.g. an idempotent producer lost its sequence); recreate it.
    public var isFatal: Bool
    /// The error that caused this one, if any.
    public var underlying: (any Error & Sendable)?
    /// Where the error was raised.
    public var file: String
    public var line: Int

    /// Creates an error. `isRetriable` defaults to what is known about `code`.
    public init(
        _ code: Code, message: String, isRetriable: Bool? = nil, isFatal: Bool = false,
        underlying: (any Error & Sendable)? = nil, file: String = #fileID, line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.isRetriable = isRetriable ?? KafkaError.retriableCodes.contains(code)
        self.isFatal = isFatal || code == .fatal
        self.underlying = underlying
        self.file = file
        self.line = line
    }

    /// librdkafka's error name, e.g. `_QUEUE_FULL`.
    public var name: String { code.description }

    public var description: String {
        var text = "KafkaError.\(code): \(message)"
        if isFatal { text += " (fatal)" } else if isRetriable { text += " (retriable)" }
        if let underlying { text += " [caused by: \(underlying)]" }
        return text
    }

    /// The broker or the client refused this record itself (too large, invalid, a timestamp out of
    /// range …): producing it again can never succeed, so it is not a transient fault — the caller
    /// must make the record acceptable or report it, never retry it in a loop.
    public var isRecordRejected: Bool { KafkaError.recordRejectedCodes.contains(code) }

    /// Codes that refuse the record, not the moment (`isRecordRejected`).
    static let recordRejectedCodes: Set<Code> = [
        .messageSizeTooLarge,
        .rdKafka(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE.rawValue),
        .rdKafka(RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE.rawValue),
        .rdKafka(RD_KAFKA_RESP_ERR_INVALID_RECORD.rawValue),
        .rdKafka(RD_KAFKA_RESP_ERR_INVALID_TIMESTAMP.rawValue),
        .rdKafka(RD_KAFKA_RESP_ERR_UNSUPPORTED_FOR_MESSAGE_FORMAT.rawValue),
    ]

    /// Codes for which waiting and retrying can succeed.
    static let retriableCodes: Set<Code> = [
        .queueFull, .timedOut, .messageTimedOut, .transport, .allBrokersDown,
        .rdKafka(RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE.rawValue),
        .rdKafka(RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE.rawValue),
        .rdKafka(RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION.rawValue),
        .rdKafka(RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT.rawValue),
        .rdKafka(RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION.rawValue),
        .rdKafka(RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS.rawValue),
        .rdKafka(RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE.rawValue),
        .rdKafka(RD_KAFKA_RESP_ERR_NOT_COORDINATOR.rawValue),
        .rdKafka(RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS.rawValue),
        .rdKafka(RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND.rawValue),
        .rdKafka(RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS.rawValue),
        .rdKafka(RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR.rawValue),
    ]
}

extension KafkaError {
    /// An error from a librdkafka response code, with librdkafka's message unless one is given.
    static func rdKafka(
        _ err: rd_kafka_resp_err_t, message: String? = nil, isFatal: Bool = false,
        file: String = #fileID, line: Int = #line
    ) -> KafkaError {
        KafkaError(
            .rdKafka(err.rawValue), message: message ?? String(cString: rd_kafka_err2str(err)),
            isFatal: isFatal, file: file, line: line)
    }

    /// Takes ownership of an `rd_kafka_error_t` (destroying it) and converts it.
    static func consuming(_ error: OpaquePointer, file: String = #fileID, line: Int = #line) -> KafkaError {
        defer { rd_kafka_error_destroy(error) }
        let code = rd_kafka_error_code(error)
        let message = rd_kafka_error_string(error).map { String(cString: $0) } ?? String(cString: rd_kafka_err2str(code))
        return KafkaError(
            .rdKafka(code.rawValue), message: message,
            isRetriable: rd_kafka_error_is_retriable(error) != 0 || retriableCodes.contains(.rdKafka(code.rawValue)),
            isFatal: rd_kafka_error_is_fatal(error) != 0, file: file, line: line)
    }

    /// Throws for a non-zero response code.
    package static func check(_ err: rd_kafka_resp_err_t, _ what: String, file: String = #fileID, line: Int = #line) throws(KafkaError) {
        guard err != RD_KAFKA_RESP_ERR_NO_ERROR else { return }
        throw KafkaError.rdKafka(err, message: "\(what): \(String(cString: rd_kafka_err2str(err)))", file: file, line: line)
    }

    /// The client was closed.
    static func closed(_ what: String, file: String = #fileID, line: Int = #line) -> KafkaError {
        KafkaError(.closed, message: "\(what): the client is closed", file: file, line: line)
    }
}
