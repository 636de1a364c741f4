import Contracts
import EventBridge
import Foundation
import Synchronization
import Observability
import KafkaClient

/// `eventbridge produce` — writes records described as JSON lines to a topic.
struct ProduceCommand: CLICommand {
    static let name = "produce"
    static let abstract = "Produce records from JSON lines to a topic (test traffic, manual fixes)"
    static let help = """
    USAGE: eventbridge produce --bootstrap HOST:PORT --topic TOPIC [FILE] [--json]

    Reads one record per line from FILE (or standard input). Each line is a JSON object:
      {"key": "c-1", "headers": {"ce_type": "finance.customer.upserted"}, "value": {…any JSON…}}
    "value" is serialized as compact JSON; use "valueText" for a raw UTF-8 string, "valueBase64"
    for arbitrary bytes, or "value": null for a tombstone. "key" may be null or absent (null key);
    "partition" picks a partition. Waits until every record is acknowledged (acks=all).

    OPTIONS:
      --bootstrap HOST:PORT   broker address (or EVENTBRIDGE_BOOTSTRAP)
      --topic TOPIC           target topic
      --json                  print a JSON summary {"produced": N, "failed": N}
    """

    var bootstrap: String
    var topic: String
    var file: String?
    var json: Bool

    init(arguments: inout Arguments) throws {
        json = arguments.flag("--json")
        bootstrap = try arguments.option("--bootstrap") ?? ProcessInfo.processInfo.environment["EVENTBRIDGE_BOOTSTRAP"]
            ?? { throw UsageError("missing --bootstrap HOST:PORT") }()
        topic = try arguments.required("--topic")
        file = arguments.positional()
    }

    func run() async throws -> ExitCode {
        let text: String
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else { throw UsageError("cannot read \(file)") }
            text = String(decoding: data, as: UTF8.self)
        } else {
            text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        }
        var records: [KafkaProducerRecord] = []
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            do {
                records.append(try Self.record(from: try JSONParser.parse(String(trimmed)), topic: topic))
            } catch {
                throw UsageError("\(file ?? "stdin"):\(n + 1): \(error)")
            }
        }
        // Enqueued one after another from this task, so records keep the input's order per
        // partition (the idempotent producer keeps it through retries); the delivery reports
        // are counted as they arrive.
        let delivered = Mutex(0)
        let producer = try KafkaProducer(config: KafkaConfig(bootstrapServers: bootstrap),
                                         logger: Logger(label: "produce", level: .warning)) { reports in
            for report in reports {
                switch report.result {
                case .success: delivered.withLock { $0 += 1 }
                case .failure(let error): printError("error: record \(report.context + 1): \(error)")
                }
            }
        }
        for (n, record) in records.enumerated() {
            do {
                try await producer.enqueueWaiting(record, context: UInt64(n))
            } catch {
                printError("error: record \(n + 1): \(error)")
            }
        }
        do {
            try await producer.flush(timeout: .seconds(120))
        } catch {
            printError("error: \(error)")
        }
        await producer.close()
        // A record not enqueued, failed, or purged by close without a report counts as failed.
        let produced = delivered.withLock { $0 }
        let failed = records.count - produced
        if json {
            print(JSONWriter.compact.string(["produced": .number(JSONNumber(produced)), "failed": .number(JSONNumber(failed))]))
        } else {
            print("produced \(produced) record\(produced == 1 ? "" : "s") to \(topic)" + (failed > 0 ? ", \(failed) failed" : ""))
        }
        return failed == 0 ? .ok : .failed
    }

    struct LineError: Error, CustomStringConvertible {
        var description: String
    }

    static func record(from line: JSONValue, topic: String) throws -> KafkaProducerRecord {
        guard let o = line.objectValue else { throw LineError(description: "each line must be a JSON object") }
        var key: [UInt8]? = nil
        switch o["key"] {
        case .string(let s)?: key = Array(s.utf8)
        case .null?, nil: key = nil
        default: throw LineError(description: "\"key\" must be a string or null")
        }
        var headers: [KafkaHeader] = []
        if let h = o["headers"] {
            guard let ho = h.objectValue else { throw LineError(description: "\"headers\" must be an object") }
            for m in ho.members {
                switch m.value {
                case .string(let s): headers.append(KafkaHeader(name: m.key, string: s))
                case .null: headers.append(KafkaHeader(name: m.key, value: nil))
                default: throw LineError(description: "header \(m.key) must be a string or null")
                }
            }
        }
        var value: [UInt8]? = nil
        if let t = o["valueText"] {
            guard let s = t.stringValue else { throw LineError(description: "\"valueText\" must be a string") }
            value = Array(s.utf8)
        } else if let b = o["valueBase64"] {
            guard let s = b.stringValue, let d = Data(base64Encoded: s) else { throw LineError(description: "\"valueBase64\" must be base64") }
            value = [UInt8](d)
        } else if let v = o["value"] {
            value = v.isNull ? nil : JSONWriter.compact.bytes(v)
        } else {
            throw LineError(description: "one of \"value\", \"valueText\" or \"valueBase64\" is required")
        }
        var partition: Int32? = nil
        if let p = o["partition"] {
            guard let n = p.numberValue?.int64, let v = Int32(exactly: n), v >= 0 else { throw LineError(description: "\"partition\" must be a whole number ≥ 0") }
            partition = v
        }
        return KafkaProducerRecord(topic: topic, partition: partition, key: key, value: value, headers: headers)
    }
}
