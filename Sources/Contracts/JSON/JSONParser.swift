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
        defer { ShortStringCache.giveBack(parser.strings) }
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

/// One parse of one document. Non-copyable: it owns the scratch stacks and the string cache.
struct Parser: ~Copyable {
    let p: UnsafeBufferPointer<UInt8>
    let n: Int
    let maxDepth: Int
    let maxBytes: Int
    let rejectDuplicateKeys: Bool
    var i = 0
    /// Scratch space for strings with escapes, reused across strings.
    var scratch: [UInt8] = []
    /// Members of the objects being built, innermost on top, with their names' digests beside them.
    var members = ScratchStack<JSONObject.Member>(capacity: 64)
    var digests = ScratchStack<UInt64>(capacity: 64)
    /// Elements of the arrays being built, innermost on top.
    var elements = ScratchStack<JSONValue>(capacity: 32)
    let strings = ShortStringCache.take()
    /// The digest of the last member name `parseString(isKey: true)` read.
    var keyDigest: UInt64 = 0

    /// Objects up to this many members find duplicate names by comparing digests; bigger ones use a
    /// (seeded) hash index, so crafted digest clashes cannot make parsing quadratic.
    static let linearMemberLimit = 32

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
            let b = p[i]
            // Every whitespace byte is <= 0x20; compact text answers here with one comparison.
            if b > 0x20 { return }
            switch b {
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
        case UInt8(ascii: "\""): return .string(try parseString(isKey: false))
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
        skipWhitespace()
        if i < n && p[i] == UInt8(ascii: "}") {
            i += 1
            return .object(JSONObject(uniqueMembers: []))
        }
        // This object's members are members[base...] (nested values push and pop above them).
        let base = members.count
        var index: [String: Int]? = nil
        while true {
            skipWhitespace()
            guard i < n, p[i] == UInt8(ascii: "\"") else {
                throw error(.syntax, i < n ? "unexpected \(describe(p[i])), expected a member name" : "unexpected end of input in an object", at: i)
            }
            let keyStart = i
            let key = try parseString(isKey: true)
            let digest = keyDigest
            // Duplicate names: equal digests first, then the names themselves; an index for big objects.
            var duplicate: Int? = nil
            if let index {
                duplicate = index[key]
            } else {
                for k in base..<members.count where digests[k] == digest && members[k].key == key {
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
                if index != nil { index?[key] = members.count }
                digests.push(digest)
                members.push(JSONObject.Member(key: key, value: value))
                if index == nil && members.count - base == Self.linearMemberLimit {
                    var built = [String: Int](minimumCapacity: 2 * Self.linearMemberLimit)
                    for k in base..<members.count { built[members[k].key] = k }
                    index = built
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
                digests.pop(to: base)
                return .object(JSONObject(uniqueMembers: members.popArray(from: base)))
            }
            throw error(.syntax, "unexpected \(describe(p[i])), expected ',' or '}'", at: i)
        }
    }

    mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        if depth > maxDepth { throw error(.depth, "nesting deeper than \(maxDepth)", at: i) }
        i += 1  // '['
        skipWhitespace()
        if i < n && p[i] == UInt8(ascii: "]") {
            i += 1
            return .array([])
        }
        let base = elements.count
        while true {
            skipWhitespace()
            elements.push(try parseValue(depth: depth))
            skipWhitespace()
            guard i < n else { throw error(.syntax, "unexpected end of input in an array", at: i) }
            if p[i] == UInt8(ascii: ",") {
                i += 1
                continue
            }
            if p[i] == UInt8(ascii: "]") {
                i += 1
                return .array(elements.popArray(from: base))
            }
            throw error(.syntax, "unexpected \(describe(p[i])), expected ',' or ']'", at: i)
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
        let literal = asciiString(start: start, count: i - start, isKey: false)
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
