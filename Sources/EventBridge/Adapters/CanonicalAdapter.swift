import Contracts

/// The adapter for inputs that already are canonical events.
///
/// Two shapes are accepted (the header wins when both are present):
/// - **header-typed**: a `ce_type` header names the type and the whole value is `data`
///   (CloudEvents Kafka binary mode; `ce_time`, `ce_subject` and `traceparent` headers are
///   carried over);
/// - **envelope**: the value is an object `{"type": …, "data": …, "time"?: …, "subject"?: …,
///   "traceparent"?: …}` (also CloudEvents structured mode).
///
/// A missing or non-string type is `adapter.unmapped`; a type that is not a well-formed type
/// name is `adapter.type_unknown`. Whether a well-formed type is in the contract catalog is the
/// contract stage's decision (`contract.unknown_type`).
public struct CanonicalAdapter: Adapter {
    public static let adapterName = "canonical"

    public var name: String { Self.adapterName }

    public init() {}

    public func adapt(_ input: AdapterInput) -> AdapterOutcome {
        do throws(AdapterFailure) {
            return .events([try event(from: input)])
        } catch {
            return .failed(error)
        }
    }

    private func event(from input: AdapterInput) throws(AdapterFailure) -> CanonicalEvent {
        let traceHeader = input.headerString("traceparent")
        if let type = input.headerString("ce_type") {
            try Self.checkTypeName(type, location: nil)
            let time = try input.headerString("ce_time").map { (t) throws(AdapterFailure) -> String in
                try Self.checkTime(t, location: nil)
            }
            var event = CanonicalEvent(
                type: type, data: input.value, time: time,
                subject: input.headerString("ce_subject"), traceparent: traceHeader)
            if let text = input.text, let span = JSONCompactSpan.whole(text) { event.dataText = text[span] }
            return event
        }
        guard case .object(let body) = input.value else {
            throw .unmapped("no ce_type header and the value is \(input.value.typeName), not a {\"type\", \"data\"} object", at: .root)
        }
        guard let typeValue = body["type"] else {
            throw .unmapped("no ce_type header and no \"type\" member", at: .root)
        }
        guard case .string(let type) = typeValue else {
            throw .unmapped("\"type\" is \(typeValue.typeName), not a string", at: JSONPointer(tokens: ["type"]))
        }
        try Self.checkTypeName(type, location: JSONPointer(tokens: ["type"]))
        guard let data = body["data"], !data.isNull else {
            throw .missing("canonical envelope has no \"data\"", at: JSONPointer(tokens: ["data"]))
        }
        var time: String?
        if let t = body["time"], !t.isNull {
            guard case .string(let text) = t else {
                throw .transform("\"time\" is \(t.typeName), not an RFC 3339 string", at: JSONPointer(tokens: ["time"]))
            }
            time = try Self.checkTime(text, location: JSONPointer(tokens: ["time"]))
        }
        var event = CanonicalEvent(
            type: type, data: data, time: time,
            subject: body["subject"]?.stringValue,
            traceparent: traceHeader ?? body["traceparent"]?.stringValue)
        if let text = input.text, let span = JSONCompactSpan.member("data", of: text) { event.dataText = text[span] }
        return event
    }

    /// A well-formed type name: 1–255 ASCII letters, digits, `.`, `_`, `-`; starts and ends with a
    /// letter or digit; no two separators in a row (`finance.invoice.paid`).
    static func isWellFormedTypeName(_ type: String) -> Bool {
        // Over the contiguous bytes: the `utf8` view's iterator cost ~40 instructions a byte.
        var type = type
        return type.withUTF8(isWellFormedTypeName(_:))
    }

    private static func isWellFormedTypeName(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !bytes.isEmpty, bytes.count <= 255 else { return false }
        var previousSeparator = true
        for b in bytes {
            let alnum = (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
            if alnum {
                previousSeparator = false
            } else if b == UInt8(ascii: ".") || b == UInt8(ascii: "_") || b == UInt8(ascii: "-") {
                if previousSeparator { return false }
                previousSeparator = true
            } else {
                return false
            }
        }
        return !previousSeparator
    }

    private static func checkTypeName(_ type: String, location: JSONPointer?) throws(AdapterFailure) {
        guard isWellFormedTypeName(type) else {
            throw AdapterFailure(code: .typeUnknown, message: "event type \"\(type)\" is not a well-formed type name", location: location)
        }
    }

    /// An RFC 3339 date-time with an offset: what `time` (or `ce_time`) must be.
    static func isValidTime(_ text: String) -> Bool { CivilTime.parseDateTime(text)?.offsetSeconds != nil }

    private static func checkTime(_ text: String, location: JSONPointer?) throws(AdapterFailure) -> String {
        guard isValidTime(text) else {
            throw .transform("time \"\(text)\" is not an RFC 3339 date-time with an offset", at: location)
        }
        return text
    }
}
