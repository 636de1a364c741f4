import Contracts

/// Brings the shapes a Debezium change reaches Kafka in to one: the change event envelope
/// `{op, before, after, source, ts_ms}` (docs/adapters.md §4, normalization `debezium`).
///
/// - the envelope itself (with or without the JSON converter's `{schema, payload}` — that is
///   `unwrap`'s job) stays as it is;
/// - the CloudEvents converter's output (`iodebezium*` extension attributes, the change's
///   `before`/`after` in `data`): `op` and `source` come from the extensions;
/// - an `ExtractNewRecordState`-flattened row: the row is `after` (or `before` when
///   `__deleted` is `"true"`), `__op` is `op`, `__table`, `__db`, `__schema`, `__lsn`,
///   `__source_ts_ms` fill `source`; a row without any metadata is `after` alone (rules then
///   select by topic);
/// - MongoDB's `before`/`after` as extended-JSON text: parsed, with `$numberLong`,
///   `$numberInt`, `$oid`, `$date`, `$numberDecimal` unwrapped.
///
/// Transaction metadata events and schema change events are not rows and are left alone.
enum DebeziumRecord {
    static func normalized(_ document: JSONValue) -> JSONValue {
        guard case .object(let o) = document else { return document }
        if o["iodebeziumop"] != nil || o["iodebeziumtable"] != nil { return fromCloudEvent(o) }
        if o["op"] != nil || ((o["after"] != nil || o["before"] != nil) && o["source"] != nil) { return parsedImages(o) }
        if isNotARow(o) { return document }
        return fromFlattened(o)
    }

    /// Transaction boundaries (`status` BEGIN/END with `event_count`), schema changes (`ddl`,
    /// `historyRecord`, `tableChanges`), heartbeats.
    private static func isNotARow(_ o: JSONObject) -> Bool {
        if o["status"] != nil && (o["event_count"] != nil || o["data_collections"] != nil) { return true }
        return o["ddl"] != nil || o["historyRecord"] != nil || o["tableChanges"] != nil || o["databaseName"] != nil
    }

    private static func fromCloudEvent(_ o: JSONObject) -> JSONValue {
        var envelope = JSONObject()
        var data = o["data"] ?? .null
        if case .object(let d) = data, case .object? = d["payload"] { data = d["payload"] ?? .null }
        if case .object(let d) = data {
            for m in d { envelope[m.key] = m.value }
        }
        if let op = o["iodebeziumop"] { envelope["op"] = op }
        var source = envelope["source"]?.objectValue ?? JSONObject()
        for m in o where m.key.hasPrefix("iodebezium") && m.key != "iodebeziumop" {
            let name = String(m.key.dropFirst("iodebezium".count))
            let key = ["tsms": "ts_ms", "txid": "txId"][name] ?? name
            if source[key] == nil { source[key] = numeric(m.value) }
        }
        envelope["source"] = .object(source)
        return parsedImages(envelope)
    }

    private static func fromFlattened(_ o: JSONObject) -> JSONValue {
        var row = JSONObject()
        var source = JSONObject()
        var op: JSONValue?
        var deleted = false
        for m in o {
            guard m.key.hasPrefix("__") else {
                row[m.key] = m.value
                continue
            }
            switch m.key {
            case "__op": op = m.value
            case "__deleted": deleted = m.value == "true" || m.value == true
            case "__source_ts_ms": source["ts_ms"] = m.value
            default: source[String(m.key.dropFirst(2))] = m.value
            }
        }
        var envelope = JSONObject()
        if deleted {
            envelope["op"] = op ?? "d"
            envelope["before"] = .object(row)
            envelope["after"] = .null
        } else {
            if let op { envelope["op"] = op }
            envelope["before"] = .null
            envelope["after"] = .object(row)
        }
        if !source.isEmpty { envelope["source"] = .object(source) }
        return .object(envelope)
    }

    /// MongoDB's images as extended-JSON text → values.
    private static func parsedImages(_ o: JSONObject) -> JSONValue {
        var out = o
        for key in ["before", "after"] {
            guard case .string(let text)? = o[key], let parsed = try? JSONParser.parse(text), case .object = parsed else { continue }
            out[key] = extendedJSON(parsed)
        }
        return .object(out)
    }

    /// MongoDB extended JSON wrappers → plain values (`{"$numberLong": "1004"}` → 1004).
    static func extendedJSON(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let o):
            if o.count == 1, let m = o.members.first {
                switch m.key {
                case "$numberLong", "$numberInt":
                    if case .string(let s) = m.value, let n = Int64(s) { return .number(JSONNumber(n)) }
                    return m.value
                case "$oid", "$numberDecimal", "$symbol": return m.value
                case "$date": return extendedJSON(m.value)
                default: break
                }
            }
            var out = JSONObject()
            for m in o { out[m.key] = extendedJSON(m.value) }
            return .object(out)
        case .array(let items):
            return .array(items.map(extendedJSON))
        default:
            return value
        }
    }

    /// CloudEvents extension values are strings: integers (lsn, ts_ms) back to numbers.
    private static func numeric(_ value: JSONValue) -> JSONValue {
        if case .string(let s) = value, let n = Int64(s) { return .number(JSONNumber(n)) }
        return value
    }
}
