/// A contract compiled for the tape path (docs/decisions.md, 2026-12-04): the verdict and the keys
/// of an event read from its input bytes in place. Each answer is exactly the `JSONValue` method's
/// of the same name; `ContractTapeTests` holds them to those over the contracts' examples, their
/// broken variants and the rules corpus. A contract the tape cannot check exactly answers nil and
/// the caller takes the `JSONValue` path.
extension Contract {
    /// Whether the event at `data` holds — its schema and every finance rule, exactly
    /// `validate(_:).isValid` — or nil when this contract has no tape check. A `false` carries no
    /// report: the caller validates the `JSONValue` for the violations.
    public func holds(_ tape: JSONTape, _ data: JSONTape.Index) -> Bool? {
        guard supportsTape else { return nil }
        return TapeSchemaEvaluator.isValid(schemaCheck.compiled.program, tape, data) && ruleSet.holds(tape, data)
    }

    /// `entityKey(of:)` on a tape (a contract with `supportsTape`).
    public func entityKey(of tape: JSONTape, _ data: JSONTape.Index) -> String? {
        key.resolve(in: tape, data).flatMap { Contract.keyText(tape, $0) }
    }

    /// `prerequisiteKey(of:)` on a tape.
    public func prerequisiteKey(of tape: JSONTape, _ data: JSONTape.Index) -> String? {
        prerequisite.flatMap { p in p.key.resolve(in: tape, data).flatMap { Contract.keyText(tape, $0) } }
    }

    /// `dedupKey(of:)` on a tape: the canonical JSON array of the values, strings and `Int64`s
    /// written straight from the input, anything else through `canonicalNumbers` and the writer.
    public func dedupKey(of tape: JSONTape, _ data: JSONTape.Index) -> String? {
        var out: [UInt8] = [UInt8(ascii: "[")]
        for (n, p) in dedupKey.enumerated() {
            guard let v = p.resolve(in: tape, data) else { return nil }
            if n > 0 { out.append(UInt8(ascii: ",")) }
            if tape.kind(v) == .string && tape.isPlainString(v) {
                // No escapes: nothing the writer would escape (`"`, `\`, controls), UTF-8 as is.
                out.append(UInt8(ascii: "\""))
                out.append(contentsOf: tape.rawString(v))
                out.append(UInt8(ascii: "\""))
            } else if let i = tape.int64(v) {
                out.append(contentsOf: String(i).utf8)
            } else {
                out.append(contentsOf: JSONWriter.canonical.bytes(Contract.canonicalNumbers(tape.value(v))))
            }
        }
        out.append(UInt8(ascii: "]"))
        return String(decoding: out, as: UTF8.self)
    }

    /// `revision(of:)` on a tape.
    public func revision(of tape: JSONTape, _ data: JSONTape.Index) -> Revision? {
        revision.resolve(in: tape, data).flatMap { Revision(tape.value($0)) }
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
