import Glibc

/// A non-blocking TCP listening socket bound to `HOST:PORT`, plus the few socket helpers the
/// metrics server's I/O thread needs. Plain Glibc calls, no C module.
struct ListeningSocket {
    let fd: Int32
    /// The address actually bound, `127.0.0.1:9464` or `[::1]:9464` (port 0 resolved).
    let boundAddress: String
    /// The port actually bound.
    let port: Int

    /// Splits `HOST:PORT` (`[v6]:PORT` for IPv6) into host and port.
    static func splitHostPort(_ address: String) -> (host: String, port: UInt16)? {
        guard let colon = address.lastIndex(of: ":") else { return nil }
        var host = String(address[..<colon])
        guard let port = UInt16(address[address.index(after: colon)...]) else { return nil }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, !host.contains("[") else { return nil }
        return (host, port)
    }

    /// Resolves `address`, binds the first result that accepts and listens with `backlog`.
    static func bind(_ address: String, backlog: Int32) throws(MetricsServerError) -> ListeningSocket {
        guard let (host, port) = splitHostPort(address) else {
            throw MetricsServerError(.invalidAddress, "metrics address must be HOST:PORT, got '\(address)'")
        }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            throw MetricsServerError(.invalidAddress, "cannot resolve metrics host '\(host)': \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(first) }
        var lastErrno: Int32 = 0
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let info = candidate {
            candidate = info.pointee.ai_next
            let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
            let fd = socket(info.pointee.ai_family, type, 0)
            if fd < 0 {
                throw MetricsServerError(.socketFailed, "socket() failed", errno: errno)
            }
            var one: Int32 = 1
            _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            if Glibc.bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0, listen(fd, backlog) == 0,
               let (bound, boundPort) = localAddress(of: fd) {
                return ListeningSocket(fd: fd, boundAddress: bound, port: boundPort)
            }
            lastErrno = errno
            close(fd)
        }
        throw MetricsServerError(.bindFailed, "cannot listen on \(address)", errno: lastErrno)
    }

    /// The local address of a socket as `HOST:PORT` / `[HOST]:PORT`, and its port.
    static func localAddress(of fd: Int32) -> (String, Int)? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) == 0 }
        }
        guard ok else { return nil }
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        var service = [CChar](repeating: 0, count: Int(NI_MAXSERV))
        let rc = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getnameinfo($0, length, &host, socklen_t(host.count), &service, socklen_t(service.count),
                            NI_NUMERICHOST | NI_NUMERICSERV)
            }
        }
        guard rc == 0, let port = Int(decodeCString(service)) else { return nil }
        let text = decodeCString(host)
        return (text.contains(":") ? "[\(text)]:\(port)" : "\(text):\(port)", port)
    }

    /// Makes `fd` non-blocking and close-on-exec (`accept4` and `pipe2` are not visible to
    /// Swift through Glibc). False if `fcntl` fails.
    static func makeNonBlocking(_ fd: Int32) -> Bool {
        let flags = fcntl(fd, F_GETFL)
        return flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 && fcntl(fd, F_SETFD, FD_CLOEXEC) == 0
    }

    /// A NUL-terminated buffer filled by a C call, as a String.
    private static func decodeCString(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Milliseconds on the monotonic clock (deadlines of connections).
    static func monotonicMilliseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}
