import Basics
import Contracts
import Testing
@testable import EventBridge
import KafkaClient

@Suite struct ConfigTests {
    static let minimal: JSONValue = [
        "kafka": ["bootstrap.servers": "127.0.0.1:9092", "sasl.password": "${KAFKA_PASSWORD}"],
        "store": ["path": "run/x.sqlite"],
        "sources": [["topic": "erp.in", "source": "urn:erp"]],
        "subscribers": [["name": "gl", "topic": "finance.out", "types": ["finance.invoice.*"]]],
    ]

    @Test func loadsDefaultsAndSubstitutesEnvironment() throws {
        let c = try BridgeConfig.parse(Self.minimal, environment: ["KAFKA_PASSWORD": "hunter2"])
        #expect(c.kafka["sasl.password"] == "hunter2")
        #expect(c.redactedKafka["sasl.password"] == KafkaConfig.redaction)
        #expect(c.redactedKafka["bootstrap.servers"] == "127.0.0.1:9092")
        #expect(c.sources[0].dlqTopic == "erp.in.dlq")
        #expect(c.sources[0].adapter == "canonical")
        #expect(c.subscribers[0].mode == .binary)
        #expect(c.limits.maxDepth == 64)
        #expect(c.metrics.address == "127.0.0.1:9464")
        #expect(c.store.configuration(path: "x").cacheSizeMiB == 256)
    }

    /// `store.cacheMiB` sizes SQLite's page cache (most of the bridge's memory once the store is
    /// larger); it must be a positive integer.
    @Test func storeCacheSize() throws {
        func config(cacheMiB: JSONValue) -> JSONValue {
            ["kafka": ["bootstrap.servers": "127.0.0.1:9092"], "store": ["path": "run/x.sqlite", "cacheMiB": cacheMiB],
             "sources": [["topic": "erp.in", "source": "urn:erp"]], "subscribers": [["name": "gl", "topic": "finance.out", "types": ["finance.*"]]]]
        }
        #expect(try BridgeConfig.parse(config(cacheMiB: 32)).store.configuration(path: "x").cacheSizeMiB == 32)
        #expect(throws: ConfigError.self) { try BridgeConfig.parse(config(cacheMiB: 0)) }
    }

    @Test func reportsEveryProblemWithItsPath() {
        let bad: JSONValue = [
            "kafka": ["bootstrap.servers": "${MISSING}"],
            "store": [:],
            "sources": [["topic": "a", "source": "urn:a", "timeZone": "Mars/Olympus"], ["topic": 5]],
            "subscribers": [["name": "gl", "topic": "a", "types": ["fin*ance"], "mode": "loud"]],
            "limits": ["maxDepth": 100_000],
            "retry": ["initialBackoff": "soon"],
            "surprise": true,
        ]
        do {
            _ = try BridgeConfig.parse(bad)
            Issue.record("accepted a broken config")
        } catch {
            let paths = Set(error.problems.map(\.path))
            for expected in ["/kafka/bootstrap.servers", "/store/path", "/sources/0/timeZone", "/sources/1/topic", "/sources/1/source",
                             "/subscribers/0/topic", "/subscribers/0/types/0", "/subscribers/0/mode", "/limits/maxDepth",
                             "/retry/initialBackoff", "/surprise"] {
                #expect(paths.contains(expected), "missing a problem at \(expected): \(error)")
            }
            #expect(!error.description.contains("hunter2"))
        }
    }

    @Test func replayAttemptsMovedToDLQAndTheOldKeyIsDeprecated() throws {
        func config(_ extra: [String: JSONValue]) throws -> BridgeConfig {
            guard case .object(var o) = Self.minimal else { throw ConfigError(file: "", problems: []) }
            for (k, v) in extra { o[k] = v }
            return try BridgeConfig.parse(.object(o), environment: ["KAFKA_PASSWORD": "x"])
        }
        #expect(try config([:]).dlq.replayMaxAttempts == 5)
        #expect(try config([:]).warnings.isEmpty)
        #expect(try config(["dlq": ["replay": ["maxAttempts": 3]]]).dlq.replayMaxAttempts == 3)
        let old = try config(["retry": ["maxAttempts": 2]])
        #expect(old.dlq.replayMaxAttempts == 2)
        #expect(old.warnings.map(\.path) == ["/retry/maxAttempts"])
        #expect(old.warnings.first?.message.contains("/dlq/replay/maxAttempts") == true)
        let both = try config(["retry": ["maxAttempts": 2], "dlq": ["replay": ["maxAttempts": 7]]])
        #expect(both.dlq.replayMaxAttempts == 7)
        #expect(both.warnings.first?.message.contains("ignored") == true)
        #expect(throws: ConfigError.self) { try config(["dlq": ["replay": ["maxAttempts": 0]]]) }
        #expect(throws: ConfigError.self) { try config(["dlq": ["replays": [:]]]) }
    }

    @Test func durations() {
        #expect(DurationText.seconds("30s") == 30)
        #expect(DurationText.seconds("15m") == 900)
        #expect(DurationText.seconds("7d") == 604_800)
        #expect(DurationText.milliseconds("250ms") == 250)
        #expect(DurationText.milliseconds("2s") == 2000)
        #expect(DurationText.seconds("soon") == nil)
    }

    @Test func exampleConfigIsValid() throws {
        let root = String(#filePath).components(separatedBy: "/Tests/")[0]
        let c = try BridgeConfig.load(path: root + "/examples/bridge.json", environment: ["EVENTBRIDGE_BOOTSTRAP": "127.0.0.1:9092"])
        #expect(c.sources.count == 6)
        #expect(c.resolve(c.contractsDir).hasSuffix("examples/../contracts"))
    }
}
