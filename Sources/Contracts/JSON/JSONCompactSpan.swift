/// Finds where a value's text can be reused as output instead of serialising the parsed value
/// again: when the bytes are exactly what `JSONWriter.compact` would write for them.
///
/// That holds for a valid JSON text when it has no whitespace outside strings and only the escapes
/// the writer itself writes: the writer escapes only `"`, `\` and control characters (which valid
/// JSON carries only as escapes), writes other UTF-8 unchanged, numbers as their literal text and
/// members in their order (the parser rejects duplicate names). Anything else — `\/`, `\u00e9`,
/// a space after a colon — answers nil, and the caller serialises as before. The input must be a text `JSONParser`
/// accepted; on anything unexpected the answer is nil, never a wrong range.
public enum JSONCompactSpan {
    /// The range of the whole text when it is compact (see above).
    public static func whole(_ bytes: [UInt8]) -> Range<Int>? {
        bytes.withUnsafeBufferPointer { b in
            guard let end = compactValueEnd(b, from: 0), end == b.count else { return nil }
            return 0..<end
        }
    }

    /// The range of the value of the top-level member `name` of an object text, when that value
    /// is compact. The rest of the object may be formatted any way.
    public static func member(_ name: String, of bytes: [UInt8]) -> Range<Int>? {
        let key = Array(name.utf8)
        return bytes.withUnsafeBufferPointer { b -> Range<Int>? in
            var i = skipSpace(b, 0)
            guard i < b.count, b[i] == UInt8(ascii: "{") else { return nil }
            i += 1
            while true {
                i = skipSpace(b, i)
                guard i < b.count, b[i] == UInt8(ascii: "\"") else { return nil }
                let keyStart = i + 1
                guard let keyEnd = stringEnd(b, from: i) else { return nil }
                let matches = keyEnd - 1 - keyStart == key.count && key.indices.allSatisfy { b[keyStart + $0] == key[$0] }
                i = skipSpace(b, keyEnd)
                guard i < b.count, b[i] == UInt8(ascii: ":") else { return nil }
                i = skipSpace(b, i + 1)
                if matches {
                    guard let end = compactValueEnd(b, from: i) else { return nil }
                    return i..<end
                }
                guard let end = valueEnd(b, from: i) else { return nil }
                i = skipSpace(b, end)
                guard i < b.count, b[i] == UInt8(ascii: ",") else { return nil }
                i += 1
            }
        }
    }

    @inline(__always)
    private static func isSpace(_ c: UInt8) -> Bool {
        c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09
    }

    private static func skipSpace(_ b: UnsafeBufferPointer<UInt8>, _ from: Int) -> Int {
        var i = from
        while i < b.count && isSpace(b[i]) { i += 1 }
        return i
    }

    /// Just past the closing quote of the string opening at `from` (escapes allowed).
    private static func stringEnd(_ b: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        var i = from + 1
        while i < b.count {
            switch b[i] {
            case UInt8(ascii: "\""): return i + 1
            case UInt8(ascii: "\\"): i += 2
            default: i += 1
            }
        }
        return nil
    }

    /// Just past the value starting at `from` (any formatting).
    private static func valueEnd(_ b: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        var i = from
        var depth = 0
        while i < b.count {
            let c = b[i]
            switch c {
            case UInt8(ascii: "\""):
                guard let end = stringEnd(b, from: i) else { return nil }
                i = end
                if depth == 0 { return i }
                continue
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if depth == 0 { return i }  // the end of a scalar inside the parent
                depth -= 1
                if depth == 0 { return i + 1 }
            case UInt8(ascii: ","):
                if depth == 0 { return i }
            default:
                if depth == 0 && isSpace(c) { return i }
            }
            i += 1
        }
        return depth == 0 ? i : nil
    }

    /// The length of the escape sequence at `i` when it is the one `JSONWriter` writes for the
    /// character it stands for (`\"`, `\\`, `\n`, `\r`, `\t`, `\b`, `\f`, or `\u00xx` in
    /// lowercase for the other control characters); nil for any other (`\/`, `\u00e9` …).
    static func writerEscapeLength(_ b: UnsafeBufferPointer<UInt8>, at i: Int) -> Int? {
        guard i + 1 < b.count else { return nil }
        switch b[i + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"),
             UInt8(ascii: "b"), UInt8(ascii: "f"):
            return 2
        case UInt8(ascii: "u"):
            guard i + 5 < b.count, b[i + 2] == UInt8(ascii: "0"), b[i + 3] == UInt8(ascii: "0") else { return nil }
            let high = b[i + 4], low = b[i + 5]
            guard high == UInt8(ascii: "0") || high == UInt8(ascii: "1") else { return nil }
            let lowValue: UInt8
            switch low {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): lowValue = low - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): lowValue = low - UInt8(ascii: "a") + 10
            default: return nil
            }
            let value = (high - UInt8(ascii: "0")) << 4 | lowValue
            // The writer uses the short forms for these.
            return [0x08, 0x09, 0x0A, 0x0C, 0x0D].contains(value) ? nil : 6
        default:
            return nil
        }
    }

    /// Just past the value starting at `from` when it is compact; nil at the first whitespace
    /// outside a string or escape the writer would not write. Strings are skipped eight bytes at
    /// a time.
    private static func compactValueEnd(_ b: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        guard let base = b.baseAddress else { return nil }
        let raw = UnsafeRawPointer(base)
        let count = b.count
        var i = from
        var depth = 0
        while i < count {
            let c = b[i]
            switch c {
            case UInt8(ascii: "\""):
                i += 1
                while true {
                    while i + 8 <= count {
                        let hits = JSONBytes.quoteOrBackslash(JSONBytes.word(raw, i))
                        if hits != 0 {
                            i += hits.trailingZeroBitCount >> 3
                            break
                        }
                        i += 8
                    }
                    while i < count && b[i] != UInt8(ascii: "\"") && b[i] != UInt8(ascii: "\\") { i += 1 }
                    guard i < count else { return nil }
                    if b[i] == UInt8(ascii: "\"") { break }
                    guard let length = writerEscapeLength(b, at: i) else { return nil }
                    i += length
                }
                i += 1
                if depth == 0 { return i }
                continue
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if depth == 0 { return i }
                depth -= 1
                if depth == 0 { return i + 1 }
            case UInt8(ascii: ","):
                if depth == 0 { return i }
            default:
                if isSpace(c) { return depth == 0 && i > from ? i : nil }
            }
            i += 1
        }
        return depth == 0 && i > from ? i : nil
    }
}
