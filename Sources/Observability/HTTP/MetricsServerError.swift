import Glibc

/// Why the metrics server could not start.
public struct MetricsServerError: Error, CustomStringConvertible, Sendable {
    /// A stable code; new codes may be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String, Sendable {
            case invalidAddress = "metrics.invalid_address"
            case bindFailed = "metrics.bind_failed"
            case socketFailed = "metrics.socket_failed"
            case alreadyStarted = "metrics.already_started"
        }

        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The address is not `HOST:PORT` or the host does not resolve.
        public static let invalidAddress = Code(.invalidAddress)
        /// `bind` or `listen` failed (port in use, address not local, permission).
        public static let bindFailed = Code(.bindFailed)
        /// Creating a socket or pipe failed (out of descriptors).
        public static let socketFailed = Code(.socketFailed)
        /// `start()` was called on a server that was started before.
        public static let alreadyStarted = Code(.alreadyStarted)

        public var description: String { value.rawValue }
    }

    public var code: Code
    public var message: String
    /// The `errno` of the failing system call, if any.
    public var errno: Int32?
    public var file: String
    public var line: Int

    init(_ code: Code, _ message: String, errno: Int32? = nil, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.errno = errno
        self.file = file
        self.line = line
    }

    /// Never retriable by waiting: the configuration or the host must change.
    public var isRetriable: Bool { false }

    public var description: String {
        var text = "\(code): \(message)"
        if let errno { text += " (\(String(cString: strerror(errno))))" }
        return text
    }
}
