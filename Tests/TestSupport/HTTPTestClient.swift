import Foundation
import Glibc
import Observability

/// A blocking HTTP/1.1 client over raw sockets for the metrics server tests: it can send any
/// bytes (malformed, oversized, nothing at all) and reads the response until the server closes.
/// Every socket has a receive timeout, so a broken server fails a test instead of hanging it.
public enum HTTPTestClient {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public struct Response {
        public var status: Int
        /// Header names lowercased.
        public var headers: [String: String]
        public var body: String
    }

    /// A connected socket to 127.0.0.1:`port` with a receive timeout.
    public static func connect(port: Int, receiveTimeoutSeconds: Int = 10) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket() failed") }
        var timeout = timeval(tv_sec: receiveTimeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            close(fd)
            throw Failure(description: "connect to port \(port) failed: errno \(errno)")
        }
        return fd
    }

    public static func send(_ fd: Int32, _ text: String) throws {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure(description: "send failed: errno \(errno)") }
            offset += n
        }
    }

    /// Reads until the server closes the connection (or the receive timeout passes).
    public static func readToEnd(_ fd: Int32) throws -> [UInt8] { try ProbeClient.readToEnd(fd) }

    public static func parse(_ bytes: [UInt8]) throws -> Response {
        let r = try ProbeClient.parse(bytes)
        guard bytes.starts(with: Array("HTTP/1.1 ".utf8)) else { throw Failure(description: "not an HTTP/1.1 response") }
        return Response(status: r.status, headers: r.headers, body: r.body)
    }

    /// Sends `raw` on a new connection and returns the parsed response.
    public static func exchange(port: Int, _ raw: String) throws -> Response {
        let fd = try connect(port: port)
        defer { close(fd) }
        try send(fd, raw)
        return try parse(readToEnd(fd))
    }

    /// `METHOD path` with a minimal valid HTTP/1.1 head.
    public static func request(port: Int, _ path: String, method: String = "GET") throws -> Response {
        try exchange(port: port, "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: test\r\n\r\n")
    }
}
