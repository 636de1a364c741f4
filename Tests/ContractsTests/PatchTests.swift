import Foundation
import Testing
@testable import Contracts

@Suite struct PatchTests {
    func patch(_ text: String) throws -> JSONPatch { try JSONPatch(JSONParser.parse(text)) }

    @Test func appliesEveryOperationKind() throws {
        let doc = try JSONParser.parse(#"{"a":1,"list":[1,2,3],"nested":{"x":"y"}}"#)
        let p = try patch(#"""
        [{"op":"add","path":"/b","value":{"c":true}},
         {"op":"add","path":"/list/-","value":4},
         {"op":"add","path":"/list/0","value":0},
         {"op":"remove","path":"/a"},
         {"op":"replace","path":"/nested/x","value":"z"},
         {"op":"move","from":"/nested","path":"/b/moved"},
         {"op":"copy","from":"/list/1","path":"/first"},
         {"op":"test","path":"/first","value":1.0}]
        """#)
        let out = try p.applied(to: doc)
        #expect(out == (try JSONParser.parse(#"{"list":[0,1,2,3,4],"b":{"c":true,"moved":{"x":"z"}},"first":1}"#)))
        // The input is untouched.
        #expect(doc["a"] == 1)
    }

    @Test func errorsAreTypedAndNameTheOperation() throws {
        let doc: JSONValue = ["a": [1, 2]]
        let cases: [(String, JSONPatchError.Code, Int?)] = [
            (#"[{"op":"remove","path":"/b"}]"#, .pathNotFound, 0),
            (#"[{"op":"add","path":"/a/3","value":1}]"#, .invalidIndex, 0),
            (#"[{"op":"add","path":"/a/01","value":1}]"#, .invalidIndex, 0),
            (#"[{"op":"test","path":"/a/0","value":1},{"op":"test","path":"/a/0","value":2}]"#, .testFailed, 1),
            (#"[{"op":"move","from":"/a","path":"/a/0"}]"#, .moveIntoSelf, 0),
        ]
        for (text, code, index) in cases {
            let p = try patch(text)
            do {
                _ = try p.applied(to: doc)
                Issue.record("applied \(text)")
            } catch {
                #expect(error.code == code, "\(text)")
                #expect(error.operationIndex == index, "\(text)")
            }
        }
        for bad in [#"{"op":"add"}"#, #"[{"op":"spam","path":"/a"}]"#, #"[{"op":"add","path":"/a"}]"#, #"[{"op":"move","path":"/a"}]"#, #"[{"op":"add","path":"a","value":1}]"#] {
            #expect(throws: JSONPatchError.self, "\(bad)") { try patch(bad) }
        }
    }

    @Test func roundTripsThroughJSON() throws {
        let text = #"[{"op":"add","path":"/a~1b","value":[1]},{"op":"move","from":"/x","path":"/y"},{"op":"test","path":"","value":null}]"#
        let p = try patch(text)
        #expect(try JSONPatch(p.json) == p)
    }
}

/// The json-patch-tests conformance suite (tests.json and spec_tests.json), located at
/// `../shared/conformance/json-patch-tests` beside the package. Skipped, and said so, when absent.
@Suite struct ConformancePatchTests {
    static let folder: URL = SchemaSuite.conformance.appendingPathComponent("json-patch-tests")

    static var available: Bool { FileManager.default.fileExists(atPath: folder.appendingPathComponent("tests.json").path) }

    @Test(.enabled(if: available, "json-patch-tests not found at ../shared/conformance — SKIPPED, not passed"),
          arguments: ["tests.json", "spec_tests.json"])
    func suite(_ file: String) throws {
        let text = try String(contentsOf: Self.folder.appendingPathComponent(file), encoding: .utf8)
        var ran = 0
        var skipped = 0
        for element in Self.splitTopLevelArray(text) {
            let test: JSONValue
            do {
                test = try JSONParser.parse(element)
            } catch {
                // Our parser rejects duplicate member names; only disabled tests use them.
                #expect(error.code == .duplicateKey && element.contains("\"disabled\": true"), "\(file): unparseable test \(element)")
                skipped += 1
                continue
            }
            if test["disabled"] == true {
                skipped += 1
                continue
            }
            guard let doc = test["doc"], let patchJSON = test["patch"] else { continue }
            let label = test["comment"]?.stringValue ?? test["error"]?.stringValue ?? element
            ran += 1
            do {
                let result = try JSONPatch(patchJSON).applied(to: doc)
                if let error = test["error"] {
                    Issue.record("\(file): expected failure (\(error)) but got \(result) — \(label)")
                } else if let expected = test["expected"] {
                    #expect(result == expected, "\(file): \(label)")
                }
            } catch {
                #expect(test["error"] != nil, "\(file): \(label): unexpected \(error)")
            }
        }
        #expect(ran > 10)
        print("json-patch conformance \(file): \(ran) run, \(skipped) disabled")
    }

    /// Splits `[a, b, …]` into the texts of its elements (strings and nesting respected).
    static func splitTopLevelArray(_ text: String) -> [String] {
        let bytes = Array(text.utf8)
        var out: [String] = []
        var depth = 0
        var inString = false
        var escaped = false
        var start = -1
        for (i, b) in bytes.enumerated() {
            if inString {
                if escaped { escaped = false } else if b == UInt8(ascii: "\\") { escaped = true } else if b == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch b {
            case UInt8(ascii: "\""):
                inString = true
                if depth == 1 && start < 0 { start = i }
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                if depth == 1 && start < 0 { start = i }
                depth += 1
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                depth -= 1
                if depth == 0, start >= 0 {
                    out.append(String(decoding: bytes[start..<i], as: UTF8.self))
                    start = -1
                }
            case UInt8(ascii: ","):
                if depth == 1, start >= 0 {
                    out.append(String(decoding: bytes[start..<i], as: UTF8.self))
                    start = -1
                }
            case 0x20, 0x0A, 0x0D, 0x09: break
            default:
                if depth == 1 && start < 0 { start = i }
            }
        }
        return out
    }
}
