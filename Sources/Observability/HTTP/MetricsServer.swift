import Basics
import Dispatch
import Foundation
import Glibc
import Synchronization

/// A small HTTP/1.1 server for operations: `GET /metrics` (Prometheus text 0.0.4), `/healthz`
/// (200 `ok` while the process runs) and `/readyz` (200 `ready`, or 503 with the reason the
/// readiness closure gives). Unknown paths get 404, methods other than GET and HEAD 405,
/// request heads over the limit 431, and every response closes the connection.
///
/// One dedicated thread (never Swift's cooperative pool) polls non-blocking sockets. Every
/// connection has read and write deadlines, and the number of open connections is bounded, so
/// slow or idle clients cannot hold the server. The pipeline is never blocked: a scrape reads
/// atomics and takes the registry's lock only to list the families.
///
/// ```swift
/// let server = MetricsServer(registry: metrics.registry, logger: logger) { bridge.readiness }
/// try server.start()          // binds 127.0.0.1:9464 by default; port 0 → boundAddress
/// defer { server.stop() }
/// ```
public final class MetricsServer: Sendable {
    /// Listening address and limits.
    public struct Configuration: Sendable {
        /// `HOST:PORT` (`[::1]:PORT` for IPv6); loopback by default. Port 0 picks a free port.
        public var address: String
        /// The largest request head (request line and header fields) accepted; larger → 431.
        public var maxHeaderBytes: Int
        /// Time a client has, from connecting, to send its request head; then 408 and close.
        public var readTimeoutMilliseconds: Int
        /// Time a client has to read the response.
        public var writeTimeoutMilliseconds: Int
        /// Time allowed after the response to read what the client still sends, before closing.
        public var drainTimeoutMilliseconds: Int
        /// Open connections at most; more are answered 503 and closed.
        public var maxConnections: Int
        /// The listen backlog.
        public var backlog: Int32

        public init(address: String = "127.0.0.1:9464", maxHeaderBytes: Int = 8192,
                    readTimeoutMilliseconds: Int = 5000, writeTimeoutMilliseconds: Int = 10_000,
                    drainTimeoutMilliseconds: Int = 1000, maxConnections: Int = 256, backlog: Int32 = 128) {
            self.address = address
            self.maxHeaderBytes = maxHeaderBytes
            self.readTimeoutMilliseconds = readTimeoutMilliseconds
            self.writeTimeoutMilliseconds = writeTimeoutMilliseconds
            self.drainTimeoutMilliseconds = drainTimeoutMilliseconds
            self.maxConnections = maxConnections
            self.backlog = backlog
        }
    }

    private enum State {
        case idle
        case running(wakePipe: (read: Int32, write: Int32), finished: DispatchSemaphore, boundAddress: String, port: Int)
        case stopped
    }

    public let configuration: Configuration
    private let router: MetricsRouter
    private let logger: Logger
    private let state = Mutex<State>(.idle)

    /// - Parameters:
    ///   - registry: the metrics to serve.
    ///   - configuration: address and limits.
    ///   - logger: the server logs under the label `metrics-server`.
    ///   - readiness: evaluated on the server's thread for each `/readyz`; must be cheap and
    ///     must not block (return state the bridge keeps up to date).
    public init(registry: MetricsRegistry, configuration: Configuration = .init(), logger: Logger,
                readiness: @escaping @Sendable () -> Readiness = { .ready }) {
        self.configuration = configuration
        self.router = MetricsRouter(registry: registry, readiness: readiness)
        self.logger = logger.with(label: "metrics-server")
    }

    deinit {
        stop()
    }

    /// The address actually bound (`127.0.0.1:41234` for port 0) while running, else nil.
    public var boundAddress: String? {
        state.withLock { if case .running(_, _, let address, _) = $0 { return address } else { return nil } }
    }

    /// The port actually bound while running, else nil.
    public var boundPort: Int? {
        state.withLock { if case .running(_, _, _, let port) = $0 { return port } else { return nil } }
    }

    /// Binds, listens and starts the server's thread. Throws when the address is invalid or
    /// cannot be bound, or when the server was started before.
    public func start() throws(MetricsServerError) {
        try state.withLock { (state: inout State) throws(MetricsServerError) in
            guard case .idle = state else { throw MetricsServerError(.alreadyStarted, "the metrics server was started before") }
            let listener = try ListeningSocket.bind(configuration.address, backlog: configuration.backlog)
            var pipeFDs: [Int32] = [0, 0]
            guard pipe(&pipeFDs) == 0 else {
                let code = errno
                close(listener.fd)
                throw MetricsServerError(.socketFailed, "pipe() failed", errno: code)
            }
            guard ListeningSocket.makeNonBlocking(pipeFDs[0]), ListeningSocket.makeNonBlocking(pipeFDs[1]) else {
                let code = errno
                for fd in [listener.fd, pipeFDs[0], pipeFDs[1]] { close(fd) }
                throw MetricsServerError(.socketFailed, "fcntl() failed", errno: code)
            }
            let loop = MetricsServerLoop(listener: listener, wakeFD: pipeFDs[0], configuration: configuration,
                                         router: router, logger: logger)
            let finished = DispatchSemaphore(value: 0)
            let thread = Thread {
                ThreadName.setCurrent("eb-metrics")
                loop.run()
                finished.signal()
            }
            thread.name = "eventbridge-metrics"
            thread.start()
            state = .running(wakePipe: (pipeFDs[0], pipeFDs[1]), finished: finished, boundAddress: listener.boundAddress, port: listener.port)
            logger.info("metrics server listening", ["address": listener.boundAddress])
        }
    }

    /// Stops accepting, closes the listening socket and every connection, and waits for the
    /// server's thread to end. Idempotent; a stopped server cannot be started again.
    public func stop() {
        let running = state.withLock { state -> ((read: Int32, write: Int32), DispatchSemaphore)? in
            defer { state = .stopped }
            if case .running(let wakePipe, let finished, _, _) = state { return (wakePipe, finished) }
            return nil
        }
        guard let (wakePipe, finished) = running else { return }
        var byte: UInt8 = 1
        _ = write(wakePipe.write, &byte, 1)
        finished.wait()
        close(wakePipe.read)
        close(wakePipe.write)
        logger.info("metrics server stopped")
    }
}
