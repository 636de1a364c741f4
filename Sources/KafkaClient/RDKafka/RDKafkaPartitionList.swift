import CRdKafka
import Basics

/// An owned `rd_kafka_topic_partition_list_t`, built from and read back into Swift values.
///
/// Not Sendable and never stored: it lives for the span of one C call (or one callback).
struct RDKafkaPartitionList: ~Copyable {
    typealias CList = UnsafeMutablePointer<rd_kafka_topic_partition_list_t>

    let pointer: CList

    /// A list of partitions, with the given offset for each.
    init(_ entries: [PartitionPosition]) {
        pointer = rd_kafka_topic_partition_list_new(Int32(clamping: max(entries.count, 1)))
        for entry in entries {
            let element = rd_kafka_topic_partition_list_add(pointer, entry.topic, entry.partition)
            element?.pointee.offset = entry.offset
        }
    }

    /// A list of partitions without offsets (`RD_KAFKA_OFFSET_INVALID`).
    init(_ partitions: [TopicPartition]) {
        pointer = rd_kafka_topic_partition_list_new(Int32(clamping: max(partitions.count, 1)))
        for partition in partitions {
            let element = rd_kafka_topic_partition_list_add(pointer, partition.topic, partition.partition)
            element?.pointee.offset = Int64(RD_KAFKA_OFFSET_INVALID)
        }
    }

    deinit { rd_kafka_topic_partition_list_destroy(pointer) }

    /// The entries that carry an offset (librdkafka's "none" and logical offsets are left out).
    var entries: [PartitionPosition] { RDKafkaPartitionList.entries(of: pointer) }

    /// The first per-partition error, if any partition carries one.
    var firstError: (TopicPartition, rd_kafka_resp_err_t)? { RDKafkaPartitionList.firstError(of: pointer) }

    /// The entries with an offset ≥ 0 of a list librdkafka owns.
    static func entries(of list: UnsafePointer<rd_kafka_topic_partition_list_t>?) -> [PartitionPosition] {
        elements(of: list).compactMap { $0.offset >= 0 ? PartitionPosition($0.partition, offset: $0.offset) : nil }
    }

    /// Every entry of a list librdkafka owns; the offset nil where it is none or logical (< 0).
    static func offsets(of list: UnsafePointer<rd_kafka_topic_partition_list_t>?) -> [(partition: TopicPartition, offset: Int64?)] {
        elements(of: list).map { ($0.partition, $0.offset >= 0 ? $0.offset : nil) }
    }

    /// The partitions of a list librdkafka owns (e.g. the one handed to a rebalance callback), sorted.
    static func partitions(of list: UnsafePointer<rd_kafka_topic_partition_list_t>?) -> [TopicPartition] {
        elements(of: list).map(\.partition).sorted()
    }

    private static func elements(of list: UnsafePointer<rd_kafka_topic_partition_list_t>?) -> [(partition: TopicPartition, offset: Int64)] {
        guard let list, let elems = list.pointee.elems else { return [] }
        var out: [(partition: TopicPartition, offset: Int64)] = []
        out.reserveCapacity(Int(list.pointee.cnt))
        for i in 0..<Int(list.pointee.cnt) {
            let element = elems[i]
            let topic = element.topic.map { String(cString: $0) } ?? ""
            out.append((TopicPartition(topic: topic, partition: element.partition), element.offset))
        }
        return out
    }

    static func firstError(of list: UnsafePointer<rd_kafka_topic_partition_list_t>?) -> (TopicPartition, rd_kafka_resp_err_t)? {
        guard let list, let elems = list.pointee.elems else { return nil }
        for i in 0..<Int(list.pointee.cnt) where elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR {
            let topic = elems[i].topic.map { String(cString: $0) } ?? ""
            return (TopicPartition(topic: topic, partition: elems[i].partition), elems[i].err)
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
