extension Duration {
    /// Milliseconds for librdkafka's `int timeout_ms` parameters: rounded up, so that a positive
    /// wait never becomes 0 ("return at once") — a poll loop waiting out its last fraction of a
    /// millisecond would otherwise spin on 0 ms polls until its deadline. Zero and negative
    /// durations give 0, never librdkafka's -1 ("wait forever"); long ones clamp to `Int32.max`.
    var rdKafkaMilliseconds: Int32 {
        guard self > .zero else { return 0 }
        let c = components  // both parts non-negative for a positive duration
        let (whole, overflow) = c.seconds.multipliedReportingOverflow(by: 1000)
        guard !overflow else { return .max }
        let attosecondsPerMillisecond: Int64 = 1_000_000_000_000_000
        let part = (c.attoseconds + attosecondsPerMillisecond - 1) / attosecondsPerMillisecond
        let (total, overflowed) = whole.addingReportingOverflow(part)
        return overflowed ? .max : Int32(clamping: total)
    }
}
