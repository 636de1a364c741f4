import Glibc

/// The metrics server's I/O loop: one dedicated thread polls the listening socket, a wake-up
/// pipe and every open connection (all non-blocking), so no client, however slow, can hold a
/// thread; a scrape's work is one rendering shared by all requests answered in the same pass.
final class MetricsServerLoop: @unchecked Sendable {
    // @unchecked Sendable: the loop is handed to its thread once, before `run()` starts, and
    // from then on only that thread touches `connections`; every other stored property is
    // immutable. The server talks to the running loop only through the wake-up pipe.

    private let listener: ListeningSocket
    private let wakeFD: Int32
    private let configuration: MetricsServer.Configuration
    private let router: MetricsRouter
    private let logger: Logger
    private var connections: [Int32: HTTPConnection] = [:]

    init(listener: ListeningSocket, wakeFD: Int32, configuration: MetricsServer.Configuration,
         router: MetricsRouter, logger: Logger) {
        self.listener = listener
        self.wakeFD = wakeFD
        self.configuration = configuration
        self.router = router
        self.logger = logger
    }

    /// Serves until a byte arrives on the wake-up pipe, then closes the listener and every
    /// connection. The pipe stays open: the server closes both ends after this returns, so
    /// its wake-up write can never hit a closed pipe (SIGPIPE).
    func run() {
        defer {
            for fd in connections.keys { close(fd) }
            connections = [:]
            close(listener.fd)
        }
        var fds: [pollfd] = []
        while true {
            fds.removeAll(keepingCapacity: true)
            fds.append(pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0))
            fds.append(pollfd(fd: listener.fd, events: Int16(POLLIN), revents: 0))
            for (fd, connection) in connections { fds.append(pollfd(fd: fd, events: connection.pollEvents, revents: 0)) }
            let ready = poll(&fds, nfds_t(fds.count), pollTimeout())
            if ready < 0 {
                if errno == EINTR { continue }
                logger.error("poll failed; the metrics server stops", ["errno": String(errno)])
                return
            }
            if fds[0].revents != 0 { return }
            var cache = MetricsRouter.ScrapeCache()
            for entry in fds.dropFirst(2) where entry.revents != 0 {
                service(entry.fd, revents: entry.revents, cache: &cache)
            }
            if fds[1].revents != 0 { acceptAll() }
            expire()
        }
    }

    /// Milliseconds until the nearest connection deadline, or -1 (no connections).
    private func pollTimeout() -> Int32 {
        guard let nearest = connections.values.map(\.deadline).min() else { return -1 }
        let wait = nearest - ListeningSocket.monotonicMilliseconds()
        return Int32(max(0, min(wait, 60_000)))
    }

    private func acceptAll() {
        while true {
            let fd = accept(listener.fd, nil, nil)
            if fd < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                if errno != EAGAIN && errno != EWOULDBLOCK {
                    logger.warning("accept failed", ["errno": String(errno)])
                }
                return
            }
            guard ListeningSocket.makeNonBlocking(fd) else {
                close(fd)
                continue
            }
            guard connections.count < configuration.maxConnections else {
                // Over the limit: a best-effort 503 in one non-blocking send, then close.
                let bytes = HTTPResponse.text(503, "too many connections").serialized()
                _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                close(fd)
                logger.debug("metrics connection refused: too many connections")
                continue
            }
            let deadline = ListeningSocket.monotonicMilliseconds() + Int64(configuration.readTimeoutMilliseconds)
            connections[fd] = HTTPConnection(fd: fd, deadline: deadline)
        }
    }

    private func service(_ fd: Int32, revents: Int16, cache: inout MetricsRouter.ScrapeCache) {
        guard var connection = connections[fd] else { return }
        let finished: Bool
        switch connection.phase {
        case .reading:
            switch connection.read(limit: configuration.maxHeaderBytes) {
            case .needMore:
                finished = revents & Int16(POLLERR | POLLNVAL) != 0
            case .closed:
                finished = true
            case .tooLarge:
                finished = respond(&connection, HTTPResponse.text(431, "request header too large").serialized())
            case .head(.failure(let problem)):
                finished = respond(&connection, MetricsRouter.response(for: problem))
            case .head(.success(let head)):
                finished = respond(&connection, router.response(for: head, cache: &cache))
            }
        case .writing:
            finished = connection.write(drainDeadline: drainDeadline())
        case .draining:
            finished = connection.drain()
        }
        if finished {
            close(fd)
            connections[fd] = nil
        } else {
            connections[fd] = connection
        }
    }

    /// Starts writing `bytes` and writes what the socket takes now. True when finished.
    private func respond(_ connection: inout HTTPConnection, _ bytes: [UInt8]) -> Bool {
        let now = ListeningSocket.monotonicMilliseconds()
        connection.respond(bytes, deadline: now + Int64(configuration.writeTimeoutMilliseconds))
        return connection.write(drainDeadline: drainDeadline())
    }

    private func drainDeadline() -> Int64 {
        ListeningSocket.monotonicMilliseconds() + Int64(configuration.drainTimeoutMilliseconds)
    }

    /// Closes connections whose deadline passed; a client still silent gets a best-effort 408.
    private func expire() {
        let now = ListeningSocket.monotonicMilliseconds()
        for (fd, connection) in connections where connection.deadline <= now {
            if connection.phase == .reading {
                let bytes = HTTPResponse.text(408, "request timeout").serialized()
                _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            }
            close(fd)
            connections[fd] = nil
        }
    }
}
