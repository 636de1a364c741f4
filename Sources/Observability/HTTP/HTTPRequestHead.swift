/// The request line of an HTTP/1.x request, parsed from the bytes of a request head.
///
/// The metrics server reads only the request line: method, path and version. Header fields
/// are bounded by the server's header limit and otherwise ignored (every response closes the
/// connection, so no body framing is needed).
struct HTTPRequestHead: Equatable {
    /// What can be wrong with a request head; each maps to a status code.
    enum Problem: Error, Equatable {
        /// The request line is not `METHOD SP target SP HTTP/x.y`.
        case malformed
        /// Not HTTP/1.0 or HTTP/1.1.
        case unsupportedVersion
    }

    var method: String
    /// The path of the target, without the query string.
    var path: String
    /// `HTTP/1.0` or `HTTP/1.1`.
    var version: String

    /// The length of the request head including the terminating empty line (`\r\n\r\n`, or a
    /// bare `\n\n` from lenient clients), or nil while it is incomplete. `from` lets a caller
    /// that appends bytes resume the search where it left off.
    static func headLength(in bytes: [UInt8], searchingFrom from: Int = 0) -> Int? {
        var i = max(0, from)
        while i < bytes.count {
            if bytes[i] == 0x0A {
                if i + 1 < bytes.count, bytes[i + 1] == 0x0A { return i + 2 }
                if i + 2 < bytes.count, bytes[i + 1] == 0x0D, bytes[i + 2] == 0x0A { return i + 3 }
            }
            i += 1
        }
        return nil
    }

    /// Parses the request line at the start of `head`. Never traps, whatever the bytes.
    static func parse(_ head: ArraySlice<UInt8>) -> Result<HTTPRequestHead, Problem> {
        guard let end = head.firstIndex(of: 0x0A) else { return .failure(.malformed) }
        var line = head[head.startIndex..<end]
        if line.last == 0x0D { line = line.dropLast() }
        // Visible ASCII and spaces only: no control bytes, no non-ASCII in the request line.
        guard !line.isEmpty, line.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else { return .failure(.malformed) }
        let parts = line.split(separator: 0x20, omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty }) else { return .failure(.malformed) }
        let method = String(decoding: parts[0], as: UTF8.self)
        let target = String(decoding: parts[1], as: UTF8.self)
        let version = String(decoding: parts[2], as: UTF8.self)
        guard method.utf8.allSatisfy(isTokenByte) else { return .failure(.malformed) }
        guard version.hasPrefix("HTTP/") else { return .failure(.malformed) }
        guard version == "HTTP/1.1" || version == "HTTP/1.0" else { return .failure(.unsupportedVersion) }
        guard let path = originPath(of: target) else { return .failure(.malformed) }
        return .success(HTTPRequestHead(method: method, path: path, version: version))
    }

    /// The path of an origin-form (`/metrics?x`) or absolute-form (`http://host/metrics`)
    /// target, without query or fragment.
    private static func originPath(of target: String) -> String? {
        var rest = Substring(target)
        if rest.hasPrefix("http://") || rest.hasPrefix("https://") {
            guard let schemeEnd = rest.range(of: "://") else { return nil }
            rest = rest[schemeEnd.upperBound...]
            guard let slash = rest.firstIndex(of: "/") else { return "/" }
            rest = rest[slash...]
        }
        guard rest.hasPrefix("/") else { return nil }
        if let cut = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) { rest = rest[..<cut] }
        return String(rest)
    }

    /// RFC 9110 `tchar`.
    private static func isTokenByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(b)
        }
    }
}
