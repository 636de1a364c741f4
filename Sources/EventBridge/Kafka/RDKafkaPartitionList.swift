import CRdKafka

/// An owned `rd_kafka_topic_partition_list_t`, built from and read back into Swift values.
///
/// Not Sendable and never stored: it lives for the span of one C call (or one callback).
struct RDKafkaPartitionList: ~Copyable {
    typealias CList = UnsafeMutablePointer<rd_kafka_topic_partition_list_t>

    let pointer: CList

    /// A list of partitions, with the given offset for each (librdkafka's
    /// `RD_KAFKA_OFFSET_INVALID` for "none").
    init(_ entries: [KafkaPartitionOffset]) {
        pointer = rd_kafka_topic_partition_list_new(Int32(clamping: max(entries.count, 1)))
        for entry in entries {
            let element = rd_kafka_topic_partition_list_add(pointer, entry.topic, entry.partition)
            element?.pointee.offset = entry.offset ?? Int64(RD_KAFKA_OFFSET_INVALID)
        }
    }

    /// A list of partitions without offsets.
    init(_ partitions: [KafkaTopicPartition]) {
        self.init(partitions.map { KafkaPartitionOffset($0, offset: nil) })
    }

    deinit { rd_kafka_topic_partition_list_destroy(pointer) }

    /// The entries (an offset below zero reads as nil).
    var entries: [KafkaPartitionOffset] { RDKafkaPartitionList.entries(of: pointer) }

    /// The first per-partition error, if any partition carries one.
    var firstError: (KafkaTopicPartition, rd_kafka_resp_err_t)? { RDKafkaPartitionList.firstError(of: pointer) }

    /// Reads a list librdkafka owns (e.g. the one handed to a rebalance callback).
    static func entries(of list: UnsafePointer<rd_kafka_topic_partition_list_t>?) -> [KafkaPartitionOffset] {
        guard let list, let elems = list.pointee.elems else { return [] }
        var out: [KafkaPartitionOffset] = []
        out.reserveCapacity(Int(list.pointee.cnt))
        for i in 0..<Int(list.pointee.cnt) {
            let element = elems[i]
            let topic = element.topic.map { String(cString: $0) } ?? ""
            out.append(KafkaPartitionOffset(topic: topic, partition: element.partition, offset: element.offset >= 0 ? element.offset : nil))
        }
        return out
    }

    /// The partitions of a list librdkafka owns, sorted.
    static func partitions(of list: UnsafePointer<rd_kafka_topic_partition_list_t>?) -> [KafkaTopicPartition] {
        entries(of: list).map(\.topicPartition).sorted()
    }

    static func firstError(of list: UnsafePointer<rd_kafka_topic_partition_list_t>?) -> (KafkaTopicPartition, rd_kafka_resp_err_t)? {
        guard let list, let elems = list.pointee.elems else { return nil }
        for i in 0..<Int(list.pointee.cnt) where elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR {
            let topic = elems[i].topic.map { String(cString: $0) } ?? ""
            return (KafkaTopicPartition(topic: topic, partition: elems[i].partition), elems[i].err)
        }
        return nil
    }

    /// Throws the first per-partition error of the list.
    func checkPartitions(_ what: String, file: String = #fileID, line: Int = #line) throws(KafkaError) {
        guard let (partition, err) = firstError else { return }
        throw KafkaError.rdKafka(
            err, message: "\(what) for \(partition): \(String(cString: rd_kafka_err2str(err)))", file: file, line: line)
    }
}
