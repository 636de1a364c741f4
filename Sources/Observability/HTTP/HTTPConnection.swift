import Glibc

/// One accepted connection of the metrics server, owned by its I/O thread: reads a bounded
/// request head, writes one response, then half-closes and drains what the client still sends
/// (so a rejected client reads its 431 instead of a reset) before closing.
///
/// Every phase has a deadline; the loop closes connections whose deadline passed, so a client
/// that connects and sends nothing, or never reads, holds nothing but one descriptor for a while.
struct HTTPConnection {
    enum Phase {
        case reading, writing, draining
    }

    enum ReadResult {
        /// The head is incomplete; wait for more bytes.
        case needMore
        /// A complete head was read.
        case head(Result<HTTPRequestHead, HTTPRequestHead.Problem>)
        /// The head exceeds the limit.
        case tooLarge
        /// The peer closed or the socket failed before a complete head.
        case closed
    }

    let fd: Int32
    private(set) var phase = Phase.reading
    /// When the current phase must be over (monotonic milliseconds).
    private(set) var deadline: Int64
    private var input: [UInt8] = []
    private var output: [UInt8] = []
    private var written = 0
    private var drained = 0

    /// The most a draining connection reads before it is closed anyway.
    static let drainLimit = 64 * 1024

    init(fd: Int32, deadline: Int64) {
        self.fd = fd
        self.deadline = deadline
    }

    /// The `poll` events this connection waits for.
    var pollEvents: Int16 {
        phase == .writing ? Int16(POLLOUT) : Int16(POLLIN)
    }

    /// Reads what is available, up to `limit` bytes of request head in total.
    mutating func read(limit: Int) -> ReadResult {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let room = min(chunk.count, limit - input.count + 1)
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, room, 0) }
            if n == 0 { return .closed }
            if n < 0 {
                if errno == EINTR { continue }
                return errno == EAGAIN || errno == EWOULDBLOCK ? .needMore : .closed
            }
            let searchFrom = max(0, input.count - 3)
            input += chunk[0..<n]
            if let length = HTTPRequestHead.headLength(in: input, searchingFrom: searchFrom), length <= limit {
                return .head(HTTPRequestHead.parse(input[0..<length]))
            }
            if input.count >= limit { return .tooLarge }
        }
    }

    /// Switches to writing `bytes` until `deadline`.
    mutating func respond(_ bytes: [UInt8], deadline: Int64) {
        input = []
        output = bytes
        written = 0
        phase = .writing
        self.deadline = deadline
    }

    /// Writes what the socket takes. Returns true when the connection is finished with and can
    /// be closed (a write error); after the last byte it half-closes and starts draining until
    /// `drainDeadline`.
    mutating func write(drainDeadline: Int64) -> Bool {
        while written < output.count {
            let n = output.withUnsafeBytes { raw in
                send(fd, raw.baseAddress.map { $0 + written }, output.count - written, Int32(MSG_NOSIGNAL))
            }
            if n < 0 {
                if errno == EINTR { continue }
                return !(errno == EAGAIN || errno == EWOULDBLOCK)
            }
            written += n
        }
        output = []
        shutdown(fd, Int32(SHUT_WR))
        phase = .draining
        deadline = drainDeadline
        return false
    }

    /// Reads and discards what the client still sends. Returns true when the connection can be
    /// closed (end of stream, an error or the drain limit).
    mutating func drain() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                drained += n
                if drained > HTTPConnection.drainLimit { return true }
                continue
            }
            if n < 0 && errno == EINTR { continue }
            return !(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        }
    }
}
