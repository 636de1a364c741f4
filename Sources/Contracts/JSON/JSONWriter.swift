import Basics
/// Writes `JSONValue`s as JSON text. Numbers are written with the digits they carry, so
/// parse → write round-trips numbers exactly.
public struct JSONWriter: Sendable {
    /// Sort object members by key (UTF-16 code unit order, as RFC 8785) for canonical output.
    public var sortedKeys: Bool
    /// Indent nested values with this many spaces; nil writes compact JSON.
    public var indent: Int?

    public init(sortedKeys: Bool = false, indent: Int? = nil) {
        self.sortedKeys = sortedKeys
        self.indent = indent
    }

    public static let compact = JSONWriter()
    public static let canonical = JSONWriter(sortedKeys: true)
    public static let pretty = JSONWriter(indent: 2)

    public func string(_ value: JSONValue) -> String {
        var out = ByteSink(capacity: 256)
        write(value, into: &out, level: 0)
        return out.withBytes { String(decoding: $0, as: UTF8.self) }
    }

    public func bytes(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        write(value, into: &out)
        return out
    }

    public func write(_ value: JSONValue, into out: inout [UInt8]) {
        var sink = ByteSink(capacity: 1024)
        write(value, into: &sink, level: 0)
        sink.withBytes { out.append(contentsOf: $0) }
    }

    private func write(_ value: JSONValue, into out: inout ByteSink, level: Int) {
        switch value {
        case .null: out.append("null")
        case .bool(let b): out.append(b ? "true" : "false")
        case .number(let n): out.append(utf8Of: n.literal)
        case .string(let s): JSONWriter.writeString(s, into: &out)
        case .array(let a):
            if a.isEmpty {
                out.append("[]")
                return
            }
            out.append(UInt8(ascii: "["))
            a.withUnsafeBufferPointer { elements in
                for k in elements.indices {
                    if k > 0 { out.append(UInt8(ascii: ",")) }
                    newline(&out, level + 1)
                    write(elements[k], into: &out, level: level + 1)
                }
            }
            newline(&out, level)
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            if o.isEmpty {
                out.append("{}")
                return
            }
            out.append(UInt8(ascii: "{"))
            let members = sortedKeys ? o.members.sorted { $0.key.utf16.lexicographicallyPrecedes($1.key.utf16) } : o.members
            members.withUnsafeBufferPointer { members in
                for k in members.indices {
                    if k > 0 { out.append(UInt8(ascii: ",")) }
                    newline(&out, level + 1)
                    JSONWriter.writeString(members[k].key, into: &out)
                    out.append(UInt8(ascii: ":"))
                    if indent != nil { out.append(UInt8(ascii: " ")) }
                    write(members[k].value, into: &out, level: level + 1)
                }
            }
            newline(&out, level)
            out.append(UInt8(ascii: "}"))
        }
    }

    @inline(__always)
    private func newline(_ out: inout ByteSink, _ level: Int) {
        guard let indent else { return }
        out.append(0x0A)
        for _ in 0..<(indent * level) { out.append(UInt8(ascii: " ")) }
    }

    /// Writes a JSON string literal: quotes, backslashes and control characters escaped, the rest as UTF-8.
    public static func writeString(_ s: String, into out: inout [UInt8]) {
        // Most strings need no escape: their bytes between quotes, without a second buffer
        // (checked over the contiguous bytes: the `utf8` view's iterator is several times slower).
        var text = s
        let plain = text.withUTF8 { bytes in
            for b in bytes where b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") || b < 0x20 { return false }
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: bytes)
            out.append(UInt8(ascii: "\""))
            return true
        }
        if plain { return }
        var sink = ByteSink(capacity: s.utf8.count + 16)
        writeString(s, into: &sink)
        sink.withBytes { out.append(contentsOf: $0) }
    }

    static func writeString(_ s: String, into out: inout ByteSink) {
        if s.utf8.withContiguousStorageIfAvailable({ writeQuoted($0, into: &out) }) == nil {
            var text = s
            text.withUTF8 { writeQuoted($0, into: &out) }
        }
    }

    /// Writes `"content"`, copying the content eight bytes at a time: a word with nothing to
    /// escape goes out whole, and so does a short tail.
    @inline(__always)
    private static func writeQuoted(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout ByteSink) {
        let count = bytes.count
        out.reserve(count + 2)
        out.appendUnchecked(UInt8(ascii: "\""))
        if count > 0, let source = bytes.baseAddress {
            let raw = UnsafeRawPointer(source)
            var j = 0
            while j + 8 <= count {
                let x = JSONBytes.word(raw, j)
                let hits = JSONBytes.needsEscape(x)
                if hits == 0 {
                    out.appendWord(x, count: 8)
                    j += 8
                    continue
                }
                let clean = hits.trailingZeroBitCount >> 3
                out.append(UnsafeRawBufferPointer(start: raw + j, count: clean))
                appendEscape(source[j + clean], into: &out)
                j += clean + 1
                out.reserve(count - j + 1)
            }
            let rest = count - j
            if rest > 0 {
                // Zero padding above `rest` would read as control characters: look at real lanes only.
                let x = count >= 8
                    ? JSONBytes.word(raw, count - 8) >> UInt64((8 - rest) * 8)
                    : JSONBytes.partialWord(raw, j, count: rest)
                if JSONBytes.needsEscape(x) & ((1 << UInt64(rest * 8)) &- 1) == 0 {
                    out.appendWord(x, count: rest)
                } else {
                    for b in UnsafeBufferPointer(rebasing: bytes[j...]) {
                        if b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") {
                            appendEscape(b, into: &out)
                            out.reserve(count - j + 1)
                        } else {
                            out.appendUnchecked(b)
                        }
                        j += 1
                    }
                }
            }
        }
        out.appendUnchecked(UInt8(ascii: "\""))
    }

    private static func appendEscape(_ b: UInt8, into out: inout ByteSink) {
        switch b {
        case UInt8(ascii: "\""): out.append("\\\"")
        case UInt8(ascii: "\\"): out.append("\\\\")
        case 0x0A: out.append("\\n")
        case 0x0D: out.append("\\r")
        case 0x09: out.append("\\t")
        case 0x08: out.append("\\b")
        case 0x0C: out.append("\\f")
        default:
            out.append("\\u00")
            out.append(Hex.digit(b >> 4))
            out.append(Hex.digit(b))
        }
    }
}

/// The writer's output buffer: one growing allocation written through a pointer, handed over
/// with a single copy at the end.
struct ByteSink: ~Copyable {
    private var base: UnsafeMutableRawPointer
    private var capacity: Int
    private var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        base = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 8)
    }

    deinit { base.deallocate() }

    func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: count))
    }

    /// Makes room for `extra` more bytes (plus a word of slack for `appendWord`).
    @inline(__always)
    mutating func reserve(_ extra: Int) {
        if count + extra + 8 > capacity { grow(count + extra + 8) }
    }

    private mutating func grow(_ needed: Int) {
        var bigger = capacity * 2
        while bigger < needed { bigger *= 2 }
        let fresh = UnsafeMutableRawPointer.allocate(byteCount: bigger, alignment: 8)
        fresh.copyMemory(from: base, byteCount: count)
        base.deallocate()
        base = fresh
        capacity = bigger
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        reserve(1)
        appendUnchecked(byte)
    }

    /// Appends a byte within room already reserved.
    @inline(__always)
    mutating func appendUnchecked(_ byte: UInt8) {
        base.storeBytes(of: byte, toByteOffset: count, as: UInt8.self)
        count += 1
    }

    /// Appends the low `bytes` (1...8) bytes of `word` within room already reserved: the whole
    /// word is stored, which the slack `reserve` keeps makes safe.
    @inline(__always)
    mutating func appendWord(_ word: UInt64, count bytes: Int) {
        base.storeBytes(of: word.littleEndian, toByteOffset: count, as: UInt64.self)
        count += bytes
    }

    @inline(__always)
    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        reserve(bytes.count)
        if let source = bytes.baseAddress { (base + count).copyMemory(from: source, byteCount: bytes.count) }
        count += bytes.count
    }

    @inline(__always)
    mutating func append(_ text: StaticString) {
        append(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    mutating func append(utf8Of text: String) {
        if text.utf8.withContiguousStorageIfAvailable({ append(UnsafeRawBufferPointer($0)) }) == nil {
            var copy = text
            copy.withUTF8 { append(UnsafeRawBufferPointer($0)) }
        }
    }
}

extension JSONValue: CustomStringConvertible {
    /// Compact JSON text.
    public var description: String { JSONWriter.compact.string(self) }
}
