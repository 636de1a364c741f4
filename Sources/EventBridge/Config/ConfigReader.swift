import Basics
import Contracts
import Foundation
import Observability

/// Reads a config document field by field, collecting a problem (with its JSON path) for every
/// missing, mistyped or unknown field instead of stopping at the first.
struct ConfigReader {
    let environment: [String: String]
    var problems: [ConfigProblem] = []
    var warnings: [ConfigProblem] = []

    init(environment: [String: String]) { self.environment = environment }

    mutating func problem(_ path: String, _ message: String) {
        problems.append(ConfigProblem(path: path, message: message))
    }

    mutating func read(_ json: JSONValue, baseDirectory: String) -> BridgeConfig? {
        guard let root = json.objectValue else {
            problem("", "the configuration must be a JSON object")
            return nil
        }
        unknownKeys(root, "", allowed: ["kafka", "groupId", "contracts", "mappings", "store", "sources", "subscribers",
                                        "retry", "dlq", "limits", "sequencing", "changelog", "metrics", "observability", "health", "log",
                                        "$comment"])
        var kafka: [String: String] = [:]
        if let k = root["kafka"] {
            if let o = k.objectValue {
                for m in o.members {
                    switch m.value {
                    case .string(let s): kafka[m.key] = substitute(s, "/kafka/\(JSONPointer.escape(m.key))")
                    case .number(let n): kafka[m.key] = n.literal
                    case .bool(let b): kafka[m.key] = b ? "true" : "false"
                    default: problem("/kafka/\(JSONPointer.escape(m.key))", "must be a string, number or boolean")
                    }
                }
            } else {
                problem("/kafka", "must be an object of librdkafka properties")
            }
        } else {
            problem("/kafka", "missing (needs at least \"bootstrap.servers\")")
        }
        if root["kafka"]?.objectValue != nil && kafka["bootstrap.servers"] == nil {
            problem("/kafka/bootstrap.servers", "missing")
        }
        let groupId = string(root, "groupId", "", required: false) ?? kafka["group.id"] ?? "eventbridge"
        let contractsDir = string(root, "contracts", "", required: false) ?? "contracts"
        let mappingsDir = string(root, "mappings", "", required: false) ?? "mappings"

        let store = readStore(root["store"])
        let sources = readSources(root["sources"])
        let subscribers = readSubscribers(root["subscribers"])
        let retry = readRetry(root["retry"])
        let dlq = readDLQ(root["dlq"], retry: root["retry"]?.objectValue)
        let limits = readLimits(root["limits"])
        let sequencing = readSequencing(root["sequencing"])
        var metricsAddress: String? = "127.0.0.1:9464"
        if let m = root["metrics"] {
            if let o = object(m, "/metrics") {
                unknownKeys(o, "/metrics", allowed: ["address", "enabled"])
                if o["enabled"]?.boolValue == false { metricsAddress = nil }
                if let a = string(o, "address", "/metrics", required: false) {
                    if hostPort(a) == nil { problem("/metrics/address", "must be HOST:PORT, got '\(a)'") }
                    metricsAddress = a
                }
            }
        }
        var level = Logger.Level.info
        if let l = root["log"] {
            if let o = object(l, "/log"), let name = string(o, "level", "/log", required: false) {
                if let parsed = Logger.Level(name: name) { level = parsed } else {
                    problem("/log/level", "must be one of \(Logger.Level.allCases.map(\.name).joined(separator: ", "))")
                }
            }
        }
        let dlqTopics = Set(sources.map(\.dlqTopic))
        for (i, s) in subscribers.enumerated() {
            if sources.contains(where: { $0.topic == s.topic }) {
                problem("/subscribers/\(i)/topic", "'\(s.topic)' is also a source topic: the bridge would consume its own output")
            }
            if dlqTopics.contains(s.topic) { problem("/subscribers/\(i)/topic", "'\(s.topic)' is a DLQ topic") }
        }
        let sourceTopics = Set(sources.map(\.topic))
        for (i, rule) in (sequencing?.prerequisites ?? []).enumerated() {
            for (j, topic) in (rule.sources ?? []).enumerated() where !sourceTopics.contains(topic) {
                problem("/sequencing/prerequisites/\(i)/sources/\(j)", "'\(topic)' is not a configured source topic")
            }
        }
        var seenNames = Set<String>()
        for (i, s) in subscribers.enumerated() where !seenNames.insert(s.name).inserted {
            problem("/subscribers/\(i)/name", "duplicate subscriber name '\(s.name)'")
        }
        var changelog = BridgeConfig.ChangelogSettings()
        if let c = root["changelog"], let o = object(c, "/changelog") {
            unknownKeys(o, "/changelog", allowed: ["enabled", "createTopics", "replicationFactor", "$comment"])
            for (key, set) in [("enabled", { (b: Bool) in changelog.enabled = b }), ("createTopics", { changelog.createTopics = $0 })] {
                guard let v = o[key] else { continue }
                if let b = v.boolValue { set(b) } else { problem("/changelog/\(key)", "must be true or false") }
            }
            if let v = o["replicationFactor"] {
                if let n = v.numberValue?.int64, n == -1 || (n >= 1 && n <= 32) { changelog.replicationFactor = Int32(n) } else {
                    problem("/changelog/replicationFactor", "must be -1 (the broker's default) or 1–32")
                }
            }
        }
        let observability = readObservability(root["observability"])
        let health = readHealth(root["health"])
        guard let store, let retry, let dlq, let limits, let sequencing, let observability, let health else { return nil }
        var config = BridgeConfig(kafka: kafka, groupId: groupId, contractsDir: contractsDir, mappingsDir: mappingsDir, store: store,
                                  sources: sources, subscribers: subscribers, retry: retry, dlq: dlq, limits: limits, sequencing: sequencing,
                                  metrics: .init(address: metricsAddress), changelog: changelog, logLevel: level, baseDirectory: baseDirectory,
                                  warnings: warnings)
        config.observability = observability
        config.health = health
        return config
    }

    /// `observability`: `objectives` rules over the catalog, `unattributedMateriality`, `reconcileInterval`.
    mutating func readObservability(_ v: JSONValue?) -> BridgeConfig.ObservabilitySettings? {
        var s = BridgeConfig.ObservabilitySettings()
        guard let v else { return s }
        guard let o = object(v, "/observability") else { return nil }
        unknownKeys(o, "/observability", allowed: ["objectives", "unattributedMateriality", "reconcileInterval", "$comment"])
        func materiality(_ o: JSONObject, _ key: String, _ path: String) -> Materiality?? {
            guard let text = string(o, key, path, required: false) else { return .some(nil) }
            guard let m = Materiality(rawValue: text) else {
                problem("\(path)/\(key)", "must be one of \(Materiality.allCases.map(\.rawValue).joined(separator: ", "))")
                return nil
            }
            return .some(m)
        }
        if let m = materiality(o, "unattributedMateriality", "/observability"), let m { s.unattributedMateriality = m }
        if let d = duration(o, "reconcileInterval", "/observability") {
            if d < 1 || d > 3600 { problem("/observability/reconcileInterval", "must be from 1s to 1h") } else { s.reconcileIntervalSeconds = d }
        }
        if let list = o["objectives"] {
            guard let a = list.arrayValue else {
                problem("/observability/objectives", "must be an array of {types, materiality, syncLag}")
                return s
            }
            for (i, item) in a.enumerated() {
                let p = "/observability/objectives/\(i)"
                guard let ro = object(item, p) else { continue }
                unknownKeys(ro, p, allowed: ["types", "materiality", "syncLag", "$comment"])
                let types = string(ro, "types", p, required: true)
                if let t = types, t.dropLast().contains("*") { problem("\(p)/types", "'*' is allowed only at the end") }
                let m = materiality(ro, "materiality", p)
                let lag = duration(ro, "syncLag", p)
                if let lag, lag < 1 || lag > 7 * 86400 { problem("\(p)/syncLag", "must be from 1s to 7d") }
                if ro["materiality"] == nil && ro["syncLag"] == nil { problem(p, "sets neither materiality nor syncLag") }
                if let types, let m {
                    s.objectives.append(.init(types: types, materiality: m, syncLagSeconds: lag))
                }
            }
        }
        return s
    }

    // MARK: sections

    mutating func readStore(_ v: JSONValue?) -> BridgeConfig.StoreSettings? {
        guard let v else {
            problem("/store", "missing (needs \"path\")")
            return nil
        }
        guard let o = object(v, "/store") else { return nil }
        unknownKeys(o, "/store", allowed: ["path", "dedupRetention", "maxDedupKeys", "ledgerRetention", "cacheMiB"])
        let path = string(o, "path", "/store", required: true)
        let dedup = duration(o, "dedupRetention", "/store") ?? 30 * 86400
        let ledger = duration(o, "ledgerRetention", "/store") ?? 30 * 86400
        let maxKeys = int(o, "maxDedupKeys", "/store", min: 1) ?? 50_000_000
        let cache = int(o, "cacheMiB", "/store", min: 1)
        guard let path else { return nil }
        var settings = BridgeConfig.StoreSettings(path: path, dedupRetentionSeconds: dedup, maxDedupKeys: maxKeys, ledgerRetentionSeconds: ledger)
        if let cache { settings.cacheMiB = cache }
        return settings
    }

    mutating func readSources(_ v: JSONValue?) -> [BridgeConfig.SourceSettings] {
        guard let v else {
            problem("/sources", "missing (at least one source topic)")
            return []
        }
        guard let a = v.arrayValue, !a.isEmpty else {
            problem("/sources", "must be a non-empty array")
            return []
        }
        var out: [BridgeConfig.SourceSettings] = []
        for (i, item) in a.enumerated() {
            let p = "/sources/\(i)"
            guard let o = object(item, p) else { continue }
            unknownKeys(o, p, allowed: ["topic", "adapter", "source", "timeZone", "dlq", "sourceSystem", "$comment"])
            let topic = string(o, "topic", p, required: true)
            let adapter = string(o, "adapter", p, required: false) ?? "canonical"
            let uri = string(o, "source", p, required: true)
            let zone = string(o, "timeZone", p, required: false) ?? "UTC"
            if TimeZoneCheck.isKnown(zone) == false { problem("\(p)/timeZone", "unknown IANA time zone '\(zone)'") }
            let dlq = string(o, "dlq", p, required: false)
            let system = string(o, "sourceSystem", p, required: false)
            if let system, !BridgeConfig.SourceSettings.isSourceSystemName(system) {
                problem("\(p)/sourceSystem", "'\(system)' is not a system name (lower-case letters, digits, '.', '-'; at most 64)")
            }
            if let topic, let uri {
                if out.contains(where: { $0.topic == topic }) { problem("\(p)/topic", "duplicate source topic '\(topic)'") }
                out.append(.init(topic: topic, adapter: adapter, sourceURI: uri, timeZone: zone, dlqTopic: dlq ?? topic + ".dlq",
                                 sourceSystem: system))
            }
        }
        return out
    }

    mutating func readSubscribers(_ v: JSONValue?) -> [BridgeConfig.SubscriberSettings] {
        guard let v else {
            problem("/subscribers", "missing (at least one subscriber)")
            return []
        }
        guard let a = v.arrayValue, !a.isEmpty else {
            problem("/subscribers", "must be a non-empty array")
            return []
        }
        var out: [BridgeConfig.SubscriberSettings] = []
        for (i, item) in a.enumerated() {
            let p = "/subscribers/\(i)"
            guard let o = object(item, p) else { continue }
            unknownKeys(o, p, allowed: ["name", "topic", "types", "filter", "mode", "$comment"])
            let name = string(o, "name", p, required: true)
            let topic = string(o, "topic", p, required: true)
            var types: [String] = []
            if let t = o["types"]?.arrayValue, !t.isEmpty {
                for (k, e) in t.enumerated() {
                    guard let s = e.stringValue, !s.isEmpty else {
                        problem("\(p)/types/\(k)", "must be a type or a pattern ending in '*'")
                        continue
                    }
                    if s.dropLast().contains("*") { problem("\(p)/types/\(k)", "'*' is allowed only at the end") }
                    types.append(s)
                }
            } else {
                problem("\(p)/types", "must be a non-empty array of type patterns")
            }
            var filters: [(JSONPointer, JSONValue)] = []
            if let f = o["filter"] {
                if let fo = object(f, "\(p)/filter") {
                    for m in fo.members {
                        guard let ptr = JSONPointer(m.key) else {
                            problem("\(p)/filter/\(JSONPointer.escape(m.key))", "keys must be JSON Pointers into the event data")
                            continue
                        }
                        filters.append((ptr, m.value))
                    }
                }
            }
            var mode = BridgeConfig.ContentMode.binary
            if let m = string(o, "mode", p, required: false) {
                if let parsed = BridgeConfig.ContentMode(rawValue: m) { mode = parsed } else {
                    problem("\(p)/mode", "must be \"binary\" or \"structured\"")
                }
            }
            if let name, let topic {
                out.append(.init(name: name, topic: topic, types: types, filters: filters, mode: mode))
            }
        }
        return out
    }

    mutating func readRetry(_ v: JSONValue?) -> BridgeConfig.RetrySettings? {
        var s = BridgeConfig.RetrySettings(initialBackoffMs: 100, maxBackoffMs: 10_000)
        guard let v else { return s }
        guard let o = object(v, "/retry") else { return nil }
        unknownKeys(o, "/retry", allowed: ["initialBackoff", "maxBackoff", "maxAttempts"])
        if let d = durationMs(o, "initialBackoff", "/retry") { s.initialBackoffMs = d }
        if let d = durationMs(o, "maxBackoff", "/retry") { s.maxBackoffMs = d }
        if s.initialBackoffMs > s.maxBackoffMs { problem("/retry/initialBackoff", "is larger than maxBackoff") }
        return s
    }

    /// `dlq.replay.maxAttempts`; the old `retry.maxAttempts` (it only ever limited replays) is
    /// still read, with a deprecation warning, when the new key is absent.
    mutating func readDLQ(_ v: JSONValue?, retry: JSONObject?) -> BridgeConfig.DLQSettings? {
        var s = BridgeConfig.DLQSettings(replayMaxAttempts: 5)
        var replaySet = false
        if let v {
            guard let o = object(v, "/dlq") else { return nil }
            unknownKeys(o, "/dlq", allowed: ["replay", "$comment"])
            if let r = o["replay"], let ro = object(r, "/dlq/replay") {
                unknownKeys(ro, "/dlq/replay", allowed: ["maxAttempts"])
                if let n = int(ro, "maxAttempts", "/dlq/replay", min: 1) {
                    s.replayMaxAttempts = n
                    replaySet = true
                }
            }
        }
        if let retry, retry["maxAttempts"] != nil {
            let old = int(retry, "maxAttempts", "/retry", min: 1)
            if let old, !replaySet { s.replayMaxAttempts = old }
            warnings.append(ConfigProblem(path: "/retry/maxAttempts",
                                          message: "deprecated: it only limits DLQ replays; use /dlq/replay/maxAttempts"
                                              + (replaySet ? " (ignored: /dlq/replay/maxAttempts is set)" : "")))
        }
        return s
    }

    mutating func readLimits(_ v: JSONValue?) -> BridgeConfig.LimitSettings? {
        var s = BridgeConfig.LimitSettings(maxRecordBytes: 1_048_576, maxDepth: 64, maxInFlight: 20_000)
        guard let v else { return s }
        guard let o = object(v, "/limits") else { return nil }
        unknownKeys(o, "/limits", allowed: ["maxRecordBytes", "maxDepth", "maxInFlight", "workers"])
        if let n = int(o, "maxRecordBytes", "/limits", min: 16) { s.maxRecordBytes = n }
        if let n = int(o, "maxDepth", "/limits", min: 1) {
            if n > JSONParseOptions.hardMaxDepth { problem("/limits/maxDepth", "at most \(JSONParseOptions.hardMaxDepth)") }
            s.maxDepth = n
        }
        if let n = int(o, "maxInFlight", "/limits", min: 1) { s.maxInFlight = n }
        if let n = int(o, "workers", "/limits", min: 1) {
            if n > 64 { problem("/limits/workers", "at most 64") }
            s.workers = n
        }
        return s
    }

    mutating func readHealth(_ v: JSONValue?) -> BridgeConfig.HealthSettings? {
        var s = BridgeConfig.HealthSettings()
        guard let v else { return s }
        guard let o = object(v, "/health") else { return nil }
        unknownKeys(o, "/health", allowed: ["brokerUnreachableAfter", "stuckPartitionAfter"])
        if let d = durationMs(o, "brokerUnreachableAfter", "/health") { s.brokerUnreachableAfterMs = d }
        if let d = durationMs(o, "stuckPartitionAfter", "/health") { s.stuckPartitionAfterMs = d }
        if s.brokerUnreachableAfterMs < 1_000 { problem("/health/brokerUnreachableAfter", "at least 1s") }
        if s.stuckPartitionAfterMs < 1_000 { problem("/health/stuckPartitionAfter", "at least 1s") }
        return s
    }

    mutating func readSequencing(_ v: JSONValue?) -> BridgeConfig.SequencingSettings? {
        var s = BridgeConfig.SequencingSettings(stale: .duplicate, prerequisites: [])
        guard let v else { return s }
        guard let o = object(v, "/sequencing") else { return nil }
        unknownKeys(o, "/sequencing", allowed: ["stale", "gating", "deadline", "prerequisites", "$comment"])
        if let g = o["gating"] {
            if let b = g.boolValue { s.gating = b } else { problem("/sequencing/gating", "must be true or false") }
        }
        if let d = duration(o, "deadline", "/sequencing") {
            if d < 1 { problem("/sequencing/deadline", "must be at least 1s") } else { s.deadlineSeconds = d }
        }
        if let st = string(o, "stale", "/sequencing", required: false) {
            if let a = BridgeConfig.StaleAction(rawValue: st) { s.stale = a } else {
                problem("/sequencing/stale", "must be \"duplicate\" or \"dead-letter\"")
            }
        }
        if let pre = o["prerequisites"] {
            guard let a = pre.arrayValue else {
                problem("/sequencing/prerequisites", "must be an array")
                return s
            }
            for (i, item) in a.enumerated() {
                let p = "/sequencing/prerequisites/\(i)"
                guard let po = object(item, p) else { continue }
                unknownKeys(po, p, allowed: ["types", "requires", "key", "deadline", "sources", "$comment"])
                let types = string(po, "types", p, required: true)
                var requires: String? = nil
                switch po["requires"] {
                case .none: problem("\(p)/requires", "missing (a type, or null to switch gating off for these types)")
                case .some(.null): break
                case .some(.string(let r)) where !r.isEmpty: requires = r
                default: problem("\(p)/requires", "must be an event type, or null to switch gating off")
                }
                let keyText = string(po, "key", p, required: false)
                let key = keyText.flatMap(JSONPointer.init)
                if keyText != nil && key == nil { problem("\(p)/key", "must be a JSON Pointer") }
                let deadline = duration(po, "deadline", p)
                if let d = deadline, d < 1 { problem("\(p)/deadline", "must be at least 1s") }
                var sources: [String]? = nil
                if let v = po["sources"] {
                    if let a = v.arrayValue, !a.isEmpty, a.allSatisfy({ $0.stringValue != nil }) { sources = a.compactMap(\.stringValue) } else {
                        problem("\(p)/sources", "must be a non-empty array of source topics")
                    }
                }
                if let types {
                    s.prerequisites.append(.init(types: types, requires: requires, key: key, deadlineSeconds: deadline, sources: sources))
                }
            }
        }
        return s
    }

    // MARK: field helpers

    mutating func object(_ v: JSONValue, _ path: String) -> JSONObject? {
        if let o = v.objectValue { return o }
        problem(path, "must be an object")
        return nil
    }

    mutating func string(_ o: JSONObject, _ key: String, _ path: String, required: Bool) -> String? {
        guard let v = o[key] else {
            if required { problem("\(path)/\(key)", "missing") }
            return nil
        }
        guard let s = v.stringValue, !s.isEmpty else {
            problem("\(path)/\(key)", "must be a non-empty string")
            return nil
        }
        return substitute(s, "\(path)/\(key)")
    }

    mutating func int(_ o: JSONObject, _ key: String, _ path: String, min: Int) -> Int? {
        guard let v = o[key] else { return nil }
        guard let n = v.numberValue?.int64, n >= min, n <= Int64(Int.max) else {
            problem("\(path)/\(key)", "must be a whole number ≥ \(min)")
            return nil
        }
        return Int(n)
    }

    mutating func duration(_ o: JSONObject, _ key: String, _ path: String) -> Int? {
        guard let v = o[key] else { return nil }
        guard let s = v.stringValue, let secs = DurationText.seconds(s) else {
            problem("\(path)/\(key)", "must be a duration like \"30s\", \"15m\", \"24h\", \"7d\"")
            return nil
        }
        return secs
    }

    mutating func durationMs(_ o: JSONObject, _ key: String, _ path: String) -> Int? {
        guard let v = o[key] else { return nil }
        guard let s = v.stringValue, let ms = DurationText.milliseconds(s) else {
            problem("\(path)/\(key)", "must be a duration like \"250ms\", \"2s\"")
            return nil
        }
        return ms
    }

    mutating func unknownKeys(_ o: JSONObject, _ path: String, allowed: Set<String>) {
        for m in o.members where !allowed.contains(m.key) {
            problem("\(path)/\(JSONPointer.escape(m.key))", "unknown field (expected one of \(allowed.filter { $0 != "$comment" }.sorted().joined(separator: ", ")))")
        }
    }

    /// `${NAME}` references replaced from the environment; a missing variable is a problem.
    mutating func substitute(_ text: String, _ path: String) -> String {
        guard text.contains("${") else { return text }
        var out = ""
        var rest = Substring(text)
        while let open = rest.range(of: "${") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else {
                problem(path, "unterminated ${ in value")
                return text
            }
            let name = String(rest[open.upperBound..<close])
            if let value = environment[name] {
                out += value
            } else {
                problem(path, "environment variable \(name) is not set")
            }
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }

    func hostPort(_ text: String) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else {
            return nil
        }
        let host = String(text[..<colon])
        return host.isEmpty ? nil : (host, port)
    }
}

/// Checks IANA zone names without creating a `TimeZone` per event.
enum TimeZoneCheck {
    static func isKnown(_ name: String) -> Bool { TimeZone(identifier: name) != nil }
}
