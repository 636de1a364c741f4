import Foundation
import Testing
@testable import Contracts

@Suite struct ContractLoadingTests {
    static let valid = #"""
    {"type":"t.thing","version":1,"key":"/id","dedupKey":["/id","/rev"],"revision":"/rev","compatibility":"BACKWARD",
     "description":"d","owner":"o",
     "schema":{"type":"object","additionalProperties":false,"required":["id","rev"],
               "properties":{"id":{"type":"string"},"rev":{"type":"integer"},"amount":{"type":"string","format":"money"},"currency":{"type":"string","format":"currency"}}},
     "rules":[{"currencyScale":{"amount":"/amount","currency":"/currency"}}]}
    """#

    func problems(_ text: String, file: String = "contracts/x.json") throws -> [String] {
        switch Contract.parse(try JSONParser.parse(text), file: file) {
        case .success: return []
        case .failure(let e): return e.problems.map(\.description)
        }
    }

    @Test func validContractParsesAndValidates() throws {
        let c = try Contract.parse(try JSONParser.parse(Self.valid), file: "t.thing.v1.json").get()
        #expect(c.ref.description == "t.thing@1")
        #expect(c.validate(["id": "a", "rev": 1, "amount": "1.5", "currency": "JPY"]).violations.map(\.errorCode) == ["rule.currencyScale"])
        #expect(c.validate(["id": "a", "rev": 1, "amount": "1.5x", "currency": "EUR"]).violations.map(\.errorCode) == ["schema.format"])
        #expect(c.validate(["id": "a"]).violations.map(\.errorCode) == ["schema.required"])
    }

    @Test func everyProblemIsReportedWithFileAndPointer() throws {
        let text = #"""
        {"type":"Bad Type","version":0,"key":"id","dedupKey":["/id","nope"],"revision":"/rev","compatibility":"SOMETIMES",
         "owner":"o","color":"red","upcast":[{"op":"add"}],
         "schema":{"type":"object","properties":{"id":{"type":"strong"}}},
         "rules":[{"balanced":{}}]}
        """#
        let p = try problems(text)
        #expect(p.contains("contracts/x.json: /type: 'Bad Type' is not a type name (lower-case dotted words, e.g. finance.invoice.posted)"))
        #expect(p.contains("contracts/x.json: /version: a version is a whole number from 1, got 0"))
        #expect(p.contains("contracts/x.json: /key: not a JSON Pointer: \"id\""))
        #expect(p.contains("contracts/x.json: /dedupKey/1: not a JSON Pointer: \"nope\""))
        #expect(p.contains("contracts/x.json: /compatibility: 'SOMETIMES' is not one of BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE, NONE"))
        #expect(p.contains("contracts/x.json: /: missing 'description'"))
        #expect(p.contains("contracts/x.json: /color: unknown member 'color'"))
        #expect(p.contains { $0.hasPrefix("contracts/x.json: /schema/properties/id/type: invalid schema") }, "\(p)")
        #expect(p.contains { $0.hasPrefix("contracts/x.json: /rules/0/balanced: ") })
        #expect(p.contains("contracts/x.json: /revision: /rev is not a required property of the schema"))
    }

    @Test func upcastIsRequiredFromVersionTwoAndCheckedAsAPatch() throws {
        let v2 = Self.valid.replacingOccurrences(of: #""version":1"#, with: #""version":2"#)
        #expect(try problems(v2) == ["contracts/x.json: /: version 2 needs 'upcast' (RFC 6902 operations from version 1)"])
        let badPatch = v2.replacingOccurrences(of: #""owner":"o","#, with: #""owner":"o","upcast":[{"op":"test","path":"/id","value":1},{"op":"move","path":"/x"}],"#)
        #expect(try problems(badPatch) == ["contracts/x.json: /upcast/1: 'move' needs member 'from'"])
    }

    @Test func registryLoadIsAllOrNothing() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("eb-load-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func write(_ name: String, _ text: String) throws { try Data(text.utf8).write(to: dir.appendingPathComponent(name)) }
        try write("t.thing.v1.json", Self.valid)
        #expect(try ContractRegistry.load(directory: dir.path).types == ["t.thing"])

        // A broken file and a gap in versions: nothing loads, both problems are listed.
        try write("t.other.v1.json", "{not json")
        let v3 = Self.valid.replacingOccurrences(of: #""version":1"#, with: #""version":3"#)
            .replacingOccurrences(of: #""owner":"o","#, with: #""owner":"o","upcast":[],"#)
        try write("t.thing.v3.json", v3)
        try write("misnamed.json", Self.valid.replacingOccurrences(of: "t.thing", with: "t.third"))
        do {
            _ = try ContractRegistry.load(directory: dir.path)
            Issue.record("loaded a broken catalog")
        } catch {
            let text = error.problems.map(\.description)
            #expect(text.contains { $0.hasPrefix("\(dir.path)/t.other.v1.json: /: not JSON") }, "\(text)")
            #expect(text.contains("\(dir.path)/t.thing.v3.json: /version: t.thing has version 3 but no version 2"), "\(text)")
            #expect(text.contains("\(dir.path)/misnamed.json: /: a contract for t.third@1 belongs in a file named t.third.v1.json"), "\(text)")
        }
        do {
            _ = try ContractRegistry.load(directory: dir.appendingPathComponent("missing").path)
            Issue.record("loaded a missing directory")
        } catch {
            #expect(error.problems.first?.message.hasPrefix("cannot read the directory") == true)
        }
    }
}
