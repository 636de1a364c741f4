import Contracts
import Foundation

/// What a mapping evaluation can see: the record, the document rules work on, the source's time
/// zone, and the current fan-out or `each` element.
///
/// Locations for failures are computed only when something fails, so the happy path builds no
/// pointers.
struct MappingScope {
    let input: AdapterInput
    /// The value rules see (the input value, or the object at the mapping's `unwrap` pointer).
    let document: JSONValue
    /// Where `document` sits in the input value.
    let base: JSONPointer
    let sourceZone: TimeZone?
    /// The source's `sourceSystem` (config), for `{"meta": "sourceSystem"}`.
    var sourceSystem: String = ""
    /// The current element, inside a fan-out or an `each`.
    var element: JSONValue?
    /// The array the current element belongs to, relative to `document`.
    var elementArray = JSONPointer.root
    var elementIndex = 0

    init(input: AdapterInput, document: JSONValue, base: JSONPointer, sourceZone: TimeZone?) {
        self.input = input
        self.document = document
        self.base = base
        self.sourceZone = sourceZone
    }

    /// The current element's location relative to `document`.
    var elementPath: JSONPointer { elementArray.appending(elementIndex) }

    /// A document-relative pointer as a location in the input value.
    func absolute(_ pointer: JSONPointer) -> JSONPointer {
        base.isRoot ? pointer : JSONPointer(tokens: base.tokens + pointer.tokens)
    }

    /// The value a source names and which of its pointers supplied it; nil when absent or null.
    func resolve(_ source: ValueSource) -> (value: JSONValue, index: Int)? {
        switch source {
        case .document(let pointers):
            return Self.firstPresent(pointers, in: document)
        case .element(let pointers):
            guard let element else { return nil }
            return Self.firstPresent(pointers, in: element)
        case .constant(let value):
            return (value, 0)
        case .meta(.sourceSystem):
            return sourceSystem.isEmpty ? nil : (.string(sourceSystem), 0)
        case .meta(let field):
            return Self.meta(field, of: input).map { ($0, 0) }
        case .index(let base):
            guard element != nil else { return nil }
            return (.number(JSONNumber(Int64(elementIndex) + base)), 0)
        case .join(let parts, let separator):
            var texts: [String] = []
            for part in parts {
                guard let (value, _) = resolve(part), let text = TransformStep.scalarText(value) else { continue }
                let trimmed = text.trimmingCharacters(in: .whitespaces)
                if !trimmed.isEmpty { texts.append(trimmed) }
            }
            return texts.isEmpty ? nil : (.string(texts.joined(separator: separator)), 0)
        }
    }

    /// Where a source's value is (or would be) in the input value; nil for constants and metadata.
    func location(of source: ValueSource, index: Int) -> JSONPointer? {
        switch source {
        case .document(let pointers):
            return pointers.indices.contains(index) ? absolute(pointers[index]) : nil
        case .element(let pointers):
            guard pointers.indices.contains(index) else { return nil }
            return absolute(JSONPointer(tokens: elementPath.tokens + pointers[index].tokens))
        case .join(let parts, _):
            return parts.first.flatMap { location(of: $0, index: 0) }
        case .constant, .meta, .index:
            return nil
        }
    }

    /// The zone a transform names.
    func zone(_ reference: ZoneReference) -> TimeZone? {
        switch reference {
        case .fixed(let zone): return zone
        case .source: return sourceZone
        }
    }

    /// Record metadata (`sourceSystem` is the scope's, not the record's: nil here).
    static func meta(_ field: MetaField, of input: AdapterInput) -> JSONValue? {
        switch field {
        case .sourceSystem: return nil
        case .topic: return .string(input.topic)
        case .partition: return .number(JSONNumber(Int64(input.partition)))
        case .offset: return .number(JSONNumber(input.offset))
        case .timestamp: return input.timestamp.map { .number(JSONNumber($0)) }
        case .key:
            guard let key = input.key, !key.isEmpty, let text = String(validating: key, as: UTF8.self) else { return nil }
            return .string(text)
        case .header(let name):
            return input.headerString(name).map { .string($0) }
        }
    }

    private static func firstPresent(_ pointers: [JSONPointer], in root: JSONValue) -> (value: JSONValue, index: Int)? {
        for (i, p) in pointers.enumerated() {
            if let v = p.resolve(in: root), !v.isNull { return (v, i) }
        }
        return nil
    }
}
