import Contracts
import Testing
@testable import EventBridge

@Suite struct AdapterCanonicalTests {
    private let adapter = CanonicalAdapter()
    private typealias S = AdapterTestSupport

    @Test func typeNamesAreLettersDigitsAndSingleSeparators() {
        for good in ["finance.invoice.paid", "a", "A-b_c.9", String(repeating: "x", count: 255)] {
            #expect(CanonicalAdapter.isWellFormedTypeName(good), "\(good)")
        }
        for bad in ["", ".a", "a.", "a..b", "a._b", "a b", "finance/invoice", "fïnance.invoice", "a\u{0}", String(repeating: "x", count: 256)] {
            #expect(!CanonicalAdapter.isWellFormedTypeName(bad), "\(bad)")
        }
    }

    @Test func envelopeBodyGivesTypeDataAndTime() throws {
        let input = try S.input(#"""
            {"type": "finance.invoice.paid", "time": "2026-03-01T10:00:00Z", "subject": "INV-1",
             "data": {"invoiceId": "INV-1", "totalAmount": "125.50"}}
            """#)
        let e = try S.event(adapter.adapt(input))
        #expect(e.type == "finance.invoice.paid")
        #expect(e.data == ["invoiceId": "INV-1", "totalAmount": "125.50"])
        #expect(e.time == "2026-03-01T10:00:00Z")
        #expect(e.subject == "INV-1")
        #expect(adapter.name == "canonical")
    }

    @Test func ceTypeHeaderMakesTheWholeBodyTheData() throws {
        let body = #"{"type": "not-the-type", "invoiceId": "INV-2"}"#
        let input = try S.input(body, headers: [
            S.header("ce_type", "finance.invoice.issued"), S.header("ce_time", "2026-03-01T11:00:00+01:00"),
            S.header("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
        ])
        let e = try S.event(adapter.adapt(input))
        #expect(e.type == "finance.invoice.issued")
        #expect(e.data == (try JSONParser.parse(body)))
        #expect(e.time == "2026-03-01T11:00:00+01:00")
        #expect(e.traceparent == "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
    }

    @Test func theLastHeaderOfANameWins() throws {
        let input = try S.input("{}", headers: [S.header("ce_type", "finance.a"), S.header("ce_type", "finance.b")])
        #expect(try S.event(adapter.adapt(input)).type == "finance.b")
    }

    @Test func missingOrNonStringTypeIsUnmapped() throws {
        for body in [#"{"data": {}}"#, #"{"type": 7, "data": {}}"#, "[1, 2]", "\"text\"", "null"] {
            let f = S.failure(adapter.adapt(try S.input(body)))
            #expect(f?.code == .unmapped, "\(body)")
        }
        // An empty ce_type header counts as absent.
        let f = S.failure(adapter.adapt(try S.input(#"{"x": 1}"#, headers: [S.header("ce_type", "")])))
        #expect(f?.code == .unmapped)
    }

    @Test func malformedTypeNamesAreTypeUnknown() throws {
        for type in ["finance..paid", ".finance", "finance invoice", "finance/invoice", "finance.", "é"] {
            let f = S.failure(adapter.adapt(try S.input(#"{"type": "\#(type)", "data": {}}"#)))
            #expect(f?.code == .typeUnknown, "\(type)")
            #expect(f?.location == JSONPointer("/type"))
        }
        let f = S.failure(adapter.adapt(try S.input("{}", headers: [S.header("ce_type", "a b")])))
        #expect(f?.code == .typeUnknown)
    }

    @Test func envelopeWithoutDataOrWithABadTimeFails() throws {
        let noData = S.failure(adapter.adapt(try S.input(#"{"type": "finance.x"}"#)))
        #expect(noData?.code == .missingField)
        #expect(noData?.location == JSONPointer("/data"))
        let badTime = S.failure(adapter.adapt(try S.input(#"{"type": "finance.x", "data": {}, "time": "yesterday"}"#)))
        #expect(badTime?.code == .transform)
        #expect(badTime?.location == JSONPointer("/time"))
        let zoneless = S.failure(adapter.adapt(try S.input(#"{"type": "finance.x", "data": {}, "time": "2026-03-01T10:00:00"}"#)))
        #expect(zoneless?.code == .transform)
    }

    @Test func headersWithInvalidUTF8AreIgnored() throws {
        let input = try S.input(
            #"{"type": "finance.x", "data": {}}"#,
            headers: [AdapterInput.Header(name: "ce_type", value: [0xFF, 0xFE]), AdapterInput.Header(name: "traceparent", value: nil)])
        let e = try S.event(adapter.adapt(input))
        #expect(e.type == "finance.x")
        #expect(e.traceparent == nil)
    }

    @Test func theCatalogServesCanonicalByName() throws {
        let catalog = AdapterCatalog()
        #expect(catalog.names == ["canonical"])
        #expect(try catalog.adapter(named: "canonical").name == "canonical")
        #expect(throws: MappingError.self) { try catalog.adapter(named: "nope") }
    }
}
