import Contracts

/// Avro's JSON encoding wraps every non-null value of a union in an object naming its branch:
/// `{"string": "Hot"}`, `{"long": 1658929209000}`, `{"com.sforce.eventbus.Address": {…}}`.
/// Salesforce Pub/Sub API clients that decode events with Avro's JSON encoder deliver fields that
/// way; `unwrapped` removes the wrappers so one mapping reads both forms.
enum AvroUnions {
    /// Avro's primitive type names.
    static let primitives: Set<String> = ["null", "boolean", "int", "long", "float", "double", "bytes", "string"]

    /// `value` with every union wrapper — an object whose only member is named after an Avro
    /// primitive or a namespaced record (`a.b.Name`) — replaced by what it wraps, recursively.
    static func unwrapped(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object):
            if object.count == 1, let member = object.members.first, isBranchName(member.key) {
                return unwrapped(member.value)
            }
            var out = JSONObject()
            for m in object { out[m.key] = unwrapped(m.value) }
            return .object(out)
        case .array(let items):
            return .array(items.map(unwrapped))
        default:
            return value
        }
    }

    /// A primitive type name, or a full name with a namespace (`com.sforce.eventbus.Address`).
    static func isBranchName(_ name: String) -> Bool {
        if primitives.contains(name) { return true }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 2 else { return false }
        return parts.allSatisfy { part in
            guard let first = part.utf8.first, first == UInt8(ascii: "_") || (first | 0x20 >= UInt8(ascii: "a") && first | 0x20 <= UInt8(ascii: "z")) else { return false }
            return part.utf8.allSatisfy { c in c == UInt8(ascii: "_") || (c >= 0x30 && c <= 0x39) || (c | 0x20 >= UInt8(ascii: "a") && c | 0x20 <= UInt8(ascii: "z")) }
        }
    }
}
