import Contracts
import Foundation
import KafkaClient
import Testing
@testable import EventBridge

/// The mapping features real sources need, beyond the corpus: vendor date forms, decimal rescale to
/// the currency's minor unit, Stripe's currency quirks, Debezium's decimal encodings and delivery
/// shapes, CloudEvents in every mode, envelopes that name what they tried, Avro unions,
/// `elementWhen`, `join`, `else` and metadata conditions.
@Suite struct AdapterRealSourceTests {
    private typealias S = AdapterTestSupport

    private func one(_ spec: String, _ value: String, zone: String? = nil) throws -> AdapterOutcome {
        let adapter = try S.mapping(#"{"name": "t", "rules": [{"emit": "test.value", "fields": {"/out": \#(spec)}}]}"#, zone: zone)
        return adapter.adapt(try S.input(#"{"v": \#(value), "ccy": "usd"}"#))
    }

    private func out(_ spec: String, _ value: String, zone: String? = nil) throws -> JSONValue? {
        try S.event(try one(spec, value, zone: zone)).data["out"]
    }

    // MARK: dates

    @Test(arguments: [
        (#""/Date(1492041600000)/""#, "", "2017-04-13T00:00:00Z"),
        (#""/Date(1552895997855+0000)/""#, "", "2019-03-18T07:59:57.855Z"),
        (#""/Date(1552895997000+0530)/""#, "", "2019-03-18T13:29:57+05:30"),
        (#""/Date(-86400000)/""#, "", "1969-12-31T00:00:00Z"),
        (#""20190318075959""#, #", "zone": "UTC""#, "2019-03-18T07:59:59Z"),
        (#""20190318075959.1234500""#, #", "zone": "Europe/Berlin""#, "2019-03-18T07:59:59.12345+01:00"),
        (#""2024-04-09T20:26:27.000Z""#, "", "2024-04-09T20:26:27Z"),
        (#""2011-01-11T16:40:30.123456789+00:00""#, "", "2011-01-11T16:40:30.123456789Z"),
        (#""2022-09-24 10:56:19.17918+00""#, "", "2022-09-24T10:56:19.17918Z"),
        (#""2015-10-05T14:42:19-0700""#, "", "2015-10-05T14:42:19-07:00"),
        ("1714153779000", #", "unit": "millis""#, "2024-04-26T17:49:39Z"),
        ("1648320015", #", "unit": "seconds""#, "2022-03-26T18:40:15Z"),
        ("1559033904863123", #", "unit": "micros""#, "2019-05-28T08:58:24.863123Z"),
    ])
    func vendorDateTimesBecomeRFC3339(value: String, args: String, expected: String) throws {
        #expect(try out(#"{"from": "/v", "transform": {"name": "toRFC3339"\#(args)}}"#, value) == .string(expected))
    }

    @Test(arguments: [
        (#""/Date(1552867200000)/""#, "", "2019-03-18"), (#""20190318""#, "", "2019-03-18"), (#""2019-03-18""#, "", "2019-03-18"),
        ("1653955200000", #", "unit": "millis""#, "2022-05-31"), (#""2011-01-11T23:40:30-05:00""#, "", "2011-01-11"),
        (#""2011-01-11T23:40:30-05:00""#, #", "zone": "UTC""#, "2011-01-12"),
    ])
    func vendorDatesBecomeCalendarDates(value: String, args: String, expected: String) throws {
        #expect(try out(#"{"from": "/v", "transform": {"name": "toDate"\#(args)}}"#, value) == .string(expected))
    }

    @Test func unreadableDatesFailWithTheValueInTheMessage() throws {
        let zoneless = S.failure(try one(#"{"from": "/v", "transform": "toRFC3339"}"#, #""2019-03-18 07:59:59""#))
        #expect(zoneless?.code == .transform && zoneless?.message.contains("zone") == true)
        let number = S.failure(try one(#"{"from": "/v", "transform": "toRFC3339"}"#, "1714153779000"))
        #expect(number?.message.contains("unit") == true)
        #expect(S.failure(try one(#"{"from": "/v", "transform": "toDate"}"#, #""20191332""#))?.code == .transform)
    }

    // MARK: amounts

    @Test(arguments: [
        ("\"24.2500\"", "EUR", "24.25"), ("2000", "JPY", "2000"), ("\"2000.000\"", "JPY", "2000"), ("\"1.5\"", "BHD", "1.500"),
        ("99.99", "USD", "99.99"), ("\"-0.5\"", "KWD", "-0.500"), ("1e2", "USD", "100.00"),
    ])
    func decimalAmountsRescaleToTheCurrencysMinorUnit(value: String, currency: String, expected: String) throws {
        let spec = #"{"from": "/v", "transform": {"name": "decimalAmount", "currency": "\#(currency)"}}"#
        #expect(try out(spec, value) == .string(expected))
    }

    @Test func decimalAmountsNeverRound() throws {
        let f = S.failure(try one(#"{"from": "/v", "transform": {"name": "decimalAmount", "currency": "JPY"}}"#, "\"100.5\""))
        #expect(f?.code == .transform && f?.message.contains("rounding") == true)
        #expect(S.failure(try one(#"{"from": "/v", "transform": {"name": "decimalAmount", "currency": "USD"}}"#, "\"1,50\""))?.code == .transform)
    }

    /// Stripe sends JPY (and the other zero-decimal currencies) in whole units, three-decimal
    /// currencies in thousandths, MGA as zero-decimal although ISO gives it two, and ISK and UGX with
    /// two decimals although ISO gives them none.
    @Test(arguments: [
        ("jpy", 2000, "2000"), ("krw", 15000, "15000"), ("bhd", 1230, "1.230"), ("kwd", 5, "0.005"), ("usd", 2000, "20.00"),
        ("mga", 5000, "5000.00"), ("isk", 10000, "100"), ("ugx", 250000, "2500"),
    ])
    func stripeAmountsFollowStripesCurrencyRepresentation(currency: String, minor: Int, expected: String) throws {
        let pi = #"{"id": "pi_1", "object": "payment_intent", "amount": \#(minor), "amount_received": \#(minor), "currency": "\#(currency)", "customer": null, "latest_charge": "ch_1", "status": "succeeded"}"#
        let input = try S.input(#"{"id": "evt_1", "object": "event", "type": "payment_intent.succeeded", "created": 1700000000, "data": {"object": \#(pi)}}"#)
        let e = try S.event(try S.adapter("stripe").adapt(input))
        #expect(e.data["amount"] == .string(expected) && e.data["currency"] == .string(currency.uppercased()))
        try S.expectValid(e)
    }

    @Test func stripeEventsAreReadFromAmazonEventBridgeAndOtherShapesAreNamed() throws {
        let event = #"{"id": "evt_1", "object": "event", "type": "payout.paid", "created": 1700000000, "data": {"object": {"id": "po_1", "object": "payout", "amount": 1100, "currency": "usd", "arrival_date": 1700006400, "method": "standard"}}}"#
        let wrapped = #"{"version": "0", "id": "x", "detail-type": "payout.paid", "source": "aws.partner/stripe.com/ed_1", "detail": \#(event)}"#
        let e = try S.event(try S.adapter("stripe").adapt(try S.input(wrapped)))
        #expect(e.type == "finance.payout.paid" && e.data["amount"] == "11.00")
        let f = S.failure(try S.adapter("stripe").adapt(try S.input(#"{"payload": {"type": "x"}}"#)))
        #expect(f?.code == .unmapped && f?.message.contains("Stripe event object (no /type)") == true)
    }

    @Test func anISKAmountThatIsNotWholeKronurFails() throws {
        let pi = #"{"id": "pi_1", "object": "payment_intent", "amount_received": 10050, "currency": "isk", "latest_charge": "ch_1", "status": "succeeded"}"#
        let input = try S.input(#"{"id": "evt_1", "object": "event", "type": "payment_intent.succeeded", "created": 1700000000, "data": {"object": \#(pi)}}"#)
        #expect(S.failure(try S.adapter("stripe").adapt(input))?.code == .transform)
    }

    // MARK: Debezium

    private static let schema = #"""
        {"type": "struct", "fields": [{"type": "struct", "field": "after", "fields": [
          {"type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "parameters": {"scale": "2"}, "field": "precise"},
          {"type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "parameters": {"scale": "3"}, "field": "numeric"},
          {"type": "double", "field": "double"}, {"type": "string", "field": "text"}]}]}
        """#

    private func debezium(_ column: String, _ value: String, withSchema: Bool = true, currency: String? = nil) throws -> AdapterOutcome {
        let rescale = currency.map { #", "currency": "\#($0)""# } ?? ""
        let adapter = try S.mapping(#"""
            {"name": "d", "unwrap": "/payload", "normalize": ["debezium"],
             "rules": [{"emit": "test.value", "fields": {"/out": {"from": "/after/\#(column)", "transform": {"name": "decimalFromDebeziumDecimal"\#(rescale)}}}}]}
            """#)
        let payload = #"{"op": "c", "before": null, "after": {"\#(column)": \#(value)}, "source": {"table": "t"}}"#
        return adapter.adapt(try S.input(withSchema ? #"{"schema": \#(Self.schema), "payload": \#(payload)}"# : payload))
    }

    @Test func debeziumDecimalsAreReadInEveryHandlingModeWithTheirSchema() throws {
        // precise: base64 unscaled bytes, the scale from the schema (no "scale" in the mapping).
        #expect(try S.event(debezium("precise", "\"Aeh6\"")).data["out"] == "1250.50")
        // The JSON converter's decimal.format=NUMERIC: a number, exact because the schema says Decimal.
        #expect(try S.event(debezium("numeric", "123.4567")).data["out"] == "123.4567")
        // string mode.
        #expect(try S.event(debezium("text", "\"19378.81\"")).data["out"] == "19378.81")
        // Rescaled to the currency's minor unit.
        #expect(try S.event(debezium("precise", "\"Aeh6\"", currency: "BHD")).data["out"] == "1250.500")
        #expect(S.failure(try debezium("numeric", "123.4567", currency: "USD"))?.code == .transform)
    }

    @Test func debeziumDoublesAreInexact() throws {
        let withSchema = S.failure(try debezium("double", "55828.11"))
        #expect(withSchema?.code == .inexactAmount && withSchema?.message.contains("double") == true)
        #expect(withSchema?.location == JSONPointer("/payload/after/double"))
        // A number without the schema cannot be told apart from double mode.
        #expect(S.failure(try debezium("x", "55828.11", withSchema: false))?.code == .inexactAmount)
    }

    @Test func debeziumDeliveryShapesNormaliseToTheEnvelope() throws {
        let adapter = try S.mapping(#"""
            {"name": "d", "envelope": "cloudevents-or-plain", "unwrap": ["/payload", "/data/payload", ""], "normalize": ["debezium"],
             "rules": [{"when": {"/source/table": "customers"}, "emit": "test.value", "fields": {
               "/op": "/op", "/id": {"from": ["/after/id", "/before/id"], "transform": "toString"}, "/lsn": {"from": "/source/lsn", "optional": true}}}]}
            """#)
        func run(_ json: String, headers: [KafkaHeader] = []) throws -> JSONValue {
            try S.event(adapter.adapt(try S.input(json, headers: headers))).data
        }
        // ExtractNewRecordState with add.fields: a flattened row.
        #expect(try run(#"{"id": 7, "name": "x", "__op": "u", "__table": "customers", "__lsn": 33832960}"#) == ["op": "u", "id": "7", "lsn": 33832960])
        // A rewritten delete (__deleted "true"): the row is the before image.
        #expect(try run(#"{"schema": {}, "payload": {"id": 8, "__table": "customers", "__deleted": "true"}}"#) == ["op": "d", "id": "8"])
        // The CloudEvents converter: op and source from the iodebezium* extensions.
        let ce = #"{"specversion": "1.0", "id": "x", "source": "/debezium/postgresql/s", "type": "io.debezium.connector.postgresql.DataChangeEvent", "iodebeziumop": "r", "iodebeziumtable": "customers", "iodebeziumlsn": "29274832", "data": {"before": null, "after": {"id": 9}}}"#
        #expect(try run(ce) == ["op": "r", "id": "9", "lsn": 29274832])
        // MongoDB: the images are extended-JSON text.
        let mongo = #"{"op": "c", "after": "{\"_id\": {\"$numberLong\": \"1004\"}, \"id\": {\"$numberLong\": \"10\"}}", "source": {"table": "customers"}}"#
        #expect(try run(mongo) == ["op": "c", "id": "10"])
    }

    // MARK: CloudEvents

    private static func canonical(_ type: String) throws -> String {
        try String(contentsOfFile: S.repositoryRoot + "/contracts/examples/\(type).v1.json", encoding: .utf8)
    }

    @Test func canonicalCloudEventsAreReadInEveryMode() throws {
        let adapter = try S.adapter("cloudevents")
        let data = try Self.canonical("finance.payout.paid")
        let attrs = #""specversion": "1.0", "id": "e1", "source": "urn:t", "type": "finance.payout.paid", "time": "2026-03-02T10:00:00.000Z""#
        // Structured.
        let structured = try S.event(adapter.adapt(try S.input("{\(attrs), \"data\": \(data)}")))
        #expect(structured.type == "finance.payout.paid" && structured.time == "2026-03-02T10:00:00Z")
        try S.expectValid(structured)
        // data_base64.
        let b64 = Data(data.utf8).base64EncodedString()
        #expect(try S.event(adapter.adapt(try S.input("{\(attrs), \"data_base64\": \"\(b64)\"}"))).data == structured.data)
        // Binary: attributes in headers.
        let headers = [S.header("ce_specversion", "1.0"), S.header("ce_id", "e1"), S.header("ce_source", "urn:t"),
                       S.header("ce_type", "finance.payout.paid"), S.header("content-type", "application/json")]
        #expect(try S.event(adapter.adapt(try S.input(data, headers: headers))).data == structured.data)
        // 0.3 binary with base64 encoding, the bytes not JSON.
        var v03 = try S.input("null", headers: [S.header("ce_specversion", "0.3"), S.header("ce_id", "e1"), S.header("ce_source", "urn:t"),
                                               S.header("ce_type", "finance.payout.paid"), S.header("ce_datacontentencoding", "base64")])
        v03.isJSON = false
        v03.text = Array(b64.utf8)
        #expect(try S.event(adapter.adapt(v03)).data == structured.data)
        // Batch: one event per element.
        let batch = "[{\(attrs), \"data\": \(data)}, {\"specversion\": \"1.0\", \"id\": \"e2\", \"source\": \"urn:t\", \"type\": \"x.other\", \"data\": {}}]"
        #expect(S.events(adapter.adapt(try S.input(batch, headers: [S.header("content-type", "application/cloudevents-batch+json")]))).count == 1)
    }

    @Test func cloudEventsThatCannotBeReadSayWhy() throws {
        let adapter = try S.adapter("cloudevents")
        // A finance type with XML data: unsupported content type (an XML type that is not finance is filtered).
        let xml = #"{"specversion": "1.0", "id": "e1", "source": "urn:t", "type": "finance.payout.paid", "datacontenttype": "text/xml", "data": "<a/>"}"#
        #expect(S.failure(adapter.adapt(try S.input(xml)))?.code == .unsupportedContentType)
        // A failing batch element fails the batch, and the message names it.
        let batch = #"[{"specversion": "1.0", "id": "e1", "source": "urn:t", "type": "finance.payout.paid", "data": {}}, {"id": "e2"}]"#
        let f = S.failure(adapter.adapt(try S.input(batch)))
        #expect(f?.message.hasPrefix("batch element 0 of 2") == true || f?.message.hasPrefix("batch element 1 of 2") == true)
        // Not a CloudEvent at all.
        #expect(S.failure(adapter.adapt(try S.input(#"{"hello": 1}"#)))?.code == .missingField)
        #expect(S.failure(adapter.adapt(try S.input("[]")).resolvedWithoutState) == nil)
    }

    /// Binary mode with non-JSON bytes reaches the adapter through the pipeline (the decode stage
    /// does not call it `json.syntax`) and is `adapter.unsupported_content_type` when it would publish.
    @Test func theDecodeStageHandsNonJSONCloudEventsToTheAdapter() throws {
        let config = try BridgeConfig.parse([
            "kafka": ["bootstrap.servers": "127.0.0.1:1"], "store": ["path": "unused.sqlite"],
            "sources": [["topic": "ce", "adapter": "cloudevents", "source": "urn:t"], ["topic": "erp", "adapter": "canonical", "source": "urn:e"]],
            "subscribers": [["name": "all", "topic": "out", "types": ["*"]]],
        ])
        let runner = try AdaptRunner(config: config, registry: try S.contracts(), adapters: try S.shippedCatalog())
        let jose = [KafkaHeader(name: "ce_specversion", string: "1.0"), KafkaHeader(name: "ce_id", string: "1"), KafkaHeader(name: "ce_source", string: "urn:t"),
                    KafkaHeader(name: "ce_type", string: "finance.payment.received"), KafkaHeader(name: "content-type", string: "application/jose")]
        let r = try runner.run(runner.record(topic: "ce", key: nil, value: Array("eyJhbGciOiJSU0EtT0FFUCJ9.x.y".utf8), headers: jose, timestampMillis: nil))
        #expect(r.failure?.code == "adapter.unsupported_content_type")
        // Another source keeps the decode stage's verdict.
        let other = try runner.run(runner.record(topic: "erp", key: nil, value: Array("<xml/>".utf8), headers: jose, timestampMillis: nil))
        #expect(other.failure?.code == "json.syntax")
    }

    // MARK: envelopes and mapping features

    @Test func salesforceEnvelopesAreTriedInOrderAndNamedWhenNoneMatches() throws {
        let adapter = try S.adapter("salesforce-cdc")
        let payload = #"{"ChangeEventHeader": {"entityName": "Opportunity", "changeType": "CREATE", "recordIds": ["006A"]}}"#
        // The full CometD message, the Pub/Sub decoded event, the bare payload: all read.
        for value in [#"{"data": {"schema": "s", "payload": \#(payload), "event": {"replayId": 1}}, "channel": "/data/ChangeEvents"}"#,
                      #"{"id": "x", "schemaId": "s", "replayId": 1, "payload": \#(payload)}"#, payload] {
            #expect(S.filteredReason(adapter.adapt(try S.input(value))) != nil, "\(value.prefix(40))")
        }
        let f = S.failure(adapter.adapt(try S.input(#"{"data": {"event": {"replayId": 1}}, "channel": "/data/ChangeEvents"}"#)))
        #expect(f?.code == .unmapped)
        #expect(f?.message.contains("CometD/Streaming API message (absent)") == true && f?.message.contains("bare payload (no /ChangeEventHeader)") == true)
    }

    @Test func avroUnionsAreUnwrapped() throws {
        #expect(AvroUnions.unwrapped(["a": ["string": "Hot"], "b": ["long": 1], "c": ["com.sforce.eventbus.Address": ["City": ["string": "SF"]]], "d": ["Other": 1]])
                == ["a": "Hot", "b": 1, "c": ["City": "SF"], "d": ["Other": 1]])
    }

    @Test func elementWhenJoinElseAndMetadataConditions() throws {
        let adapter = try S.mapping(#"""
            {"name": "m", "rules": [
              {"when": {"meta:topic": {"suffix": ".orders"}, "/kind": {"not": "draft"}}, "emit": "test.value", "fanOut": "/items",
               "elementWhen": {"/qty": {"not": 0}},
               "fields": {"/name": {"join": [{"element": "/first"}, {"element": "/last"}], "separator": " "},
                          "/when": {"element": "/time", "else": {"meta": "timestamp"}}}}],
             "otherwise": {"ignore": "other"}}
            """#)
        let input = try S.input(#"{"kind": "final", "items": [{"first": "Ann", "last": "Lee", "qty": 1, "time": "t1"}, {"first": "Bo", "qty": 0}, {"last": "Cy", "qty": 2}]}"#, topic: "db.orders")
        let events = S.events(adapter.adapt(input))
        #expect(events.map { $0.data } == [["name": "Ann Lee", "when": "t1"], ["name": "Cy", "when": 1_772_359_200_000]])
        #expect(S.filteredReason(adapter.adapt(try S.input(#"{"kind": "final", "items": []}"#, topic: "db.customers"))) == "other")
        #expect(S.filteredReason(adapter.adapt(try S.input(#"{"kind": "final", "items": [{"qty": 0}]}"#, topic: "db.orders")))?.contains("elementWhen") == true)
    }

    @Test func newMappingSectionsAreChecked() throws {
        let problems = try S.problems(#"""
            {"name": "p", "envelope": "xml", "unwrap": [{"when": {}}], "normalize": ["json"],
             "state": {"key": [], "merge": "append"}, "tombstones": {"reason": ""},
             "rules": [{"emit": "a.b", "data": "/x", "fields": {"/y": "/y"}}]}
            """#)
        let at = Set(problems.map(\.location.description))
        for pointer in ["/envelope", "/unwrap/0", "/normalize/0", "/state/key", "/state/merge", "/tombstones", "/rules/0/data"] {
            #expect(at.contains(pointer), "\(pointer) not reported: \(problems)")
        }
    }

    @Test(arguments: [("us", "US"), ("USA", "US"), ("United States", "US"), ("germany", "DE"), ("Viet Nam", "VN"), ("DEU", "DE")])
    func countryNamesBecomeISOCodes(text: String, code: String) {
        #expect(ISOTables.countryCode(named: text) == code)
    }
}
