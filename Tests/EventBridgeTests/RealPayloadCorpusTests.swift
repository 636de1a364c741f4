import Contracts
import Foundation
import KafkaClient
import Testing
@testable import EventBridge

/// Every real payload in `Tests/fixtures/real/<vendor>/` (vendor documentation, SDK fixtures,
/// open-source test fixtures; origins and licences in `Tests/fixtures/real/SOURCES.md`) runs
/// through decode → adapt → entity state → contract and rules (`AdaptRunner`, what `eventbridge
/// adapt` runs), in the vendor's file order so partial updates see the records before them, and
/// must come out as its vendor's `expected.json` says: published with these event types, filtered
/// with a reason, or dead-lettered with this code and a message that names the cause.
///
/// For published events, `expected.json` holds raw facts read off the payload (Stripe's minor
/// units and currency, epoch seconds, SAP's `/Date(ms)/` and `yyyyMMddHHmmss`, decimal strings);
/// this test turns them into canonical values on its own — its own minor-unit table and
/// Foundation's date formatting, not the adapters' code — and compares field by field.
@Suite struct RealPayloadCorpusTests {
    static let vendors = ["stripe", "salesforce", "debezium", "sap", "cloudevents"]
    static let fixtures = AdapterTestSupport.repositoryRoot + "/Tests/fixtures/real"
    /// Every record's Kafka timestamp (ms): 2023-11-14T22:13:20Z.
    static let recordTimestamp: Int64 = 1_700_000_000_000

    struct Tally: CustomStringConvertible {
        var published = 0, filtered = 0, deadLettered = 0
        var financeRelevant = 0, financeRelevantPublished = 0
        /// Finance-relevant records the bridge must refuse (`"refuse"` in `expected.json`: the
        /// payload itself is invalid JSON, states amounts that disagree or are inexact, or carries
        /// no record): publishing them would publish wrong finance data.
        var refused = 0
        /// Finance-relevant records filtered by design where filtering loses nothing
        /// (`"nothingLost"` in `expected.json`: another event reports the same money — a payment
        /// intent's charges, drafts before their finalization — or no money moved, or it is not the
        /// platform's money). Counted apart, so that a realistic mix of a vendor's lifecycle events
        /// does not read as payloads the bridge failed to publish.
        var nothingLost = 0

        /// Finance-relevant records that have to be published (all but the refused and those whose
        /// filtering loses nothing), in per cent: the share the real-payload issue measures.
        var publishableShare: Double { Self.share(financeRelevantPublished, financeRelevant - refused - nothingLost) }

        /// The same with the `nothingLost` records counted as not published.
        var strictShare: Double { Self.share(financeRelevantPublished, financeRelevant - refused) }

        static func share(_ part: Int, _ whole: Int) -> Double { whole == 0 ? 0 : Double(part) * 100 / Double(whole) }

        static func + (a: Tally, b: Tally) -> Tally {
            Tally(published: a.published + b.published, filtered: a.filtered + b.filtered, deadLettered: a.deadLettered + b.deadLettered,
                  financeRelevant: a.financeRelevant + b.financeRelevant,
                  financeRelevantPublished: a.financeRelevantPublished + b.financeRelevantPublished, refused: a.refused + b.refused,
                  nothingLost: a.nothingLost + b.nothingLost)
        }

        var description: String {
            let share = financeRelevant == 0 ? 0 : Double(financeRelevantPublished) * 100 / Double(financeRelevant)
            return "published \(published), filtered \(filtered), dead-lettered \(deadLettered); finance-relevant published "
                + "\(financeRelevantPublished)/\(financeRelevant) (\(String(format: "%.1f", share)) %), "
                + "of those that can be published (\(refused) must be refused) \(financeRelevantPublished)/\(financeRelevant - refused) "
                + "(\(String(format: "%.1f", strictShare)) %), of those that have to be (\(nothingLost) filtered losing nothing) "
                + "\(financeRelevantPublished)/\(financeRelevant - refused - nothingLost) (\(String(format: "%.1f", publishableShare)) %)"
        }
    }

    /// The shipped mappings and the example table configuration for Debezium's example databases.
    static func catalog() throws -> AdapterCatalog {
        var files: [(origin: String, bytes: [UInt8])] = []
        for dir in [AdapterTestSupport.mappingsDirectory, AdapterTestSupport.repositoryRoot + "/examples/mappings"] {
            for name in try FileManager.default.contentsOfDirectory(atPath: dir).sorted() where name.hasSuffix(".json") {
                files.append((dir + "/" + name, [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/" + name)))))
            }
        }
        return try AdapterCatalog(files: files)
    }

    /// One source per topic the vendor's records use, all with the vendor's adapter; one subscriber for everything.
    static func runner(_ manifest: JSONValue) throws -> AdaptRunner {
        let adapter = try #require(manifest["adapter"]?.stringValue)
        var topics: [String] = []
        for r in manifest["records"]?.arrayValue ?? [] {
            let topic = r["topic"]?.stringValue ?? manifest["topic"]?.stringValue ?? ""
            if !topics.contains(topic) { topics.append(topic) }
        }
        var sources: [JSONValue] = []
        for topic in topics {
            var s = JSONObject()
            s["topic"] = .string(topic)
            s["adapter"] = .string(adapter)
            s["source"] = .string("urn:corpus:\(topic)")
            s["timeZone"] = "UTC"
            if let system = manifest["sourceSystem"] { s["sourceSystem"] = system }
            sources.append(.object(s))
        }
        let config = try BridgeConfig.parse([
            "kafka": ["bootstrap.servers": "127.0.0.1:1"], "store": ["path": "unused.sqlite"],
            "sources": .array(sources), "subscribers": [["name": "everything", "topic": "corpus.out", "types": ["*"]]],
        ])
        return try AdaptRunner(config: config, registry: try AdapterTestSupport.contracts(), adapters: try catalog())
    }

    static func manifest(_ vendor: String) throws -> JSONValue {
        try JSONParser.parse([UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(fixtures)/\(vendor)/expected.json"))))
    }

    @Test(arguments: vendors)
    func everyFileHasItsExpectedOutcome(vendor: String) throws {
        let tally = try Self.run(vendor)
        print("corpus \(vendor): \(tally.published + tally.filtered + tally.deadLettered) records — \(tally)")
    }

    /// At least 90 % of the finance-relevant payloads that can be published are (issue #11); the
    /// ones the bridge must refuse are dead-lettered with their cause, never published or filtered.
    @Test func atLeastNinetyPercentOfPublishableFinancePayloadsPublish() throws {
        let total = try Self.vendors.map(Self.run).reduce(Tally(), +)
        print("corpus, all sources: \(total.published + total.filtered + total.deadLettered) records — \(total)")
        #expect(total.publishableShare >= 90, "\(total)")
    }

    /// Runs a vendor's records, checks each against its expectation, and counts the outcomes.
    static func run(_ vendor: String) throws -> Tally {
        let manifest = try Self.manifest(vendor)
        let runner = try Self.runner(manifest)
        let records = try #require(manifest["records"]?.arrayValue)
        var tally = Tally()
        for r in records {
            let file = r["file"]?.stringValue
            let at = "\(vendor)/\(file ?? "(tombstone)")"
            let value = try file.map { [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(Self.fixtures)/\(vendor)/\($0)"))) }
            let headers = (r["headers"]?.objectValue?.members ?? []).map { KafkaHeader(name: $0.key, string: $0.value.stringValue ?? "") }
            let record = runner.record(
                topic: r["topic"]?.stringValue ?? manifest["topic"]?.stringValue ?? "", key: r["key"]?.stringValue.map { Array($0.utf8) },
                value: value, headers: headers, timestampMillis: Self.recordTimestamp)
            let result = try runner.run(record)
            let expected = try #require(r["outcome"]?.stringValue, "\(at): no expected outcome")
            #expect(result.outcome.rawValue == expected, "\(at): \(result.outcome.rawValue) \(result.failure?.description ?? result.reason ?? "")")
            let relevant = r["financeRelevant"]?.boolValue == true
            if relevant { tally.financeRelevant += 1 }
            if let refuse = r["refuse"] {
                #expect(relevant && expected == "dead_lettered" && refuse.stringValue?.isEmpty == false,
                        "\(at): a refused record is finance-relevant, dead-lettered, and says why it must be refused")
                if relevant { tally.refused += 1 }
            }
            if let why = r["nothingLost"] {
                #expect(relevant && expected == "filtered" && why.stringValue?.isEmpty == false,
                        "\(at): a record whose filtering loses nothing is finance-relevant, filtered, and says why nothing is lost")
                if relevant && expected == "filtered" { tally.nothingLost += 1 }
            }
            switch result.outcome {
            case .published:
                tally.published += 1
                if relevant { tally.financeRelevantPublished += 1 }
            case .filtered: tally.filtered += 1
            case .deadLettered: tally.deadLettered += 1
            }
            guard result.outcome.rawValue == expected else { continue }
            switch result.outcome {
            case .deadLettered:
                let failure = try #require(result.failure)
                #expect(failure.code == r["code"]?.stringValue, "\(at): \(failure)")
                let cause = r["message"]?.stringValue ?? ""
                #expect(!failure.message.isEmpty && failure.message.contains(cause), "\(at): the message should name \"\(cause)\": \(failure.message)")
            case .filtered:
                let reason = result.reason ?? ""
                let wanted = r["reason"]?.stringValue ?? ""
                #expect(!reason.isEmpty && (wanted.isEmpty || reason.contains(wanted)), "\(at): reason \(reason)")
            case .published:
                let events = r["events"]?.arrayValue ?? []
                #expect(result.events.map(\.type) == events.compactMap { $0["type"]?.stringValue }, "\(at): types")
                for (event, want) in zip(result.events, events) {
                    for check in want["checks"]?.objectValue?.members ?? [] {
                        let pointer = try #require(JSONPointer(check.key))
                        let actual = pointer.resolve(in: event.data)
                        let wanted = try Self.canonical(check.value)
                        #expect(actual == wanted, "\(at) \(event.type) \(check.key): \(actual.map { JSONWriter.compact.string($0) } ?? "absent") ≠ \(wanted.map { JSONWriter.compact.string($0) } ?? "absent")")
                    }
                }
            }
        }
        return tally
    }

    /// Every fixture file has an expectation, and every expectation a file.
    @Test(arguments: vendors)
    func manifestCoversEveryFile(vendor: String) throws {
        let manifest = try Self.manifest(vendor)
        let listed = Set((manifest["records"]?.arrayValue ?? []).compactMap { $0["file"]?.stringValue })
        let present = Set(try FileManager.default.contentsOfDirectory(atPath: "\(Self.fixtures)/\(vendor)")).subtracting(["expected.json"])
        #expect(listed == present, "unlisted: \(present.subtracting(listed).sorted()); missing: \(listed.subtracting(present).sorted())")
    }

    /// The corpus holds at least 150 real payloads across the five sources.
    @Test func corpusIsLargeEnough() throws {
        let count = try Self.vendors.reduce(0) { $0 + (try Self.manifest($1)["records"]?.arrayValue?.count ?? 0) }
        #expect(count >= 150)
    }

    // MARK: canonical values, computed here

    /// ISO 4217 minor units of the currencies in the corpus and in the generality tests.
    static let minorUnits: [String: Int] = [
        "USD": 2, "EUR": 2, "AUD": 2, "CAD": 2, "INR": 2, "GBP": 2, "CHF": 2, "JPY": 0, "KRW": 0, "BHD": 3, "KWD": 3, "JOD": 3,
    ]

    static func canonical(_ spec: JSONValue) throws -> JSONValue? {
        let o = try #require(spec.objectValue, "a check is an object")
        if o["absent"] != nil { return nil }
        if let t = o["text"] { return t }
        if let n = o["int"] { return n }
        if let b = o["bool"] { return b }
        if let minor = o["minor"]?.numberValue?.int64, let currency = o["currency"]?.stringValue?.uppercased() {
            let scale = try #require(minorUnits[currency], "no minor unit for \(currency) in the test's table")
            return .string(money(minor, scale: scale))
        }
        if let decimal = o["decimal"]?.stringValue, let currency = o["currency"]?.stringValue?.uppercased() {
            let scale = try #require(minorUnits[currency])
            return .string(rescale(decimal, scale: scale))
        }
        if let currency = o["currency"]?.stringValue { return .string(currency.uppercased()) }
        if let s = o["epochSeconds"]?.numberValue?.int64 { return .string(format(Date(timeIntervalSince1970: TimeInterval(s)), o["as"])) }
        if let ms = o["epochMillis"]?.numberValue?.int64 { return .string(format(Date(timeIntervalSince1970: TimeInterval(ms) / 1000), o["as"])) }
        if let text = o["msDate"]?.stringValue { return .string(format(Date(timeIntervalSince1970: TimeInterval(try msDate(text)) / 1000), o["as"])) }
        if let text = o["msDateMillis"]?.stringValue { return .number(JSONNumber(try msDate(text))) }
        if let text = o["sapTime"]?.stringValue {
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.timeZone = TimeZone(identifier: "UTC")
            f.dateFormat = "yyyyMMddHHmmss"
            return .string(format(try #require(f.date(from: text)), "time"))
        }
        if let text = o["rfc3339"]?.stringValue { return .string(text) }
        if let text = o["rfc3339Millis"]?.stringValue {
            let date = try #require(ISO8601DateFormatter().date(from: text))
            return .number(JSONNumber(Int64(date.timeIntervalSince1970 * 1000)))
        }
        if o["recordTimestamp"] != nil { return .string(format(Date(timeIntervalSince1970: TimeInterval(recordTimestamp) / 1000), "time")) }
        Issue.record("unknown check \(JSONWriter.compact.string(spec))")
        return nil
    }

    /// Integer minor units as a decimal string with `scale` decimals (integer arithmetic).
    static func money(_ minor: Int64, scale: Int) -> String {
        let sign = minor < 0 ? "-" : ""
        let digits = String(minor.magnitude)
        guard scale > 0 else { return sign + digits }
        let padded = String(repeating: "0", count: max(0, scale + 1 - digits.count)) + digits
        return sign + padded.dropLast(scale) + "." + padded.suffix(scale)
    }

    /// A decimal string written with exactly `scale` decimals (the corpus never needs rounding).
    static func rescale(_ text: String, scale: Int) -> String {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        var fraction = parts.count > 1 ? String(parts[1]) : ""
        while fraction.count > scale && fraction.hasSuffix("0") { fraction.removeLast() }
        fraction += String(repeating: "0", count: max(0, scale - fraction.count))
        return scale == 0 ? String(parts[0]) : "\(parts[0]).\(fraction)"
    }

    static func msDate(_ text: String) throws -> Int64 {
        let inner = text.dropFirst("/Date(".count).prefix { $0 == "-" || $0.isNumber }
        return try #require(Int64(inner), "not a /Date(ms)/: \(text)")
    }

    static func format(_ date: Date, _ kind: JSONValue?) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded()) % 1000
        switch kind?.stringValue {
        case "date": f.dateFormat = "yyyy-MM-dd"
        default: f.dateFormat = millis == 0 ? "yyyy-MM-dd'T'HH:mm:ss'Z'" : "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"
        }
        var out = f.string(from: date)
        // RFC 3339 fractions are written without trailing zeros.
        if millis != 0 { while out.hasSuffix("0Z") { out = String(out.dropLast(2)) + "Z" } }
        return out
    }
}
