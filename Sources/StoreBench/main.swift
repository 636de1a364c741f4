// StoreBench: the embedded store's dedup hot path at millions of keys, and start-up time.
//
//   swift build -c release --product StoreBench
//   .build/release/StoreBench [--keys 5000000] [--batch 10000] [--durability full|normal]
//                             [--generation 250000] [--dir /tmp] [--ledger]
//
// One JSON object per line on stdout ({"name","keys","ops_per_s",…}); a human summary on stderr.
import Dispatch
import Foundation
import EventStore

struct Options: Sendable {
    var keys = 5_000_000
    var batch = 10_000
    var durability = StoreConfiguration.Durability.full
    var generation = 250_000
    var directory = NSTemporaryDirectory()
    /// Also write a ledger row + offset per input (the pipeline's full batch), not only dedup keys.
    var ledger = false

    var durabilityName: String { durability == .full ? "full" : "normal" }

    init(_ arguments: [String]) throws {
        var rest = arguments.makeIterator()
        func value(_ name: String) throws -> String {
            guard let v = rest.next() else { throw BenchError("\(name) needs a value") }
            return v
        }
        func int(_ name: String) throws -> Int {
            guard let v = Int(try value(name).replacingOccurrences(of: "_", with: "")), v > 0 else { throw BenchError("\(name) needs a positive integer") }
            return v
        }
        while let argument = rest.next() {
            switch argument {
            case "--keys": keys = try int(argument)
            case "--batch": batch = try int(argument)
            case "--generation": generation = try int(argument)
            case "--dir": directory = try value(argument)
            case "--ledger": ledger = true
            case "--durability":
                switch try value(argument) {
                case "full": durability = .full
                case "normal": durability = .normal
                default: throw BenchError("--durability is full or normal")
                }
            default: throw BenchError("unknown argument \(argument)")
            }
        }
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Deterministic pseudo-random 128-bit keys: key(i) is a SplitMix64 mix of i, so any earlier
/// key can be regenerated (for duplicates) without keeping them.
func key(_ index: Int) -> DedupKey {
    func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    let i = UInt64(index)
    return DedupKey(high: mix(i), low: mix(i ^ 0xD1B5_4A32_D192_ED03))
}

/// A cheap deterministic generator for picking re-sent keys (the system one costs a syscall).
struct XorShift: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed | 1 }
    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
}

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

func residentMiB() -> Int {
    guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
        let pages = statm.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
    else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
}

func emit(_ fields: [(String, String)]) {
    let body = fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",")
    FileHandle.standardOutput.write(Data("{\(body)}\n".utf8))
}

func log(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }

let options: Options
do {
    options = try Options(Array(CommandLine.arguments.dropFirst()))
} catch {
    log("StoreBench: \(error)")
    exit(2)
}

let directory = URL(fileURLWithPath: options.directory).appendingPathComponent("storebench-\(getpid())")
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: directory) }
var configuration = StoreConfiguration(path: directory.appendingPathComponent("store.sqlite").path)
configuration.durability = options.durability
configuration.generationSize = options.generation
configuration.pruneIntervalSeconds = 0

do {
    try runDedupBenchmark(options, configuration)
} catch {
    log("StoreBench: \(error)")
    exit(1)
}
