import Foundation
import Testing
@testable import Contracts

@Suite struct CompatibilityTests {
    func diffs(old: String, new: String, backward: Bool = true) throws -> [String] {
        let o = try JSONParser.parse(old)
        let n = try JSONParser.parse(new)
        let d = backward ? CompatibilityChecker.differences(writer: o, reader: n, readerIsNewer: true)
                         : CompatibilityChecker.differences(writer: n, reader: o, readerIsNewer: false)
        return d.map(\.description)
    }

    let closed = #"{"type":"object","additionalProperties":false,"required":["a"],"properties":{"a":{"type":"string"},"b":{"type":"integer"}}}"#

    @Test func addingOptionalPropertyToClosedModelIsBackwardNotForward() throws {
        let new = #"{"type":"object","additionalProperties":false,"required":["a"],"properties":{"a":{"type":"string"},"b":{"type":"integer"},"c":{"type":"string"}}}"#
        #expect(try diffs(old: closed, new: new).isEmpty)
        #expect(try diffs(old: closed, new: new, backward: false) == ["/properties/c: property 'c' is not allowed (additionalProperties is false): data carrying it is rejected"])
    }

    @Test func requiredAddedIsBackwardBreakingRemovedIsForwardBreaking() throws {
        let new = #"{"type":"object","additionalProperties":false,"required":["a","b"],"properties":{"a":{"type":"string"},"b":{"type":"integer"}}}"#
        #expect(try diffs(old: closed, new: new) == ["/required: property 'b' became required: data without it is rejected"])
        #expect(try diffs(old: closed, new: new, backward: false).isEmpty)
        #expect(try diffs(old: new, new: closed, backward: false) == ["/required: property 'b' became required: data without it is rejected"])
    }

    @Test func openContentModelFollowsConfluentRule() throws {
        let open = #"{"type":"object","properties":{"a":{"type":"string"}}}"#
        let withB = #"{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"integer"}}}"#
        // Old data may carry b with any value: new readers that constrain b may reject it.
        #expect(try diffs(old: open, new: withB) == ["/properties/b: property 'b' added with constraints while the other schema's content model is open: data may already carry 'b' with any value"])
        // Removing a property from an open model is fine both ways... for backward (new reader accepts anything there).
        #expect(try diffs(old: withB, new: open).isEmpty)
        // Closing the model is backward-breaking.
        let closedA = #"{"type":"object","additionalProperties":false,"properties":{"a":{"type":"string"}}}"#
        #expect(try diffs(old: open, new: closedA) == ["/additionalProperties: the content model is now closed: members not listed in properties are rejected"])
    }

    @Test func typesEnumsBoundsFormatsPatterns() throws {
        func one(_ old: String, _ new: String) throws -> [String] {
            try diffs(old: #"{"type":"object","properties":{"x":"# + old + "}}", new: #"{"type":"object","properties":{"x":"# + new + "}}")
        }
        #expect(try one(#"{"type":"integer"}"#, #"{"type":"number"}"#).isEmpty)
        #expect(try one(#"{"type":"number"}"#, #"{"type":"integer"}"#) == ["/properties/x/type: type changed from number to integer: number no longer accepted"])
        #expect(try one(#"{"type":"string"}"#, #"{"type":["string","null"]}"#).isEmpty)
        #expect(try one(#"{"enum":["a","b"]}"#, #"{"enum":["a","b","c"]}"#).isEmpty)
        #expect(try one(#"{"enum":["a","b"]}"#, #"{"enum":["a"]}"#) == [#"/properties/x/enum: enum narrowed: "b" no longer allowed"#])
        #expect(try one(#"{"type":"string","maxLength":10}"#, #"{"type":"string","maxLength":5}"#) == ["/properties/x/maxLength: maxLength tightened from 10 to 5"])
        #expect(try one(#"{"type":"string","maxLength":5}"#, #"{"type":"string","maxLength":10}"#).isEmpty)
        #expect(try one(#"{"type":"integer","minimum":0}"#, #"{"type":"integer","minimum":1}"#) == ["/properties/x/minimum: minimum tightened from 0 to 1"])
        #expect(try one(#"{"type":"string"}"#, #"{"type":"string","format":"date"}"#) == [#"/properties/x/format: format "date" added"#])
        #expect(try one(#"{"type":"string","pattern":"^a"}"#, #"{"type":"string"}"#).isEmpty)
        #expect(try one(#"{"type":"string","pattern":"^a"}"#, #"{"type":"string","pattern":"^b"}"#).count == 1)
        #expect(try one(#"{"const":"a"}"#, #"{"enum":["a","b"]}"#).isEmpty)
        #expect(try one(#"{"type":"string"}"#, #"{"const":"a"}"#) == [#"/properties/x/const: const "a" added"#])
        #expect(try one(#"{"anyOf":[{"type":"string"}]}"#, #"{"anyOf":[{"type":"integer"}]}"#).count == 1)
        #expect(try one(#"{"type":"string","description":"old"}"#, #"{"type":"string","description":"new","title":"X"}"#).isEmpty)
    }

    @Test func nestedItemsAndRefsIntoDefs() throws {
        let old = ##"{"type":"object","properties":{"lines":{"type":"array","items":{"$ref":"#/$defs/line"}}},"$defs":{"line":{"type":"object","properties":{"amount":{"type":"string"}}}}}"##
        let new = ##"{"type":"object","properties":{"lines":{"type":"array","items":{"$ref":"#/$defs/line"}}},"$defs":{"line":{"type":"object","required":["amount"],"properties":{"amount":{"type":"string","format":"money"}}}}}"##
        #expect(try diffs(old: old, new: new) == [
            "/$defs/line/required: property 'amount' became required: data without it is rejected",
            #"/$defs/line/properties/amount/format: format "money" added"#,
        ])
        // A recursive definition terminates.
        let tree = ##"{"$defs":{"node":{"type":"object","properties":{"children":{"type":"array","items":{"$ref":"#/$defs/node"}}}}},"$ref":"#/$defs/node"}"##
        #expect(try diffs(old: tree, new: tree).isEmpty)
    }

    @Test func catalogPassesItsOwnCheck() throws {
        let registry = try Catalog.registry()
        #expect(CompatibilityChecker.check(registry).isEmpty)
        let family = try #require(registry.family("finance.invoice.posted"))
        let upcasts = CompatibilityChecker.checkUpcasts(family) { type, version in
            (try? Catalog.example(type, version)).map { [$0] } ?? []
        }
        #expect(upcasts.isEmpty, "\(upcasts)")
        // What `eventbridge contracts check --dir contracts` runs.
        let check = CatalogCheck.run(directory: Catalog.directory)
        #expect(check.passed, "\(check.problems) \(check.breakingChanges)")
        let versions = Catalog.v1Types.count + Catalog.v2Types.count
        #expect(check.contracts == versions && check.types == Catalog.v1Types.count && check.examples == versions)
    }

    /// A copy of the catalog where v2 of a BACKWARD type makes a field required fails with the
    /// file, the schema path and the reason.
    @Test func requiringAFieldInABackwardTypeFailsPrecisely() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("eb-compat-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for name in try FileManager.default.contentsOfDirectory(atPath: Catalog.directory) where name.hasSuffix(".json") {
            try FileManager.default.copyItem(atPath: "\(Catalog.directory)/\(name)", toPath: dir.appendingPathComponent(name).path)
        }
        let file = dir.appendingPathComponent("finance.invoice.posted.v2.json").path
        var doc = try JSONParser.parse([UInt8](try #require(FileManager.default.contents(atPath: file))))
        let required = try #require(doc["schema"]?["required"]?.arrayValue)
        doc = try setting(doc, "/schema/required", .array(required + ["tax"]))
        try Data(JSONWriter.pretty.bytes(doc)).write(to: URL(fileURLWithPath: file))

        let check = CatalogCheck.run(directory: dir.path)
        #expect(!check.passed)
        let changes = check.breakingChanges
        #expect(changes.map(\.description) == [
            "\(file): /schema/required: BACKWARD finance.invoice.posted v1→v2: property 'tax' became required: data without it is rejected",
        ])
    }

    @Test func transitiveModesCompareWithEveryEarlierVersion() throws {
        func contract(_ version: Int, _ mode: String, _ schema: String) throws -> Contract {
            let text = #"{"type":"t.x","version":\#(version),"key":"/id","dedupKey":["/id"],"revision":"/id","compatibility":"\#(mode)","description":"d","owner":"o","schema":\#(schema)"# + (version > 1 ? #","upcast":[]}"# : "}")
            return try Contract.parse(try JSONParser.parse(text), file: "t.x.v\(version).json").get()
        }
        let s1 = #"{"type":"object","required":["id"],"properties":{"id":{"type":"string"},"n":{"type":"integer"}}}"#
        let s2 = #"{"type":"object","required":["id"],"properties":{"id":{"type":"string"}}}"#
        let s3 = #"{"type":"object","required":["id"],"properties":{"id":{"type":"string"},"n":{"type":"string"}}}"#
        for (mode, expected) in [("BACKWARD", 1), ("BACKWARD_TRANSITIVE", 2), ("NONE", 0)] {
            let registry = try ContractRegistry(contracts: [try contract(1, mode, s1), try contract(2, mode, s2), try contract(3, mode, s3)])
            let changes = CompatibilityChecker.check(registry)
            // v2 drops n from an open model (fine); v3 re-adds n as a string: breaking against v2 (open: any n),
            // and transitively against v1 (n was an integer).
            #expect(changes.count == expected, "\(mode): \(changes)")
        }
    }
}
