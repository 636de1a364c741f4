import Testing
@testable import KafkaClient
import KafkaClient
import TestSupport

/// Configuration, errors and records: no cluster involved.
@Suite struct KafkaConfigTests {
    let logger = KafkaTestSupport.logger

    @Test func aRejectedPropertyThrowsLibrdkafkasOwnMessage() {
        #expect {
            _ = try KafkaProducer(config: KafkaConfig(["acks": "sometimes"]), logger: logger)
        } throws: { error in
            guard let error = error as? KafkaError else { return false }
            return error.code == .configuration && error.message.contains("'acks'") && error.message.contains("Invalid value")
        }
        #expect(throws: KafkaError.self) {
            _ = try KafkaProducer(config: KafkaConfig(["no.such.property": "1"]), logger: logger)
        }
    }

    /// `config check` reports every property librdkafka refuses, by name, without creating a client.
    @Test func problemsListsEveryRefusedPropertyWithoutCreatingAClient() {
        let config = KafkaConfig(["bootstrap.servers": "127.0.0.1:1", "acks": "sometimes", "no.such.property": "1",
                                  "linger.ms": "5", "sasl.mechanisms": "PLAIN", "sasl.password": "x", "socket.timeout.ms": "secret-ish"])
        let problems = KafkaProducer.configurationProblems(config)
        #expect(problems.map(\.property) == ["acks", "no.such.property", "socket.timeout.ms"])
        #expect(problems.allSatisfy { !$0.message.isEmpty })
        #expect(KafkaConsumer.configurationProblems(KafkaConfig(["bootstrap.servers": "x:1"])).map(\.property) == ["group.id"])
        #expect(KafkaConsumer.configurationProblems(KafkaConfig(["group.id": "g", "enable.auto.offset.store": "true"])).map(\.property)
                == ["enable.auto.offset.store"])
        #expect(KafkaProducer.configurationProblems(KafkaConfig(["bootstrap.servers": "x:1"])).isEmpty)
    }

    @Test func secretValuesAreRedactedFromErrorsAndLogs() {
        let secret = "hunter2-very-secret"
        let config = KafkaConfig(["sasl.password": secret, "ssl.key.pem": secret, "acks": "all", "basic.auth.secret": secret])
        #expect(config.redacted["sasl.password"] == "[redacted]")
        #expect(config.redacted["ssl.key.pem"] == "[redacted]")
        #expect(config.redacted["basic.auth.secret"] == "[redacted]")
        #expect(config.redacted["acks"] == "all")
        #expect(!KafkaClientDescription.describe(config).contains(secret))
        // librdkafka messages that quote a secret value are scrubbed before they are thrown.
        #expect(config.redact("Invalid value \"\(secret)\" for sasl.password") == "Invalid value \"[redacted]\" for sasl.password")
        #expect(config.redact("acks=all") == "acks=all")
    }

    @Test func consumerConfigurationIsChecked() {
        #expect(throws: KafkaError.self) {
            _ = try KafkaConsumer(config: KafkaConfig(bootstrapServers: "127.0.0.1:1"), logger: logger)
        }
        #expect(throws: KafkaError.self) {
            _ = try KafkaConsumer(
                config: KafkaConfig(bootstrapServers: "127.0.0.1:1", ["group.id": "g", "enable.auto.offset.store": "true"]),
                logger: logger)
        }
    }

    @Test func errorCodesCarryNamesAndRetriability() {
        #expect(KafkaError.Code.queueFull.description == "_QUEUE_FULL")
        #expect(KafkaError.Code.topicAlreadyExists.description == "TOPIC_ALREADY_EXISTS")
        #expect(KafkaError(.queueFull, message: "full").isRetriable)
        #expect(!KafkaError(.topicAlreadyExists, message: "exists").isRetriable)
        #expect(KafkaError(.fatal, message: "fenced").isFatal)
        let error = KafkaError(.configuration, message: "bad")
        #expect(error.file.hasSuffix("KafkaConfigTests.swift"))
        #expect(error.code.rdKafkaCode == nil)
        #expect(KafkaError.Code.rdKafka(19).rdKafkaCode == 19)
    }

    @Test func enqueueRejectsContextsThatCollideWithAwaitedSends() async throws {
        let producer = try KafkaProducer(config: KafkaConfig(["test.mock.num.brokers": "1"]), logger: logger)
        #expect(throws: KafkaError.self) {
            try producer.enqueue(KafkaProducerRecord(topic: "t", key: nil, value: nil), context: 1 << 63)
        }
        await producer.close()
        #expect(throws: KafkaError.self) {
            try producer.enqueue(KafkaProducerRecord(topic: "t", key: nil, value: nil))
        }
    }

    @Test func librdkafkaLogLevelsMapToTheProjectsLevels() {
        #expect(RDKafkaClient.level(syslog: 0) == .critical)
        #expect(RDKafkaClient.level(syslog: 3) == .error)
        #expect(RDKafkaClient.level(syslog: 4) == .warning)
        #expect(RDKafkaClient.level(syslog: 5) == .notice)
        #expect(RDKafkaClient.level(syslog: 6) == .info)
        #expect(RDKafkaClient.level(syslog: 7) == .debug)
    }

    @Test func librdkafkaVersionChecksCatchOldAndMismatchedLibraries() {
        #expect(LibrdkafkaVersion.describe(0x0208_00ff) == "2.8.0")
        #expect(LibrdkafkaVersion.describe(0x020a_0101) == "2.10.1-pre1")
        #expect(LibrdkafkaVersion.problems(runtime: 0x0208_00ff, header: 0x0208_00ff).isEmpty)
        #expect(LibrdkafkaVersion.problems(runtime: 0x0200_02ff, header: 0x0200_02ff).count == 1)
        #expect(LibrdkafkaVersion.problems(runtime: 0x0209_00ff, header: 0x0208_00ff).count == 1)
        // This build runs with what it was compiled against.
        #expect(LibrdkafkaVersion.problems().isEmpty)
    }
}

@Suite struct RDKafkaTimeoutTests {
    /// A positive wait below a millisecond must still wait: rounded down to 0 it made
    /// `pollBatch` spin on 0 ms polls for the last fraction of every empty poll's timeout.
    @Test func positiveWaitsRoundUpToWholeMilliseconds() {
        #expect(Duration.microseconds(300).rdKafkaMilliseconds == 1)
        #expect(Duration.nanoseconds(1).rdKafkaMilliseconds == 1)
        #expect(Duration.nanoseconds(100_000_001).rdKafkaMilliseconds == 101)
        #expect(Duration.milliseconds(100).rdKafkaMilliseconds == 100)
        #expect(Duration.seconds(2).rdKafkaMilliseconds == 2_000)
    }

    /// librdkafka reads -1 as "wait forever": no duration may become a negative timeout.
    @Test func zeroNegativeAndHugeDurationsStayInRange() {
        #expect(Duration.zero.rdKafkaMilliseconds == 0)
        #expect(Duration.milliseconds(-5).rdKafkaMilliseconds == 0)
        #expect(Duration.nanoseconds(-1).rdKafkaMilliseconds == 0)
        #expect(Duration.seconds(Int64.max).rdKafkaMilliseconds == Int32.max)
        #expect(Duration.seconds(3_000_000).rdKafkaMilliseconds == Int32.max)
    }
}
