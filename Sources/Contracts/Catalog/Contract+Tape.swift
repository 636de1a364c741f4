/// A contract compiled for the tape path (docs/decisions.md, 2026-12-04): the verdict and the keys
/// of an event read from its input bytes in place. Each answer is exactly the `JSONValue` method's
/// of the same name; `ContractTapeTests` holds them to those over the contracts' examples, their
/// broken variants, the demo traffic, the rules corpus and the schema conformance suite. A contract
/// the tape cannot check exactly has no `TapeContract`, and the caller takes the `JSONValue` path.
public final class TapeContract: Sendable {
    let schema: TapeSchema
    let rules: TapeRules
    /// `key`, `revision`, `dedupKey…`, then the prerequisite's key, compiled.
    let pointers: TapePaths
    let dedupCount: Int
    let hasPrerequisite: Bool

    init?(schema: CompiledSchema, rules: RuleSet, key: JSONPointer, revision: JSONPointer, dedupKey: [JSONPointer], prerequisite: JSONPointer?) {
        guard let schema = TapeSchema.compile(schema.program), let rules = TapeRules.compile(rules, schema: schema) else { return nil }
        var builder = TapePathBuilder(schema: schema)
        for p in [key, revision] + dedupKey + [prerequisite].compactMap({ $0 }) {
            guard builder.add(p) != nil else { return nil }
        }
        self.schema = schema
        self.rules = rules
        pointers = TapePaths(builder)
        dedupCount = dedupKey.count
        hasPrerequisite = prerequisite != nil
    }

    func value(_ pointer: Int, _ tape: JSONTape, _ data: JSONTape.Index) -> JSONTape.Index? {
        TapePathWalker(tape, pointers).first(Int32(pointer), from: data)
    }
}

extension TapeContract {
    func holds(_ tape: JSONTape, _ data: JSONTape.Index) -> Bool {
        schema.isValid(tape, data) && rules.holds(tape, data)
    }

    func entityKey(of tape: JSONTape, _ data: JSONTape.Index) -> String? {
        value(0, tape, data).flatMap { Contract.keyText(tape, $0) }
    }

    func prerequisiteKey(of tape: JSONTape, _ data: JSONTape.Index) -> String? {
        guard hasPrerequisite else { return nil }
        return value(2 + dedupCount, tape, data).flatMap { Contract.keyText(tape, $0) }
    }

    func dedupKey(of tape: JSONTape, _ data: JSONTape.Index) -> String? {
        var text: String? = nil
        _ = withDedupKeyText(of: tape, data) { text = String(decoding: $0, as: UTF8.self) }
        return text
    }

    /// `dedupKey(of:_:)` as its UTF-8 bytes, handed to `body`: written on the stack when it is
    /// short (an id and a revision, as most keys), in an array past that. False (and `body` not
    /// called) when a value is missing. Not generic: called across modules, a generic result
    /// would be worked out at run time.
    func withDedupKeyText(of tape: JSONTape, _ data: JSONTape.Index, _ body: (UnsafeRawBufferPointer) -> Void) -> Bool {
        withUnsafeTemporaryAllocation(byteCount: 192, alignment: 8) { stack -> Bool in
            var out = KeyText(stack: stack)
            out.append(UInt8(ascii: "["))
            for n in 0..<dedupCount {
                guard let v = value(2 + n, tape, data) else { return false }
                if n > 0 { out.append(UInt8(ascii: ",")) }
                if tape.kind(v) == .string && tape.isPlainString(v) {
                    // No escapes: nothing the writer would escape (`"`, `\`, controls), UTF-8 as is.
                    out.append(UInt8(ascii: "\""))
                    out.append(UnsafeRawBufferPointer(tape.rawString(v)))
                    out.append(UInt8(ascii: "\""))
                } else if let i = tape.int64(v) {
                    out.append(decimal: i)
                } else {
                    JSONWriter.canonical.bytes(Contract.canonicalNumbers(tape.value(v))).withUnsafeBytes { out.append($0) }
                }
            }
            out.append(UInt8(ascii: "]"))
            out.withBytes(body)
            return true
        }
    }

    func revisionValue(of tape: JSONTape, _ data: JSONTape.Index) -> JSONValue? {
        value(1, tape, data).map { tape.value($0) }
    }
}

/// The tape checks of a contract, asked of the contract (`Contract`) or of the newest contract of a
/// type (`NewestContract`, which the pipeline reads without copying the contract). The answers are
/// `TapeContract`'s, nil where the contract has no tape check.
public protocol TapeChecked {
    var tapeCheck: TapeContract? { get }
}

extension TapeChecked {
    /// Whether this contract can be checked on a tape (`holds` answers).
    public var supportsTape: Bool { tapeCheck != nil }

    /// Whether the event at `data` holds — its schema and every finance rule, exactly
    /// `validate(_:).isValid` — or nil when this contract has no tape check. A `false` carries no
    /// report: the caller validates the `JSONValue` for the violations.
    public func holds(_ tape: JSONTape, _ data: JSONTape.Index) -> Bool? { tapeCheck?.holds(tape, data) }

    /// `entityKey(of:)` on a tape (nil also when the contract has no tape check).
    public func entityKey(of tape: JSONTape, _ data: JSONTape.Index) -> String? { tapeCheck?.entityKey(of: tape, data) }

    /// `prerequisiteKey(of:)` on a tape.
    public func prerequisiteKey(of tape: JSONTape, _ data: JSONTape.Index) -> String? { tapeCheck?.prerequisiteKey(of: tape, data) }

    /// `dedupKey(of:)` on a tape: the canonical JSON array of the values, strings and `Int64`s
    /// written straight from the input, anything else through `canonicalNumbers` and the writer.
    public func dedupKey(of tape: JSONTape, _ data: JSONTape.Index) -> String? { tapeCheck?.dedupKey(of: tape, data) }

    /// `dedupKey(of:_:)` as its UTF-8 bytes, handed to `body` (the dedup key hashes these; no
    /// `String` or array is made for a short key).
    public func withDedupKeyText(of tape: JSONTape, _ data: JSONTape.Index, _ body: (UnsafeRawBufferPointer) -> Void) -> Bool {
        tapeCheck?.withDedupKeyText(of: tape, data, body) ?? false
    }

    /// The value at `revision` on a tape (nil when absent), as `revision.resolve(in:)` gives it.
    public func revisionValue(of tape: JSONTape, _ data: JSONTape.Index) -> JSONValue? { tapeCheck?.revisionValue(of: tape, data) }
}

extension Contract: TapeChecked {
    public var tapeCheck: TapeContract? { tape }
}

extension NewestContract: TapeChecked {}

extension Contract {
    /// `keyText(pointer.resolve(in: data))` on a tape, for any pointer (one with non-ASCII tokens
    /// is resolved on the materialized value, as the tape compares names as bytes).
    public static func keyText(at pointer: JSONPointer, in tape: JSONTape, _ data: JSONTape.Index) -> String? {
        guard pointer.isASCII else { return keyText(pointer.resolve(in: tape.value(data))) }
        return pointer.resolve(in: tape, data).flatMap { keyText(tape, $0) }
    }

    /// `keyText` of a tape value: a string, or an integral number's canonical digits.
    static func keyText(_ tape: JSONTape, _ i: JSONTape.Index) -> String? {
        switch tape.kind(i) {
        case .string: return tape.string(i)
        case .number:
            if let v = tape.int64(i) { return String(v) }
            return keyText(tape.value(i))
        default: return nil
        }
    }
}

/// Bytes written into a caller's buffer (`withUnsafeTemporaryAllocation`), moved to an array
/// only if they outgrow it.
struct KeyText {
    let stack: UnsafeMutableRawBufferPointer
    var count = 0
    var spilled: [UInt8]? = nil

    init(stack: UnsafeMutableRawBufferPointer) { self.stack = stack }

    mutating func append(_ byte: UInt8) {
        if spilled == nil && count < stack.count {
            stack[count] = byte
            count &+= 1
        } else {
            withUnsafeBytes(of: byte) { append($0) }
        }
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        if spilled == nil && count &+ bytes.count <= stack.count {
            (stack.baseAddress.unsafelyUnwrapped + count).copyMemory(from: source, byteCount: bytes.count)
            count &+= bytes.count
            return
        }
        if spilled == nil { spilled = Array(UnsafeRawBufferPointer(rebasing: stack[..<count])) }
        spilled?.append(contentsOf: bytes)
    }

    /// `String(value)`'s digits.
    mutating func append(decimal value: Int64) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { buffer in
            var m = value.magnitude
            var i = buffer.count
            repeat {
                i &-= 1
                buffer[i] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: m % 10)
                m /= 10
            } while m > 0
            if value < 0 {
                i &-= 1
                buffer[i] = UInt8(ascii: "-")
            }
            append(UnsafeRawBufferPointer(rebasing: buffer[i...]))
        }
    }

    func withBytes(_ body: (UnsafeRawBufferPointer) -> Void) {
        if let spilled { return spilled.withUnsafeBytes(body) }
        body(UnsafeRawBufferPointer(rebasing: stack[..<count]))
    }
}
