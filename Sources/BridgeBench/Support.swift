import Contracts
import EventBridge
import Foundation

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// `--name value` options; every mode reads the ones it needs.
struct Options {
    private var values: [String: String] = [:]
    private var flags: Set<String> = []
    let mode: String

    init(_ arguments: [String]) throws {
        guard let mode = arguments.first else { throw BenchError("usage: BridgeBench core|produce|passthrough|bridge|latency [--option value …]") }
        self.mode = mode
        var rest = arguments.dropFirst().makeIterator()
        while let a = rest.next() {
            guard a.hasPrefix("--") else { throw BenchError("unexpected argument \(a)") }
            if ["--memory", "--quiet", "--passthrough"].contains(a) {
                flags.insert(a)
            } else {
                guard let v = rest.next() else { throw BenchError("\(a) needs a value") }
                values[a] = v
            }
        }
    }

    func string(_ name: String, _ fallback: String) -> String { values[name] ?? fallback }

    func int(_ name: String, _ fallback: Int) throws -> Int {
        guard let text = values[name] else { return fallback }
        guard let v = Int(text.replacingOccurrences(of: "_", with: "")), v >= 0 else { throw BenchError("\(name) needs a number") }
        return v
    }

    func flag(_ name: String) -> Bool { flags.contains(name) }
}

func monotonicSeconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

/// Peak and current resident set size of this process, in MiB (`VmHWM`, `VmRSS`).
/// Peak and current resident memory (VmHWM, VmRSS), and the current anonymous part (RssAnon: heap,
/// stacks, SQLite's page cache; not the store file's memory-mapped pages, which the kernel can
/// drop, nor shared libraries).
func memoryMiB() -> (peak: Int, current: Int, anonymous: Int) {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return (0, 0, 0) }
    func field(_ name: String) -> Int {
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name) }) else { return 0 }
        return (Int(line.split(separator: " ").dropFirst().first.map(String.init) ?? "") ?? 0) / 1024
    }
    return (field("VmHWM:"), field("VmRSS:"), field("RssAnon:"))
}

func log(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }

/// One result line on stdout: a JSON object.
func emit(_ fields: [(String, JSONValue)]) {
    let object = JSONValue.object(JSONObject(fields.map { JSONObject.Member(key: $0.0, value: $0.1) }))
    FileHandle.standardOutput.write(Data((JSONWriter.compact.string(object) + "\n").utf8))
}

func number(_ d: Double, decimals: Int = 0) -> JSONValue {
    .number(JSONNumber(literal: String(format: "%.\(decimals)f", d)) ?? JSONNumber(0))
}

func number(_ i: Int) -> JSONValue { .number(JSONNumber(i)) }

/// The bridge configuration every mode uses: one canonical source, one binary-mode subscriber for
/// every type, metrics off, the librdkafka settings of `examples/bridge.json`.
func benchConfig(_ o: Options, workers: Int? = nil, brokers: String, source: String, output: String, group: String, store: String) throws -> BridgeConfig {
    let contracts = URL(fileURLWithPath: o.string("--contracts", "contracts")).standardizedFileURL.path
    let mappings = URL(fileURLWithPath: o.string("--mappings", "mappings")).standardizedFileURL.path
    // `--kafka "name=value,name=value"`: extra librdkafka properties for the bridge under test.
    var kafka: [String: JSONValue] = ["bootstrap.servers": .string(brokers), "session.timeout.ms": "6000", "heartbeat.interval.ms": "1000"]
    for pair in o.string("--kafka", "").split(separator: ",") {
        let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { throw BenchError("--kafka takes name=value pairs separated by commas, not '\(pair)'") }
        kafka[parts[0]] = .string(parts[1])
    }
    // `--store-cache-mib N`: SQLite's page cache per connection (the config's `store.cacheMiB`).
    var storeSettings: [(String, JSONValue)] = [("path", .string(store))]
    if let mib = Int(o.string("--store-cache-mib", "")) { storeSettings.append(("cacheMiB", .number(JSONNumber(mib)))) }
    let json: JSONValue = [
        "kafka": .object(JSONObject(kafka.sorted { $0.key < $1.key }.map { JSONObject.Member(key: $0.key, value: $0.value) })),
        "groupId": .string(group),
        "contracts": .string(contracts),
        "mappings": .string(mappings),
        "store": .object(JSONObject(storeSettings.map { JSONObject.Member(key: $0.0, value: $0.1) })),
        "sources": [["topic": .string(source), "adapter": "canonical", "source": "urn:bench:erp"]],
        "subscribers": [["name": "ledger", "topic": .string(output), "types": ["finance.*"]]],
        // The invoice documents would wait for their customer: the benchmarks measure the hot path, not readiness gating.
        "sequencing": ["gating": false],
        "limits": ["maxInFlight": .number(JSONNumber(try o.int("--max-in-flight", 20_000))),
                   "workers": .number(JSONNumber(try workers ?? o.int("--workers", BridgeConfig.LimitSettings.defaultWorkers)))],
        "metrics": ["enabled": false],
        "log": ["level": .string(o.string("--log-level", "warning"))],
        // `--changelog off`: the store as the only copy of the state, to measure the changelog's share.
        "changelog": ["enabled": .bool(o.string("--changelog", "on") != "off")],
    ]
    do {
        return try BridgeConfig.parse(json, file: "<bench>", baseDirectory: FileManager.default.currentDirectoryPath)
    } catch {
        throw BenchError(error.description)
    }
}

/// User plus system CPU time of another process so far, in seconds, from `/proc/<pid>/stat`; nil
/// when `pid` is 0 or the process cannot be read.
func processCPUSeconds(pid: Int32) -> Double? {
    guard pid > 0 else { return nil }
    return statCPU("/proc/\(pid)/stat")?.seconds
}

/// A `stat` file's command name and user plus system CPU seconds (a process's, or a thread's
/// under `/proc/<pid>/task/<tid>/`).
private func statCPU(_ path: String) -> (name: String, seconds: Double)? {
    guard let stat = try? String(contentsOfFile: path, encoding: .utf8),
          let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")") else { return nil }
    // After the command name in parentheses: state is field 3, utime and stime fields 14 and 15.
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
    return (String(stat[stat.index(after: open)..<close]), (user + system) / Double(sysconf(Int32(_SC_CLK_TCK))))
}

/// CPU seconds so far of each live thread of this process, by thread id, with its name (the
/// kernel keeps 15 bytes of it).
func threadCPUSeconds() -> [Int: (name: String, seconds: Double)] {
    let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
    var out: [Int: (name: String, seconds: Double)] = [:]
    for task in tasks {
        if let tid = Int(task), let cpu = statCPU("/proc/self/task/\(task)/stat") { out[tid] = cpu }
    }
    return out
}

/// Where a run's CPU went, per event, by kind of thread (by the names threads give themselves,
/// docs/architecture.md "Threads"): `runner` (the thread named so: the bridge's pipeline, which
/// also prepares part of each batch, or the passthrough's loop), `librdkafka` (its `rdk:` threads:
/// consumers', producers' and their brokers'), `kafkaPoll` (the clients' poll threads: delivery
/// reports into the in-flight tracker), `dispatchPool` (Dispatch's worker threads: the bridge's
/// preparation workers, and the benchmark's own tasks), `serialQueues` (threads serving serial
/// Dispatch queues: the store's writer), `other` (the changelog follower and other named threads),
/// and `exited` (threads gone before the end, e.g. idle Dispatch workers: their CPU is in the
/// process's total but no longer under a name).
func cpuMicrosByThread(before: [Int: (name: String, seconds: Double)], after: [Int: (name: String, seconds: Double)],
                       processSeconds: Double, events: Int, runner: String) -> [(String, Double)] {
    var groups: [String: Double] = [:]
    let runnerName = String(runner.prefix(15))
    for (tid, now) in after {
        let spent = now.seconds - (before[tid]?.seconds ?? 0)
        let group = now.name == runnerName ? "runner"
            : now.name.hasPrefix("rdk:") ? "librdkafka"
            : ["eb-producer", "eb-consumer", "eb-kafka-admin"].contains(now.name) ? "kafkaPoll"
            : now.name.hasSuffix("overcommit") ? "serialQueues"
            : now.name.hasSuffix("-qos") ? "dispatchPool"
            : "other"
        groups[group, default: 0] += spent
    }
    groups["exited"] = max(0, processSeconds - groups.values.reduce(0, +))
    let perEvent = 1e6 / Double(max(events, 1))
    return ["runner", "librdkafka", "kafkaPoll", "dispatchPool", "serialQueues", "other", "exited"].map { ($0, (groups[$0] ?? 0) * perEvent) }
}

/// User plus system CPU time of this process so far, in seconds (all threads).
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}
