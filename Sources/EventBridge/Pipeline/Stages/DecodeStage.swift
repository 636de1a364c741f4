import Contracts

/// Stage 1, decode: the record's value bytes → a JSON document, within the configured limits.
///
/// Parses straight from the bytes librdkafka handed over (no `Data`, no `String` round trip).
/// Tombstones and empty values are inputs like any other: they get a stable code and go to the DLQ.
struct DecodeStage: Sendable {
    let maxRecordBytes: Int
    let options: JSONParseOptions

    init(maxRecordBytes: Int, maxDepth: Int) {
        self.maxRecordBytes = maxRecordBytes
        options = JSONParseOptions(maxDepth: maxDepth, maxBytes: maxRecordBytes)
    }

    func decode(_ value: [UInt8]?) -> Result<JSONValue, PipelineFailure> {
        guard let value else {
            return .failure(PipelineFailure(stage: .decode, code: FailureCode.recordTombstone,
                                            message: "the record has a null value (tombstone); there is no event to bridge"))
        }
        if value.isEmpty {
            return .failure(PipelineFailure(stage: .decode, code: FailureCode.recordEmpty, message: "the record value is empty"))
        }
        if value.count > maxRecordBytes {
            return .failure(PipelineFailure(stage: .decode, code: FailureCode.recordTooLarge,
                                            message: "the record value is \(value.count) bytes, the limit is \(maxRecordBytes)"))
        }
        do {
            return .success(try JSONParser.parse(value, options: options))
        } catch {
            return .failure(PipelineFailure(stage: .decode, code: error.code.rawValue, message: error.description))
        }
    }
}
