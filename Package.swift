// swift-tools-version:6.0
// EventBridge — a Kafka-backed finance event bridge.
// No SwiftPM package dependencies: Foundation, the toolchain, and system C libraries only.
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
        // Pure Swift: JSON, schema validation, finance rules, versions, compatibility. No Kafka, no C.
        .target(name: "Contracts"),
        // The bridge: Kafka client layer, adapters, pipeline, store, routing, DLQ, metrics.
        .target(name: "EventBridge", dependencies: ["CRdKafka", "CSQLite", "Contracts"]),
        .executableTarget(name: "EventBridgeCLI", dependencies: ["EventBridge", "Contracts"]),
        // Validator benchmark: the invoice contract's schema (and rules) against Python peers.
        .executableTarget(name: "ValidatorBench", dependencies: ["Contracts"], path: "Sources/ValidatorBench"),
        // Store benchmark: `swift build -c release --product StoreBench` (docs/store.md).
        .executableTarget(name: "StoreBench", dependencies: ["EventBridge"], path: "Sources/StoreBench"),
        // End-to-end benchmark: the bridge vs passthrough on the same broker, the core pipeline, latency (scripts/bench).
        .executableTarget(name: "BridgeBench", dependencies: ["EventBridge", "Contracts"], path: "Sources/BridgeBench"),
        .testTarget(name: "ContractsTests", dependencies: ["Contracts"]),
        .testTarget(name: "EventBridgeTests", dependencies: ["EventBridge", "Contracts"]),
    ],
    swiftLanguageModes: [.v6]
)
