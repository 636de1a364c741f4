import CRdKafka

/// Checking a configuration the way creating a client does, without creating one (no threads, no
/// connection): `eventbridge config check` and the bridge's start-up report every property
/// librdkafka refuses, each with its name, before anything connects.
extension KafkaConfig {
    /// A property librdkafka refuses (unknown name, invalid value), with its message; secret values
    /// are redacted.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public var property: String
        public var message: String

        public var description: String { "\(property): \(message)" }
    }

    /// An integer property of a configuration object as librdkafka holds it (defaults included).
    static func integer(_ conf: OpaquePointer, _ name: String) -> Int? {
        var buffer = [CChar](repeating: 0, count: 64)
        var size = buffer.count
        guard rd_kafka_conf_get(conf, name, &buffer, &size) == RD_KAFKA_CONF_OK else { return nil }
        return Int(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }

    /// Sets every property on a fresh `rd_kafka_conf_t`, as ``makeRDKafkaConf()`` does when a client
    /// is created, and returns every one librdkafka refuses (sorted by name), not just the first.
    public func problems() -> [Problem] {
        guard let conf = rd_kafka_conf_new() else { return [Problem(property: "", message: "rd_kafka_conf_new failed")] }
        defer { rd_kafka_conf_destroy(conf) }
        return properties.sorted { $0.key < $1.key }.compactMap { key, value in
            KafkaConfig.set(conf, key, value).map { Problem(property: key, message: redact($0)) }
        }
    }
}

extension KafkaConfig {
    /// librdkafka's default `message.max.bytes`.
    public static let defaultMaxMessageBytes = 1_000_000
}

extension KafkaProducer {
    /// The configuration a producer created from `config` runs with (its defaults added).
    public static func effectiveConfiguration(_ config: KafkaConfig) -> KafkaConfig {
        config.withDefaults(KafkaConfig.producerDefaults)
    }

    /// The `message.max.bytes` a producer created from `config` enforces (librdkafka's default,
    /// 1,000,000, unless `config` sets it); nil when librdkafka refuses the configuration.
    public static func maxMessageBytes(_ config: KafkaConfig) -> Int? {
        guard let conf = try? effectiveConfiguration(config).makeRDKafkaConf() else { return nil }
        defer { rd_kafka_conf_destroy(conf) }
        return KafkaConfig.integer(conf, "message.max.bytes")
    }

    /// What creating a producer from `config` would refuse, without creating it.
    public static func configurationProblems(_ config: KafkaConfig) -> [KafkaConfig.Problem] {
        effectiveConfiguration(config).problems()
    }
}

extension KafkaConsumer {
    /// The configuration a consumer created from `config` runs with (its defaults added, offsets
    /// stored explicitly).
    public static func effectiveConfiguration(_ config: KafkaConfig) -> KafkaConfig {
        config.withDefaults(KafkaConfig.consumerDefaults).merging(["enable.auto.offset.store": "false"])
    }

    /// What creating a consumer from `config` would refuse, without creating it.
    public static func configurationProblems(_ config: KafkaConfig) -> [KafkaConfig.Problem] {
        var problems: [KafkaConfig.Problem] = []
        if (config["group.id"] ?? "").isEmpty { problems.append(.init(property: "group.id", message: "a consumer needs a group id")) }
        if config["enable.auto.offset.store"] == "true" {
            problems.append(.init(property: "enable.auto.offset.store", message: "must be false: offsets are stored after outcomes are durable"))
        }
        return problems + effectiveConfiguration(config).problems()
    }
}
