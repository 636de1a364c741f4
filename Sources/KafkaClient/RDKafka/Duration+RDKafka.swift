extension Duration {
    /// Milliseconds for librdkafka's `int timeout_ms` parameters (clamped, rounded down).
    var rdKafkaMilliseconds: Int32 {
        let c = components
        return Int32(clamping: c.seconds * 1000 + c.attoseconds / 1_000_000_000_000_000)
    }
}
