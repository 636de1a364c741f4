import KafkaClient
/// The EventBridge release (the librdkafka in use is `LibrdkafkaVersion`).
public enum EventBridgeVersion {
    public static let version = "0.1.0"
}
