import Contracts
import Foundation

/// ValidatorBench: documents per second for the `finance.invoice.posted` contract — (a) schema only,
/// (b) schema + finance rules — and, in the same run on the same documents and schema, Python's
/// `fastjsonschema` and `jsonschema` (benchmarks/validator/peers.py). Runs alternate, 3 each by
/// default; medians and ratios are printed as JSON.
///
///   swift build -c release --product ValidatorBench
///   .build/release/ValidatorBench [--quick] [--n N] [--runs R] [--contracts DIR] [--python PY] [--peers SCRIPT] [--no-peers]
struct Options {
    var n = 5_000
    var runs = 3
    var contracts = "contracts"
    var python = "/usr/local/lib/eventbridge-tools/venv/bin/python"
    var peers = "benchmarks/validator/peers.py"
    var withPeers = true

    init(_ args: [String]) throws {
        var it = args.makeIterator()
        while let a = it.next() {
            func value() throws -> String {
                guard let v = it.next() else { throw BenchError("\(a) needs a value") }
                return v
            }
            switch a {
            case "--quick": n = 200; runs = 1
            case "--n": n = try Int(value()).orThrow("--n takes a number")
            case "--runs": runs = try Int(value()).orThrow("--runs takes a number")
            case "--contracts": contracts = try value()
            case "--python": python = try value()
            case "--peers": peers = try value()
            case "--no-peers": withPeers = false
            default: throw BenchError("unknown argument \(a)")
            }
        }
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

extension Optional {
    func orThrow(_ message: String) throws -> Wrapped {
        guard let self else { throw BenchError(message) }
        return self
    }
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    guard !s.isEmpty else { return 0 }
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// Documents per second of one timed pass over `docs` (after one untimed warm-up pass).
func measure(_ docs: [JSONValue], _ check: (JSONValue) -> Bool) throws -> Double {
    for d in docs where !check(d) { throw BenchError("a generated document is invalid") }
    let clock = ContinuousClock()
    var valid = 0
    let elapsed = clock.measure {
        for d in docs where check(d) { valid += 1 }
    }
    guard valid == docs.count else { throw BenchError("a generated document is invalid") }
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    return Double(docs.count) / seconds
}

func runPeer(_ o: Options, impl: String, dir: URL) throws -> Double {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: o.python)
    p.arguments = [o.peers, "--impl", impl, "--dir", dir.path]
    let out = Pipe()
    p.standardOutput = out
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0, let json = try? JSONParser.parse([UInt8](data)), let rate = json["docs_per_s"]?.numberValue?.doubleValue else {
        throw BenchError("\(impl) failed (exit \(p.terminationStatus)): \(String(decoding: data, as: UTF8.self))")
    }
    return rate
}

func main() throws {
    let o = try Options(Array(CommandLine.arguments.dropFirst()))
    let registry: ContractRegistry
    do { registry = try ContractRegistry.load(directory: o.contracts) } catch { throw BenchError(error.description) }
    let contract = try registry.latest("finance.invoice.posted").orThrow("no finance.invoice.posted in \(o.contracts)")
    let texts = InvoiceGenerator.documents(count: o.n, seed: 0x5EED_2025)
    var docs: [JSONValue] = []
    for t in texts { docs.append(try JSONParser.parse(t)) }
    if let bad = docs.first(where: { !contract.validate($0).isValid }) {
        throw BenchError("generated document invalid: \(contract.validate(bad).violations)")
    }
    let avgBytes = texts.reduce(0) { $0 + $1.utf8.count } / max(texts.count, 1)

    // The peers' inputs: the same documents and schema, plus the ISO code lists for their format checks.
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("validator-bench-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    try Data((texts.joined(separator: "\n") + "\n").utf8).write(to: dir.appendingPathComponent("docs.jsonl"))
    try Data(JSONWriter.compact.bytes(contract.schema)).write(to: dir.appendingPathComponent("schema.json"))
    let letters = (UInt8(ascii: "A")...UInt8(ascii: "Z")).map { String(UnicodeScalar($0)) }
    let currencies = letters.flatMap { a in letters.flatMap { b in letters.map { a + b + $0 } } }.filter(ISOTables.isCurrency)
    let countries = letters.flatMap { a in letters.map { a + $0 } }.filter(ISOTables.isCountry)
    let formats: JSONValue = ["currencies": .array(currencies.map(JSONValue.string)), "countries": .array(countries.map(JSONValue.string))]
    try Data(JSONWriter.compact.bytes(formats)).write(to: dir.appendingPathComponent("formats.json"))

    let peers = o.withPeers && FileManager.default.fileExists(atPath: o.python) && FileManager.default.fileExists(atPath: o.peers)
    if o.withPeers && !peers { FileHandle.standardError.write(Data("peers skipped: \(o.python) or \(o.peers) not found\n".utf8)) }
    var rates: [String: [Double]] = [:]
    for round in 1...max(o.runs, 1) {
        rates["swift.schema", default: []].append(try measure(docs) { contract.validateSchema($0).isValid })
        if peers { rates["python.fastjsonschema", default: []].append(try runPeer(o, impl: "fastjsonschema", dir: dir)) }
        rates["swift.schema+rules", default: []].append(try measure(docs) { contract.validate($0).isValid })
        if peers { rates["python.jsonschema", default: []].append(try runPeer(o, impl: "jsonschema", dir: dir)) }
        FileHandle.standardError.write(Data("round \(round): \(rates.mapValues { Int($0.last ?? 0) })\n".utf8))
    }
    let medians = rates.mapValues(median)
    var ratios: [String: JSONValue] = [:]
    for ours in ["swift.schema", "swift.schema+rules"] {
        for theirs in ["python.fastjsonschema", "python.jsonschema"] {
            if let a = medians[ours], let b = medians[theirs], b > 0 {
                ratios["\(ours) / \(theirs)"] = .number(JSONNumber(literal: String(format: "%.2f", a / b)) ?? JSONNumber(0))
            }
        }
    }
    func num(_ d: Double) -> JSONValue { .number(JSONNumber(Int(d.rounded()))) }
    let result: JSONValue = [
        "benchmark": "validator", "contract": .string(contract.ref.description), "documents": .number(JSONNumber(o.n)),
        "averageDocumentBytes": .number(JSONNumber(avgBytes)), "runs": .number(JSONNumber(o.runs)),
        "docsPerSecondMedian": .object(JSONObject(medians.sorted { $0.key < $1.key }.map { .init(key: $0.key, value: num($0.value)) })),
        "docsPerSecondRuns": .object(JSONObject(rates.sorted { $0.key < $1.key }.map { .init(key: $0.key, value: .array($0.value.map(num))) })),
        "ratios": .object(JSONObject(ratios.sorted { $0.key < $1.key }.map { .init(key: $0.key, value: $0.value) })),
    ]
    print(JSONWriter.pretty.string(result))
}

do {
    try main()
} catch {
    FileHandle.standardError.write(Data("ValidatorBench: \(error)\n".utf8))
    exit(1)
}
