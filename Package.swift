// swift-tools-version:6.0
// EventBridge — a Kafka-backed finance event bridge.
// No SwiftPM package dependencies: Foundation, the toolchain, and system C libraries only.
// The targets follow the C edges (docs/architecture.md): only KafkaClient imports CRdKafka and
// only EventStore imports CSQLite, and the compiler keeps it that way.
import PackageDescription

let package = Package(
    name: "EventBridge",
    products: [
        .executable(name: "eventbridge", targets: ["EventBridgeCLI"]),
        .library(name: "EventBridge", targets: ["EventBridge"]),
        .library(name: "Contracts", targets: ["Contracts"]),
    ],
    targets: [
        // C at the edge: librdkafka and SQLite through pkg-config, nothing else in these targets.
        .systemLibrary(name: "CRdKafka", pkgConfig: "rdkafka", providers: [.apt(["librdkafka-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // Values and helpers every layer shares: RFC 3339 and civil dates, hex, the wall clock,
        // backoff, topic partitions and positions. No dependencies.
        .target(name: "Basics"),
        // Pure Swift: JSON, schema validation, finance rules, versions, compatibility. No Kafka, no C.
        .target(name: "Contracts", dependencies: ["Basics"]),
        // The logger, the metrics registry and the HTTP endpoint that serves it.
        .target(name: "Observability", dependencies: ["Basics", "Contracts"]),
        // The Kafka client layer over librdkafka (RDKafka/ holds the rd_kafka_* calls).
        .target(name: "KafkaClient", dependencies: ["CRdKafka", "Basics", "Observability"]),
        // The embedded SQLite store: dedup keys, revisions, outcome ledger, parked events, DLQ book.
        .target(name: "EventStore", dependencies: ["CSQLite", "Basics", "Contracts", "Observability"]),
        // The bridge: configuration, adapters, the pipeline stages, DLQ operations, bridge metrics.
        .target(name: "EventBridge", dependencies: ["Basics", "Contracts", "Observability", "KafkaClient", "EventStore"]),
        .executableTarget(name: "EventBridgeCLI",
                          dependencies: ["EventBridge", "Contracts", "Basics", "Observability", "KafkaClient", "EventStore"]),
        // Validator benchmark: the invoice contract's schema (and rules) against Python peers.
        .executableTarget(name: "ValidatorBench", dependencies: ["Contracts"], path: "Sources/ValidatorBench"),
        // Store benchmark: `swift build -c release --product StoreBench` (docs/store.md).
        .executableTarget(name: "StoreBench", dependencies: ["EventStore", "Basics", "Observability"], path: "Sources/StoreBench"),
        // End-to-end benchmark: the bridge vs passthrough on the same broker, the core pipeline, latency (scripts/bench).
        .executableTarget(name: "BridgeBench",
                          dependencies: ["EventBridge", "Contracts", "Basics", "Observability", "KafkaClient", "EventStore"],
                          path: "Sources/BridgeBench"),
        // Test-only: librdkafka's mock cluster (fault injection without a broker) and shared fixtures.
        .target(name: "TestSupport", dependencies: ["CRdKafka", "KafkaClient", "Observability", "Basics"], path: "Tests/TestSupport"),
        .testTarget(name: "BasicsTests", dependencies: ["Basics"]),
        .testTarget(name: "ContractsTests", dependencies: ["Contracts", "Basics"]),
        .testTarget(name: "ObservabilityTests", dependencies: ["Observability", "TestSupport"]),
        .testTarget(name: "KafkaClientTests", dependencies: ["KafkaClient", "TestSupport", "Basics", "Observability"]),
        .testTarget(name: "EventStoreTests", dependencies: ["EventStore", "Basics", "Contracts", "Observability"]),
        .testTarget(name: "EventBridgeTests",
                    dependencies: ["EventBridge", "TestSupport", "Contracts", "Basics", "Observability", "KafkaClient", "EventStore"]),
        // Against the real local broker (EVENTBRIDGE_TEST_BROKER), plus opt-in benchmarks.
        .testTarget(name: "IntegrationTests",
                    dependencies: ["EventBridge", "TestSupport", "Contracts", "Basics", "Observability", "KafkaClient", "EventStore"]),
    ],
    swiftLanguageModes: [.v6]
)
