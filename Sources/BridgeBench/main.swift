// BridgeBench: the bridge against raw librdkafka in the same run, and the pipeline without a broker.
//
//   swift build -c release --product BridgeBench
//   .build/release/BridgeBench core [--n 100000] [--memory] [--workers N]          # no broker
//   .build/release/BridgeBench produce --brokers B [--topic T] [--n N] [--run R]  # load the source topic
//   .build/release/BridgeBench passthrough|bridge --brokers B [--source T] [--n N] [--tag X] [--limit-seconds S]
//   .build/release/BridgeBench latency --brokers B [--rate 5000] [--seconds 30] [--warmup 8] [--partitions 4] [--broker-pid P] [--passthrough]
//
// Run from the package root (reads contracts/ and mappings/). One JSON object per result on
// stdout; progress on stderr. scripts/bench runs the whole suite.
import Foundation

do {
    let options = try Options(Array(CommandLine.arguments.dropFirst()))
    switch options.mode {
    case "core": try runCore(options)
    case "produce": try await runProduce(options)
    case "passthrough": try await runThroughput(options, bridge: false)
    case "bridge": try await runThroughput(options, bridge: true)
    case "latency": try await runLatency(options)
    default: throw BenchError("unknown mode \(options.mode)")
    }
} catch {
    log("BridgeBench: \(error)")
    exit(1)
}
