import Contracts
import Testing
@testable import EventBridge

/// The mapping file format: rules, fields, nested output, `each`, fan-out, errors.
@Suite struct AdapterMappingFormatTests {
    private typealias S = AdapterTestSupport

    private let orders = #"""
        {"name": "orders", "format": 1,
         "rules": [
           {"when": {"/kind": "order", "/state": ["open", "held"]}, "emit": "test.order.opened",
            "required": ["/id"],
            "fields": {
              "/orderId": "/id",
              "/meta/source": {"meta": "topic"},
              "/meta/offset": {"meta": "offset"},
              "/meta/origin": {"const": {"system": "shop", "v": 2}},
              "/buyer/name": {"from": ["/buyer/fullName", "/buyer/login"]},
              "/buyer/vip": {"from": "/buyer/vip", "default": false},
              "/note": {"from": "/note", "optional": true},
              "/items": {"each": "/items", "fields": {
                "/sku": {"element": "/sku"},
                "/qty": {"element": "/qty", "transform": "toString"},
                "/tags": {"each": {"element": "/tags"}, "optional": true, "fields": {"/tag": {"element": "", "transform": "upper"}}}
              }}
            },
            "time": {"from": "/at", "transform": "epochSecondsToRFC3339"},
            "subject": "/id"},
           {"when": {"/kind": "order", "/state": "draft"}, "ignore": "draft orders are not events"},
           {"when": {"/kind": {"prefix": "legacy."}}, "reject": "legacy feed is retired"},
           {"when": {"/kind": "batch"}, "emit": "test.order.opened", "fanOut": "/orders",
            "fields": {"/orderId": {"element": "/id"}, "/batch": "/batchId"}, "subject": {"element": "/id"}}
         ]}
        """#

    @Test func nestedObjectsConstantsMetadataFallbacksAndArraysOfLines() throws {
        let adapter = try S.mapping(orders)
        let input = try S.input(#"""
            {"kind": "order", "state": "held", "id": "O-1", "at": 1772359200, "note": null,
             "buyer": {"fullName": null, "login": "ann"},
             "items": [{"sku": "A", "qty": 2, "tags": ["x", "y"]}, {"sku": "B", "qty": 1}]}
            """#, topic: "shop.orders", headers: [S.header("traceparent", "00-abc-def-01")])
        let e = try S.event(adapter.adapt(input))
        #expect(e.type == "test.order.opened")
        #expect(e.subject == "O-1")
        #expect(e.time == "2026-03-01T10:00:00Z")
        #expect(e.traceparent == "00-abc-def-01")
        let expected = try JSONParser.parse(#"""
            {"orderId": "O-1", "meta": {"source": "shop.orders", "offset": 42, "origin": {"system": "shop", "v": 2}},
             "buyer": {"name": "ann", "vip": false},
             "items": [{"sku": "A", "qty": "2", "tags": [{"tag": "X"}, {"tag": "Y"}]}, {"sku": "B", "qty": "1"}]}
            """#)
        #expect(e.data == expected)
        // Output members keep the mapping file's order.
        #expect(e.data.objectValue?.keys == ["orderId", "meta", "buyer", "items"])
    }

    @Test func ignoreRejectAndNoMatch() throws {
        let adapter = try S.mapping(orders)
        #expect(S.filteredReason(adapter.adapt(try S.input(#"{"kind": "order", "state": "draft"}"#))) == "draft orders are not events")
        let rejected = S.failure(adapter.adapt(try S.input(#"{"kind": "legacy.order"}"#)))
        #expect(rejected?.code == .rejected)
        let unmapped = S.failure(adapter.adapt(try S.input(#"{"kind": "order", "state": "shipped"}"#)))
        #expect(unmapped?.code == .unmapped)
        #expect(unmapped?.message.contains(#"/state = "shipped""#) == true)
    }

    @Test func missingValuesFailWithTheirInputLocation() throws {
        let adapter = try S.mapping(orders)
        let noId = S.failure(adapter.adapt(try S.input(#"{"kind": "order", "state": "open", "at": 1, "buyer": {"login": "a"}, "items": []}"#)))
        #expect(noId?.code == .missingField)
        #expect(noId?.location == JSONPointer("/id"))
        let noSku = S.failure(adapter.adapt(try S.input(#"""
            {"kind": "order", "state": "open", "id": "O", "at": 1, "buyer": {"login": "a"}, "items": [{"sku": "A", "qty": 1}, {"qty": 1}]}
            """#)))
        #expect(noSku?.code == .missingField)
        #expect(noSku?.location == JSONPointer("/items/1/sku"))
        let badTag = S.failure(adapter.adapt(try S.input(#"""
            {"kind": "order", "state": "open", "id": "O", "at": 1, "buyer": {"login": "a"}, "items": [{"sku": "A", "qty": 1, "tags": ["ok", 5]}]}
            """#)))
        #expect(badTag?.code == .transform)
        #expect(badTag?.location == JSONPointer("/items/0/tags/1"))
        let noName = S.failure(adapter.adapt(try S.input(#"{"kind": "order", "state": "open", "id": "O", "at": 1, "buyer": {}, "items": []}"#)))
        #expect(noName?.location == JSONPointer("/buyer/fullName"))
        #expect(noName?.message.contains("/buyer/login") == true)
    }

    @Test func fanOutGivesOneEventPerElementAllOrNothing() throws {
        let adapter = try S.mapping(orders)
        let ok = S.events(adapter.adapt(try S.input(#"{"kind": "batch", "batchId": "B7", "orders": [{"id": "a"}, {"id": "b"}, {"id": "c"}]}"#)))
        #expect(ok.map { $0.data["orderId"] } == ["a", "b", "c"])
        #expect(ok.map(\.subject) == ["a", "b", "c"])
        #expect(ok.allSatisfy { $0.data["batch"] == "B7" })
        // One bad element fails the whole input: no event is returned for the good ones.
        let bad = adapter.adapt(try S.input(#"{"kind": "batch", "batchId": "B7", "orders": [{"id": "a"}, {"nope": 1}, {"id": "c"}]}"#))
        #expect(S.failure(bad)?.code == .missingField)
        #expect(S.failure(bad)?.location == JSONPointer("/orders/1/id"))
        #expect(S.filteredReason(adapter.adapt(try S.input(#"{"kind": "batch", "batchId": "B", "orders": []}"#))) != nil)
        #expect(S.failure(adapter.adapt(try S.input(#"{"kind": "batch", "batchId": "B", "orders": {"id": "a"}}"#)))?.code == .transform)
        #expect(S.failure(adapter.adapt(try S.input(#"{"kind": "batch", "batchId": "B"}"#)))?.code == .missingField)
    }

    @Test func unwrapReportsLocationsInTheWholeValue() throws {
        let adapter = try S.mapping(#"{"name": "u", "unwrap": "/payload", "rules": [{"emit": "test.x", "fields": {"/id": "/after/id"}}]}"#)
        #expect(try S.event(adapter.adapt(try S.input(#"{"schema": {}, "payload": {"after": {"id": 5}}}"#))).data == ["id": 5])
        #expect(try S.event(adapter.adapt(try S.input(#"{"after": {"id": 6}}"#))).data == ["id": 6])
        let f = S.failure(adapter.adapt(try S.input(#"{"schema": {}, "payload": {"after": {}}}"#)))
        #expect(f?.location == JSONPointer("/payload/after/id"))
    }

    @Test func otherwiseCanIgnoreWhatNoRuleMatches() throws {
        let adapter = try S.mapping(#"""
            {"name": "o", "rules": [{"when": {"/t": "a"}, "emit": "test.a", "fields": {"/t": "/t"}}], "otherwise": {"ignore": "not ours"}}
            """#)
        #expect(S.filteredReason(adapter.adapt(try S.input(#"{"t": "b"}"#))) == "not ours")
    }

    @Test func compileReportsEveryProblemWithItsLocation() throws {
        let problems = try S.problems(#"""
            {"name": "bad", "extra": 1, "rules": [
              {"emit": "test.x", "fields": {
                "/a": {"from": "no-slash"},
                "/b": {"from": "/b", "transform": "frobnicate"},
                "/c": {"element": "/c"},
                "/d": "/d", "/d/e": "/e",
                "": "/root",
                "/f": {"from": "/f", "const": 1},
                "/g": {"from": "/g", "transform": {"name": "localTimeToRFC3339", "zone": "Mars/Olympus"}},
                "/h": {"from": "/h", "transform": {"name": "minorUnitsToDecimal"}}
              }},
              {"when": {"/x": "y"}},
              {"emit": "not a type", "fields": {"/a": "/a"}},
              {"ignore": "r", "fields": {}}
            ]}
            """#)
        let locations = Set(problems.map(\.location.description))
        for expected in [
            "/extra", "/rules/0/fields/~1a/from", "/rules/0/fields/~1b/transform", "/rules/0/fields/~1c/element",
            "/rules/0/fields/~1d~1e", "/rules/0/fields/", "/rules/0/fields/~1f", "/rules/0/fields/~1g/transform/zone",
            "/rules/0/fields/~1h/transform", "/rules/1", "/rules/2/emit", "/rules/3/fields",
        ] {
            #expect(locations.contains(expected), "no problem reported at \(expected): \(problems)")
        }
        #expect(problems.allSatisfy { $0.origin == "inline" })
    }

    @Test func noticesWithoutStateGoWithCompleteWhenAndNameTypes() throws {
        for state in [
            #"{"key": ["/id"], "partial": {"/op": "u"}, "noticesWithoutState": ["test.changed"]}"#,
            #"{"key": ["/id"], "partial": {"/op": "u"}, "completeWhen": {"/name": {"present": true}}, "noticesWithoutState": []}"#,
            #"{"key": ["/id"], "partial": {"/op": "u"}, "completeWhen": {"/name": {"present": true}}, "noticesWithoutState": "test.changed"}"#,
        ] {
            let problems = try S.problems(#"{"name": "n", "state": \#(state), "rules": [{"emit": "test.changed", "fields": {"/id": "/id"}}]}"#)
            #expect(problems.map(\.location.description) == ["/state/noticesWithoutState"], "\(state): \(problems)")
        }
    }

    @Test func catalogRejectsDuplicatesAndMissingZones() throws {
        let a = try JSONParser.parse(#"{"name": "dup", "rules": [{"emit": "t.x", "fields": {"/a": "/a"}}]}"#)
        #expect(throws: MappingError.self) { try AdapterCatalog(documents: [("one", a), ("two", a)]) }
        let zoned = try JSONParser.parse(#"{"name": "z", "rules": [{"emit": "t.x", "fields": {"/a": {"from": "/a", "transform": "localTimeToRFC3339"}}}]}"#)
        let catalog = try AdapterCatalog(documents: [("z", zoned)])
        #expect(throws: MappingError.self) { try catalog.adapter(named: "z") }
        #expect(throws: MappingError.self) { try catalog.adapter(named: "z", sourceZone: "Nowhere/Town") }
        #expect(try catalog.adapter(named: "z", sourceZone: "Europe/Berlin").name == "z")
        let canonicalName = try JSONParser.parse(#"{"name": "canonical", "rules": [{"emit": "t.x", "fields": {"/a": "/a"}}]}"#)
        #expect(throws: MappingError.self) { try AdapterCatalog(documents: [("c", canonicalName)]) }
        #expect(throws: MappingError.self) { try AdapterCatalog(files: [(origin: "broken.json", bytes: Array("{".utf8))]) }
    }

    @Test func theShippedMappingsAllCompile() throws {
        let catalog = try S.shippedCatalog()
        #expect(catalog.names == ["canonical", "cloudevents", "debezium", "salesforce-cdc", "sap-s4hana", "stripe"])
    }
}
