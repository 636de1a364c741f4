/// String literals: an ASCII fast path eight bytes at a time, short strings shared through the
/// document's cache, and the general path for escapes and non-ASCII text.
extension Parser {
    /// Reads the string literal at `i` (its opening quote). For a member name (`isKey`) it also
    /// leaves the name's digest in `keyDigest`.
    @inline(__always)
    mutating func parseString(isKey: Bool) throws(JSONParseError) -> String {
        let start = i + 1
        var j = start
        let raw = UnsafeRawPointer(p.baseAddress.unsafelyUnwrapped)
        scan: while true {
            if j + 8 <= n {
                let hits = JSONBytes.needsEscapeOrNonASCII(JSONBytes.word(raw, j))
                if hits != 0 {
                    j += hits.trailingZeroBitCount >> 3
                    break scan
                }
                j += 8
            } else {
                while j < n {
                    let b = p[j]
                    if b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") || b < 0x20 || b >= 0x80 { break scan }
                    j += 1
                }
                break scan
            }
        }
        if j < n && p[j] == UInt8(ascii: "\"") {
            i = j + 1
            let s = asciiString(start: start, count: j - start, isKey: isKey)
            if isKey && j - start > 16 { keyDigest = JSONBytes.digest(raw + start, count: j - start) }
            return s
        }
        // Everything before `j` is plain ASCII; the rest needs the general path.
        return try parseGeneralString(open: i, resumingAt: j, isKey: isKey)
    }

    /// A string of ASCII bytes at `start` with no escapes (a string's content or a number's
    /// literal). A member name (`isKey`) of up to 16 bytes comes from the cache and leaves its
    /// digest in `keyDigest`; other strings of up to 15 bytes are built in place as small strings
    /// (no allocation, nothing to share), and a 16-byte value also goes through the cache.
    @inline(__always)
    mutating func asciiString(start: Int, count: Int, isKey: Bool) -> String {
        if !isKey && count <= 15 { return smallASCIIString(start: start, count: count) }
        guard count <= 16 else {
            return String(decoding: UnsafeBufferPointer(rebasing: p[start..<(start + count)]), as: UTF8.self)
        }
        let raw = UnsafeRawPointer(p.baseAddress.unsafelyUnwrapped)
        let first: UInt64
        let second: UInt64
        if start + 16 <= n {
            // Read whole words and mask off what follows the string.
            let w0 = JSONBytes.word(raw, start)
            let w1 = JSONBytes.word(raw, start + 8)
            first = count >= 8 ? w0 : w0 & ((1 << UInt64(count * 8)) &- 1)
            second = count <= 8 ? 0 : count == 16 ? w1 : w1 & ((1 << UInt64((count - 8) * 8)) &- 1)
        } else {
            first = JSONBytes.partialWord(raw, start, count: min(count, 8))
            second = count > 8 ? JSONBytes.partialWord(raw, start + 8, count: count - 8) : 0
        }
        let digest = JSONBytes.shortDigest(first, second, count: count)
        keyDigest = digest
        if let cached = strings.lookup(first, second, count: count, digest: digest) { return cached }
        return cacheMiss(start: start, count: count, first, second, digest: digest)
    }

    /// Builds and caches the string `asciiString` did not find: kept out of line so that the
    /// hit path (most member names) stays small.
    @inline(never)
    func cacheMiss(start: Int, count: Int, _ first: UInt64, _ second: UInt64, digest: UInt64) -> String {
        let s = count <= 15
            ? smallASCIIString(start: start, count: count)
            : String(decoding: UnsafeBufferPointer(rebasing: p[start..<(start + count)]), as: UTF8.self)
        strings.insert(s, first, second, count: count, digest: digest)
        return s
    }

    /// A string of at most 15 ASCII bytes at `start`: it fits a small string, which
    /// `String(unsafeUninitializedCapacity:)` fills in place (its ASCII check is a mask, where
    /// `String(decoding:)` scans and then copies).
    @inline(__always)
    func smallASCIIString(start: Int, count: Int) -> String {
        let source = p.baseAddress.unsafelyUnwrapped + start
        return String(unsafeUninitializedCapacity: count) { buffer in
            buffer.baseAddress.unsafelyUnwrapped.update(from: source, count: count)
            return count
        }
    }

    /// The string whose opening quote is at `open`, from `j` on (all before `j` is plain ASCII):
    /// non-ASCII text is validated as UTF-8 and escapes are decoded into `scratch`.
    mutating func parseGeneralString(open: Int, resumingAt j: Int, isKey: Bool) throws(JSONParseError) -> String {
        let start = open + 1
        i = j
        var ascii = true
        while i < n {
            let b = p[i]
            if b == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: p[start..<i])
                i += 1
                if isKey { keyDigest = JSONBytes.digest(UnsafeRawPointer(slice.baseAddress.unsafelyUnwrapped), count: slice.count) }
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
        // Escapes: copy what we have, then decode.
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: p[start..<i]))
        while i < n {
            let b = p[i]
            if b == UInt8(ascii: "\"") {
                i += 1
                if isKey { keyDigest = scratch.withUnsafeBytes { JSONBytes.digest($0.baseAddress.unsafelyUnwrapped, count: $0.count) } }
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
        if let v = JSONBytes.hex4(p, at: j) { return v }
        guard j + 4 <= n else { throw error(.syntax, "truncated \\u escape", at: j - 2) }
        let bad = (j..<(j + 4)).first { JSONBytes.hexDigit(p[$0]) == nil } ?? j
        throw error(.syntax, "invalid hex digit in \\u escape", at: bad)
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
}
