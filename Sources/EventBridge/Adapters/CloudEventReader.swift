import Contracts
import Foundation
import KafkaClient

/// Reads a record as CloudEvents (CloudEvents 1.0 and 0.3, Kafka protocol binding) for mappings
/// with `"envelope": "cloudevents"`: rules then see every event in structured form — attributes
/// and extensions as members, `data` decoded — whatever mode it came in.
///
/// - **Binary mode**: a `ce_specversion` header; attributes are the `ce_*` headers, the value is
///   the data, `content-type` its `datacontenttype`.
/// - **Structured mode**: the value is the event as JSON (`content-type:
///   application/cloudevents+json`, or no `ce_` headers and an object with `specversion`);
///   `data_base64` (and 0.3's `datacontentencoding: base64`) is decoded.
/// - **Batch mode**: `content-type: application/cloudevents-batch+json`, or a JSON array of
///   structured events: one event per element.
///
/// Data whose content type is not JSON (XML, JOSE, Avro, text) is left out of the document and
/// flagged: a rule that emits from such an event fails with `adapter.unsupported_content_type`,
/// while rules that ignore the event still filter it.
enum CloudEventReader {
    /// One event in structured form.
    struct Event {
        var document: JSONValue
        /// The data's content type when it is not JSON (nil: JSON, or no data).
        var unreadableContentType: String?
    }

    enum Input {
        case single(Event)
        case batch([Result<Event, AdapterFailure>])
    }

    /// True when the headers say the value is not JSON (so the decode stage should hand the
    /// undecoded bytes over): binary mode with a non-JSON content type or base64 encoding, or a
    /// structured format other than JSON.
    static func wantsUndecoded(_ headers: [KafkaHeader]) -> Bool {
        let contentType = header("content-type", headers)
        if header("ce_specversion", headers) != nil {
            if header("ce_datacontentencoding", headers)?.lowercased() == "base64" { return true }
            return contentType.map { !isJSON($0) } ?? false
        }
        guard let contentType else { return false }
        return contentType.lowercased().hasPrefix("application/cloudevents") && !isJSON(contentType)
    }

    /// True when the record says it is a CloudEvent: a `ce_specversion` header, a CloudEvents
    /// content type, or a JSON object (or array of objects) with `specversion`.
    static func isCloudEvent(_ input: AdapterInput) -> Bool {
        if header("ce_specversion", input.headers) != nil { return true }
        if let contentType = header("content-type", input.headers), contentType.lowercased().hasPrefix("application/cloudevents") { return true }
        switch input.value {
        case .object(let o): return o["specversion"]?.stringValue != nil
        case .array(let items): return !items.isEmpty && items.allSatisfy { $0["specversion"]?.stringValue != nil }
        default: return false
        }
    }

    static func read(_ input: AdapterInput) -> Result<Input, AdapterFailure> {
        let headers = input.headers
        let contentType = header("content-type", headers)
        if header("ce_specversion", headers) != nil { return binary(input, contentType: contentType).map { .single($0) } }
        if let contentType, contentType.lowercased().hasPrefix("application/cloudevents"), !isJSON(contentType) {
            return .failure(AdapterFailure(
                code: .unsupportedContentType,
                message: "structured-mode CloudEvents in \(contentType) are not supported (only the JSON event format)"))
        }
        guard input.isJSON else {
            return .failure(.unmapped("not a CloudEvent: no ce_specversion header (binary mode) and the value is not JSON (structured mode)", at: .root))
        }
        if case .array(let items) = input.value {
            return .success(.batch(items.enumerated().map { i, item in structured(item, at: JSONPointer.root.appending(i)) }))
        }
        if let contentType, contentType.lowercased().hasPrefix("application/cloudevents-batch") {
            return .failure(.transform("a CloudEvents batch (\(contentType)) must be a JSON array, not \(input.value.typeName)", at: .root))
        }
        return structured(input.value, at: .root).map { .single($0) }
    }

    // MARK: modes

    private static func binary(_ input: AdapterInput, contentType: String?) -> Result<Event, AdapterFailure> {
        var object = JSONObject()
        for h in input.headers where h.name.hasPrefix("ce_") {
            guard let value = h.value, let text = String(validating: value, as: UTF8.self) else { continue }
            object[String(h.name.dropFirst(3)).lowercased()] = .string(text)
        }
        if let contentType { object["datacontenttype"] = .string(contentType) }
        if object["dataschema"] == nil, let schemaURL = object["schemaurl"] { object["dataschema"] = schemaURL }
        var unreadable: String?
        let base64 = object["datacontentencoding"]?.stringValue?.lowercased() == "base64"
        if input.isTombstone {
            // No data.
        } else if base64 {
            guard let text = input.text.flatMap({ String(validating: $0, as: UTF8.self) }) ?? input.value.stringValue,
                let bytes = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines))
            else {
                return .failure(.transform("ce_datacontentencoding is base64 but the value is not base64", at: .root))
            }
            switch decodedData([UInt8](bytes), contentType: contentType) {
            case .success(let data): object["data"] = data
            case .failure(let error): unreadable = error.type
            }
        } else if contentType.map(isJSON) ?? true {
            guard input.isJSON else {
                return .failure(.transform("the value is not JSON although the event's content type is \(contentType ?? "JSON (none given)")", at: .root))
            }
            object["data"] = input.value
        } else {
            unreadable = contentType
        }
        return check(Event(document: .object(object), unreadableContentType: unreadable), at: nil)
    }

    private static func structured(_ value: JSONValue, at base: JSONPointer) -> Result<Event, AdapterFailure> {
        guard case .object(var object) = value else {
            return .failure(.unmapped("not a CloudEvent: \(value.typeName), not a structured-mode event object", at: base))
        }
        let contentType = object["datacontenttype"]?.stringValue
        if object["dataschema"] == nil, let schemaURL = object["schemaurl"], !schemaURL.isNull { object["dataschema"] = schemaURL }
        var unreadable: String?
        let encodedBase64 = object["datacontentencoding"]?.stringValue?.lowercased() == "base64"
        if let b64 = object.removeValue(forKey: "data_base64") ?? (encodedBase64 ? object.removeValue(forKey: "data") : nil), !b64.isNull {
            guard case .string(let text) = b64, let bytes = Data(base64Encoded: text) else {
                return .failure(.transform("data_base64 is not base64", at: base.appending("data_base64")))
            }
            switch decodedData([UInt8](bytes), contentType: contentType) {
            case .success(let data): object["data"] = data
            case .failure(let error): unreadable = error.type
            }
        } else if let contentType, !isJSON(contentType), object["data"] != nil {
            unreadable = contentType
            object["data"] = nil
        }
        return check(Event(document: .object(object), unreadableContentType: unreadable), at: base)
    }

    /// Base64-decoded data: JSON when the content type says so (or none is given), else unreadable.
    private static func decodedData(_ bytes: [UInt8], contentType: String?) -> Result<JSONValue, ContentTypeError> {
        guard contentType.map(isJSON) ?? true, let value = try? JSONParser.parse(bytes) else {
            return .failure(ContentTypeError(type: contentType ?? "not JSON"))
        }
        return .success(value)
    }

    private struct ContentTypeError: Error {
        var type: String
    }

    /// The required attributes (`specversion` 1.0 or 0.3, `id`, `source`, `type`) as non-empty strings.
    private static func check(_ event: Event, at base: JSONPointer?) -> Result<Event, AdapterFailure> {
        let where_ = base ?? .root
        let prefix = base == nil ? "ce_" : ""
        for name in ["specversion", "id", "source", "type"] {
            guard case .string(let text)? = event.document[name], !text.isEmpty || name == "source" else {
                return .failure(.missing("a CloudEvent needs the attribute \(prefix)\(name)", at: base == nil ? nil : where_.appending(name)))
            }
        }
        guard let version = event.document["specversion"]?.stringValue, version == "1.0" || version == "0.3" else {
            return .failure(.transform("CloudEvents specversion \(event.document["specversion"]?.stringValue ?? "") is not 1.0 or 0.3", at: base == nil ? nil : where_.appending("specversion")))
        }
        return .success(event)
    }

    // MARK: helpers

    /// JSON media types: `application/json`, `text/json`, `…+json`, with or without parameters.
    static func isJSON(_ contentType: String) -> Bool {
        let media = contentType.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        return media == "application/json" || media == "text/json" || media.hasSuffix("+json")
    }

    private static func header(_ name: String, _ headers: [KafkaHeader]) -> String? {
        for h in headers.reversed() where h.name.lowercased() == name {
            guard let v = h.value, !v.isEmpty else { return nil }
            return String(validating: v, as: UTF8.self)
        }
        return nil
    }
}
