import CRdKafka

/// librdkafka configuration properties, passed through as they are.
///
/// Any property from librdkafka's CONFIGURATION.md can be set; librdkafka itself validates them
/// when a client is created and its message is thrown as a ``KafkaError`` with code
/// ``KafkaError/Code/configuration``. Values of secret-looking properties (passwords, SASL/OAuth
/// settings, SSL keys) are never logged or put in error messages: see ``redacted``.
public struct KafkaConfig: Sendable, Equatable {
    /// The properties, by librdkafka name (`bootstrap.servers`, `acks`, …).
    public var properties: [String: String]

    /// Creates a configuration from librdkafka properties.
    public init(_ properties: [String: String] = [:]) {
        self.properties = properties
    }

    /// A configuration with `bootstrap.servers` set.
    public init(bootstrapServers: String, _ properties: [String: String] = [:]) {
        self.properties = properties
        self.properties["bootstrap.servers"] = bootstrapServers
    }

    /// Reads or sets one property.
    public subscript(key: String) -> String? {
        get { properties[key] }
        set { properties[key] = newValue }
    }

    /// A copy with `other`'s properties added (they win over this one's).
    public func merging(_ other: [String: String]) -> KafkaConfig {
        KafkaConfig(properties.merging(other) { _, new in new })
    }

    /// A copy with `defaults` added where this configuration does not set them.
    public func withDefaults(_ defaults: [String: String]) -> KafkaConfig {
        KafkaConfig(properties.merging(defaults) { mine, _ in mine })
    }

    /// The properties with secret values replaced by `[redacted]`: safe to log.
    public var redacted: [String: String] {
        var out: [String: String] = [:]
        for (key, value) in properties {
            out[key] = KafkaConfig.isSecret(key) ? KafkaConfig.redaction : value
        }
        return out
    }

    /// `text` with every secret property value in it replaced by `[redacted]` (for librdkafka
    /// messages, which may quote a value).
    public func redact(_ text: String) -> String {
        var out = text
        for (key, value) in properties where KafkaConfig.isSecret(key) {
            out = out.replacingAll(value, with: KafkaConfig.redaction)
        }
        return out
    }

    /// Whether a property's value must never be logged.
    public static func isSecret(_ key: String) -> Bool {
        let lower = key.lowercased()
        return secretMarkers.contains { lower.contains($0) }
    }

    public static let redaction = "[redacted]"
    private static let secretMarkers = ["password", "secret", "sasl.oauthbearer", "ssl.key", "sasl.jaas", "token", "credential"]

    /// Producer defaults: idempotent, acknowledged by all in-sync replicas.
    public static let producerDefaults: [String: String] = [
        "enable.idempotence": "true",
        "acks": "all",
        // Java clients' partitioner: records keyed by an entity land on the partition a Java
        // producer would choose, so mixed producers keep one entity on one partition.
        "partitioner": "murmur2_random",
    ]

    /// Properties only a consumer understands (librdkafka warns when a producer gets them).
    public static let consumerOnlyPrefixes = ["group.", "session.timeout.ms", "heartbeat.interval.ms", "max.poll.interval.ms",
                                              "auto.offset.reset", "enable.auto.", "auto.commit.", "partition.assignment.strategy",
                                              "fetch.", "isolation.level", "queued.", "check.crcs", "consume."]

    /// Properties only a producer understands.
    public static let producerOnlyPrefixes = ["message.timeout.ms", "delivery.timeout.ms", "linger.ms", "queue.buffering.",
                                              "batch.", "acks", "request.required.acks", "enable.idempotence", "compression.",
                                              "partitioner", "message.send.max.retries", "transactional.", "sticky.partitioning"]

    /// The same properties without the consumer-only ones: one `kafka` map configures both clients.
    public var forProducer: KafkaConfig { without(Self.consumerOnlyPrefixes) }

    /// The same properties without the producer-only ones.
    public var forConsumer: KafkaConfig { without(Self.producerOnlyPrefixes) }

    /// The connection properties alone (an admin client is a producer-kind handle that produces
    /// nothing: librdkafka would warn about every consumer property it is given).
    public var forAdmin: KafkaConfig { without(Self.consumerOnlyPrefixes + Self.producerOnlyPrefixes) }

    private func without(_ prefixes: [String]) -> KafkaConfig {
        KafkaConfig(properties.filter { kv in !prefixes.contains { kv.key.hasPrefix($0) } })
    }

    /// Consumer defaults: offsets are stored explicitly and committed explicitly.
    public static let consumerDefaults: [String: String] = [
        "enable.auto.offset.store": "false",
        "enable.auto.commit": "false",
        "auto.offset.reset": "earliest",
        // librdkafka's 500 ms default: a fetch that finds nothing new waits that long, which is the
        // bridge's latency at moderate rates (Tansu answers only when the wait expires). 50 ms: p50
        // 113 → 35 ms, p99 325 → 91 ms at 1,000 events/s (docs/performance.md); set it in `kafka` to override.
        "fetch.wait.max.ms": "50",
    ]

    /// Builds an `rd_kafka_conf_t` (owned by the caller until handed to `rd_kafka_new`).
    /// A property librdkafka rejects throws with librdkafka's message, secret values redacted.
    func makeRDKafkaConf() throws(KafkaError) -> OpaquePointer {
        guard let conf = rd_kafka_conf_new() else {
            throw KafkaError(.configuration, message: "rd_kafka_conf_new failed")
        }
        // Sorted so that the first rejected property is the same on every run.
        for (key, value) in properties.sorted(by: { $0.key < $1.key }) {
            if let problem = KafkaConfig.set(conf, key, value) {
                rd_kafka_conf_destroy(conf)
                throw KafkaError(.configuration, message: "invalid Kafka property '\(key)': \(redact(problem))")
            }
        }
        return conf
    }

    /// Sets one property; returns librdkafka's error text when it is rejected.
    static func set(_ conf: OpaquePointer, _ key: String, _ value: String) -> String? {
        let (result, text) = RDKafkaErrorBuffer.with { rd_kafka_conf_set(conf, key, value, $0, $1) }
        guard result != RD_KAFKA_CONF_OK else { return nil }
        return text.isEmpty ? "rejected by librdkafka" : text
    }
}

// Private: other files of the module must not see (or clash with) this helper.
private extension String {
    /// Every occurrence of a non-empty `needle` replaced (no Foundation needed).
    func replacingAll(_ needle: String, with replacement: String) -> String {
        guard !needle.isEmpty else { return self }
        var out = ""
        var rest = self[...]
        while let range = rest.firstRange(of: needle) {
            out += rest[..<range.lowerBound]
            out += replacement
            rest = rest[range.upperBound...]
        }
        return out + rest
    }
}
