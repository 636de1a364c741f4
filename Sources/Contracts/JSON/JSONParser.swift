/// Limits applied while parsing untrusted bytes.
public struct JSONParseOptions: Sendable {
    /// Deepest nesting of arrays and objects accepted. Clamped to `JSONParseOptions.hardMaxDepth`,
    /// so the recursive parser can never exhaust a thread's stack whatever the input.
    public var maxDepth: Int
    /// Largest document accepted, in bytes.
    public var maxBytes: Int
    /// Reject an object that names a member twice (the default: a duplicate `amount` is read
    /// differently by different consumers, so the bridge refuses it). When false, the last
    /// occurrence wins, as most parsers do and RFC 8259 permits.
    public var rejectDuplicateKeys: Bool

    /// The ceiling on `maxDepth`: deeper than this is rejected even when configured higher.
    public static let hardMaxDepth = 1_000

    public init(maxDepth: Int = 128, maxBytes: Int = 16 * 1024 * 1024, rejectDuplicateKeys: Bool = true) {
        self.maxDepth = maxDepth
        self.maxBytes = maxBytes
        self.rejectDuplicateKeys = rejectDuplicateKeys
    }

    public static let `default` = JSONParseOptions()
}

/// Why bytes are not an acceptable JSON document, and where.
public struct JSONParseError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// Not JSON grammar (including trailing content, a BOM, control characters in strings).
        case syntax = "json.syntax"
        /// Nested deeper than the configured limit.
        case depth = "json.depth"
        /// Larger than the configured size limit.
        case tooLarge = "json.too_large"
        /// Invalid UTF-8, or a `\u` escape that is a lone surrogate.
        case encoding = "json.encoding"
        /// An object names the same member twice.
        case duplicateKey = "json.duplicate_key"
    }

    public var code: Code
    public var message: String
    /// Byte offset (0-based) where the problem was found.
    public var offset: Int
    /// 1-based line and column (column counts bytes) of `offset`.
    public var line: Int
    public var column: Int

    public var description: String { "\(message) at line \(line), column \(column) (byte \(offset))" }
}

/// Parses JSON (RFC 8259) from bytes into `JSONValue`, strictly: no trailing commas, comments,
/// BOM, duplicate member names, lone surrogates or invalid UTF-8.
public enum JSONParser {
    public static func parse(_ bytes: UnsafeRawBufferPointer, options: JSONParseOptions = .default) throws(JSONParseError) -> JSONValue {
        let buffer = bytes.bindMemory(to: UInt8.self)
        var parser = Parser(buffer: buffer, options: options)
        return try parser.parseDocument()
    }

    public static func parse(_ bytes: [UInt8], options: JSONParseOptions = .default) throws(JSONParseError) -> JSONValue {
        let result: Result<JSONValue, JSONParseError> = bytes.withUnsafeBytes { raw in
            Result { () throws(JSONParseError) -> JSONValue in try parse(raw, options: options) }
        }
        return try result.get()
    }

    public static func parse(_ text: String, options: JSONParseOptions = .default) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8), options: options)
    }
}

private struct Parser {
    let p: UnsafeBufferPointer<UInt8>
    let n: Int
    let maxDepth: Int
    let maxBytes: Int
    let rejectDuplicateKeys: Bool
    var i = 0
    /// Scratch space for strings with escapes, reused across strings.
    var scratch: [UInt8] = []

    init(buffer: UnsafeBufferPointer<UInt8>, options: JSONParseOptions) {
        p = buffer
        n = buffer.count
        maxDepth = min(max(options.maxDepth, 1), JSONParseOptions.hardMaxDepth)
        maxBytes = options.maxBytes
        rejectDuplicateKeys = options.rejectDuplicateKeys
    }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        if n > maxBytes {
            throw error(.tooLarge, "document is \(n) bytes, the limit is \(maxBytes)", at: maxBytes)
        }
        skipWhitespace()
        if i >= n { throw error(.syntax, "empty document", at: i) }
        let value = try parseValue(depth: 0)
        skipWhitespace()
        if i < n { throw error(.syntax, "unexpected \(describe(p[i])) after the document", at: i) }
        return value
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while i < n {
            switch p[i] {
            case 0x20, 0x0A, 0x0D, 0x09: i += 1
            default: return
            }
        }
    }

    mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard i < n else { throw error(.syntax, "unexpected end of input, expected a value", at: i) }
        switch p[i] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), 0x30...0x39: return .number(try parseNumber())
        default: throw error(.syntax, "unexpected \(describe(p[i])), expected a value", at: i)
        }
    }

    mutating func expectLiteral(_ word: StaticString) throws(JSONParseError) {
        let len = word.utf8CodeUnitCount
        let start = word.utf8Start
        guard i + len <= n else { throw error(.syntax, "invalid literal, expected '\(word)'", at: i) }
        for k in 0..<len where p[i + k] != start[k] {
            throw error(.syntax, "invalid literal, expected '\(word)'", at: i)
        }
        i += len
    }

    mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        if depth > maxDepth { throw error(.depth, "nesting deeper than \(maxDepth)", at: i) }
        i += 1  // '{'
        var members: [JSONObject.Member] = []
        var seen: [String: Int]? = nil
        skipWhitespace()
        if i < n && p[i] == UInt8(ascii: "}") {
            i += 1
            return .object(JSONObject(uniqueMembers: members))
        }
        while true {
            skipWhitespace()
            guard i < n, p[i] == UInt8(ascii: "\"") else {
                throw error(.syntax, i < n ? "unexpected \(describe(p[i])), expected a member name" : "unexpected end of input in an object", at: i)
            }
            let keyStart = i
            let key = try parseString()
            // Duplicate names: linear for small objects, an index beyond that.
            var duplicate: Int? = nil
            if let seen {
                duplicate = seen[key]
            } else {
                for (k, m) in members.enumerated() where m.key == key {
                    duplicate = k
                    break
                }
            }
            if duplicate != nil && rejectDuplicateKeys {
                throw error(.duplicateKey, "duplicate member name \"\(key)\"", at: keyStart)
            }
            skipWhitespace()
            guard i < n, p[i] == UInt8(ascii: ":") else {
                throw error(.syntax, i < n ? "unexpected \(describe(p[i])), expected ':'" : "unexpected end of input, expected ':'", at: i)
            }
            i += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            if let duplicate {
                members[duplicate].value = value  // last one wins (rejectDuplicateKeys == false)
            } else {
                members.append(JSONObject.Member(key: key, value: value))
                if seen != nil {
                    seen?[key] = members.count - 1
                } else if members.count == 16 {
                    var index = [String: Int](minimumCapacity: 32)
                    for (k, m) in members.enumerated() { index[m.key] = k }
                    seen = index
                }
            }
            skipWhitespace()
            guard i < n else { throw error(.syntax, "unexpected end of input in an object", at: i) }
            if p[i] == UInt8(ascii: ",") {
                i += 1
                continue
            }
            if p[i] == UInt8(ascii: "}") {
                i += 1
                return .object(JSONObject(uniqueMembers: members))
            }
            throw error(.syntax, "unexpected \(describe(p[i])), expected ',' or '}'", at: i)
        }
    }

    mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        if depth > maxDepth { throw error(.depth, "nesting deeper than \(maxDepth)", at: i) }
        i += 1  // '['
        var elements: [JSONValue] = []
        skipWhitespace()
        if i < n && p[i] == UInt8(ascii: "]") {
            i += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            guard i < n else { throw error(.syntax, "unexpected end of input in an array", at: i) }
            if p[i] == UInt8(ascii: ",") {
                i += 1
                continue
            }
            if p[i] == UInt8(ascii: "]") {
                i += 1
                return .array(elements)
            }
            throw error(.syntax, "unexpected \(describe(p[i])), expected ',' or ']'", at: i)
        }
    }

    mutating func parseString() throws(JSONParseError) -> String {
        let open = i
        i += 1  // opening quote
        let start = i
        var ascii = true
        // Fast path: no escapes.
        while i < n {
            let b = p[i]
            if b == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: p[start..<i])
                i += 1
                if ascii { return String(decoding: slice, as: UTF8.self) }
                guard let s = String(validating: slice, as: UTF8.self) else {
                    throw error(.encoding, "invalid UTF-8 in a string", at: firstInvalidUTF8(from: start, to: i - 1))
                }
                return s
            }
            if b == UInt8(ascii: "\\") { break }
            if b < 0x20 { throw error(.syntax, "unescaped control character \(describe(b)) in a string", at: i) }
            if b >= 0x80 { ascii = false }
            i += 1
        }
        guard i < n else { throw error(.syntax, "unterminated string", at: open) }
        // Slow path: copy what we have, then decode escapes.
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: p[start..<i]))
        while i < n {
            let b = p[i]
            if b == UInt8(ascii: "\"") {
                i += 1
                guard let s = String(validating: scratch, as: UTF8.self) else {
                    throw error(.encoding, "invalid UTF-8 in a string", at: firstInvalidUTF8(from: start, to: i - 1))
                }
                return s
            }
            if b < 0x20 { throw error(.syntax, "unescaped control character \(describe(b)) in a string", at: i) }
            if b != UInt8(ascii: "\\") {
                scratch.append(b)
                i += 1
                continue
            }
            guard i + 1 < n else { break }
            let e = p[i + 1]
            switch e {
            case UInt8(ascii: "\""): scratch.append(0x22)
            case UInt8(ascii: "\\"): scratch.append(0x5C)
            case UInt8(ascii: "/"): scratch.append(0x2F)
            case UInt8(ascii: "b"): scratch.append(0x08)
            case UInt8(ascii: "f"): scratch.append(0x0C)
            case UInt8(ascii: "n"): scratch.append(0x0A)
            case UInt8(ascii: "r"): scratch.append(0x0D)
            case UInt8(ascii: "t"): scratch.append(0x09)
            case UInt8(ascii: "u"):
                let escapeAt = i
                var scalar = try hex4(at: i + 2)
                i += 6
                if scalar >= 0xD800 && scalar <= 0xDBFF {
                    // A high surrogate must be followed by an escaped low surrogate.
                    guard i + 1 < n, p[i] == UInt8(ascii: "\\"), p[i + 1] == UInt8(ascii: "u") else {
                        throw error(.encoding, "lone surrogate \\u\(hex(scalar)) in a string", at: escapeAt)
                    }
                    let low = try hex4(at: i + 2)
                    guard low >= 0xDC00 && low <= 0xDFFF else {
                        throw error(.encoding, "lone surrogate \\u\(hex(scalar)) in a string", at: escapeAt)
                    }
                    i += 6
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if scalar >= 0xDC00 && scalar <= 0xDFFF {
                    throw error(.encoding, "lone surrogate \\u\(hex(scalar)) in a string", at: escapeAt)
                }
                appendUTF8(scalar)
                continue
            default:
                throw error(.syntax, "invalid escape \\\(describe(e, quoted: false)) in a string", at: i)
            }
            i += 2
        }
        throw error(.syntax, "unterminated string", at: open)
    }

    func hex4(at j: Int) throws(JSONParseError) -> UInt32 {
        guard j + 4 <= n else { throw error(.syntax, "truncated \\u escape", at: j - 2) }
        var v: UInt32 = 0
        for k in 0..<4 {
            let c = p[j + k]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: throw error(.syntax, "invalid hex digit in \\u escape", at: j + k)
            }
            v = v << 4 | d
        }
        return v
    }

    mutating func appendUTF8(_ v: UInt32) {
        switch v {
        case 0..<0x80: scratch.append(UInt8(v))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | (v >> 6)))
            scratch.append(UInt8(0x80 | (v & 0x3F)))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | (v >> 12)))
            scratch.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            scratch.append(UInt8(0x80 | (v & 0x3F)))
        default:
            scratch.append(UInt8(0xF0 | (v >> 18)))
            scratch.append(UInt8(0x80 | ((v >> 12) & 0x3F)))
            scratch.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            scratch.append(UInt8(0x80 | (v & 0x3F)))
        }
    }

    mutating func parseNumber() throws(JSONParseError) -> JSONNumber {
        let start = i
        var plain = true
        var value: Int64 = 0
        var overflow = false
        let negative = p[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        guard i < n, p[i] >= 0x30 && p[i] <= 0x39 else {
            throw error(.syntax, "invalid number: expected a digit", at: i)
        }
        if p[i] == 0x30 {
            i += 1
            if i < n && p[i] >= 0x30 && p[i] <= 0x39 { throw error(.syntax, "invalid number: leading zero", at: i - 1) }
        } else {
            while i < n && p[i] >= 0x30 && p[i] <= 0x39 {
                let d = Int64(p[i] - 0x30)
                // Accumulate negatively so Int64.min is representable.
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (s, o2) = m.subtractingReportingOverflow(d)
                if o1 || o2 { overflow = true } else { value = s }
                i += 1
            }
        }
        if i < n && p[i] == UInt8(ascii: ".") {
            plain = false
            i += 1
            guard i < n, p[i] >= 0x30 && p[i] <= 0x39 else { throw error(.syntax, "invalid number: expected a digit after '.'", at: i) }
            while i < n && p[i] >= 0x30 && p[i] <= 0x39 { i += 1 }
        }
        if i < n && (p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E")) {
            plain = false
            i += 1
            if i < n && (p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-")) { i += 1 }
            guard i < n, p[i] >= 0x30 && p[i] <= 0x39 else { throw error(.syntax, "invalid number: expected a digit in the exponent", at: i) }
            while i < n && p[i] >= 0x30 && p[i] <= 0x39 { i += 1 }
        }
        let literal = String(decoding: UnsafeBufferPointer(rebasing: p[start..<i]), as: UTF8.self)
        var int64: Int64? = nil
        if plain && !overflow {
            if negative {
                int64 = value
            } else if value != Int64.min {
                int64 = -value
            }
        }
        return JSONNumber(validatedLiteral: literal, int64: int64)
    }

    func firstInvalidUTF8(from: Int, to: Int) -> Int {
        var j = from
        while j < to {
            let b = p[j]
            let len: Int
            switch b {
            case 0x00..<0x80: len = 1
            case 0xC2...0xDF: len = 2
            case 0xE0...0xEF: len = 3
            case 0xF0...0xF4: len = 4
            default: return j
            }
            guard j + len <= to, String(validating: UnsafeBufferPointer(rebasing: p[j..<(j + len)]), as: UTF8.self) != nil else { return j }
            j += len
        }
        return from
    }

    func describe(_ b: UInt8, quoted: Bool = true) -> String {
        if b >= 0x21 && b < 0x7F {
            let c = String(UnicodeScalar(b))
            return quoted ? "'\(c)'" : c
        }
        return "byte 0x\(hex(UInt32(b), width: 2))"
    }

    func hex(_ v: UInt32, width: Int = 4) -> String {
        let s = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }

    func error(_ code: JSONParseError.Code, _ message: String, at offset: Int) -> JSONParseError {
        var line = 1
        var column = 1
        let end = min(offset, n)
        for k in 0..<end {
            if p[k] == 0x0A {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return JSONParseError(code: code, message: message, offset: offset, line: line, column: column)
    }
}
