import Foundation
import Testing
@testable import Contracts

/// nst/JSONTestSuite `test_parsing` from `../shared/conformance`: every `y_` file parses, every
/// `n_` file is rejected (without crashing: `n_structure_100000_opening_arrays` included), and
/// each `i_` file gets the outcome documented in docs/json-schema.md. Skipped, and saying so,
/// when the folder is not next to the package.
enum ParsingSuite {
    static let folder = SchemaSuite.conformance.appendingPathComponent("json-parsing-test-suite/test_parsing")
    static var available: Bool { FileManager.default.fileExists(atPath: folder.path) }

    static func files(_ prefix: String) -> [String] {
        guard available, let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return [] }
        return names.filter { $0.hasPrefix(prefix) && $0.hasSuffix(".json") }.sorted()
    }

    static func parse(_ name: String, options: JSONParseOptions = .default) throws -> Result<JSONValue, JSONParseError> {
        let bytes = [UInt8](try Data(contentsOf: folder.appendingPathComponent(name)))
        return Result { () throws(JSONParseError) in try JSONParser.parse(bytes, options: options) }
    }

    /// `y_` files with a member named twice. They are JSON, but the bridge's parser rejects them
    /// by default (`rejectDuplicateKeys`): consumers disagree on which value counts, which is an
    /// ambiguity a finance event must not carry. With the option off they parse, last one wins.
    static let duplicateKeyFiles: Set<String> = ["y_object_duplicated_key.json", "y_object_duplicated_key_and_value.json"]

    /// The `i_` (implementation-defined) files we accept; every other `i_` file is rejected.
    /// Numbers keep their literal text, so out-of-range magnitudes parse exactly; anything that
    /// is not UTF-8 (UTF-16, Latin-1, overlong or surrogate byte sequences), a lone surrogate
    /// escape, a BOM, or nesting deeper than 128 is rejected.
    static let acceptedImplementationDefined: Set<String> = [
        "i_number_double_huge_neg_exp.json", "i_number_huge_exp.json", "i_number_neg_int_huge_exp.json",
        "i_number_pos_double_huge_exp.json", "i_number_real_neg_overflow.json", "i_number_real_pos_overflow.json",
        "i_number_real_underflow.json", "i_number_too_big_neg_int.json", "i_number_too_big_pos_int.json",
        "i_number_very_big_negative_int.json",
    ]
}

@Suite(.enabled(if: ParsingSuite.available, "skipped: ../shared/conformance/json-parsing-test-suite not found next to the package"))
struct ConformanceJSONParsingTests {
    @Test("y_ files parse", arguments: ParsingSuite.files("y_"))
    func accepts(file: String) throws {
        if ParsingSuite.duplicateKeyFiles.contains(file) {
            // Documented deviation: rejected by default with the duplicate-key code, accepted on request.
            guard case .failure(let error) = try ParsingSuite.parse(file) else {
                Issue.record("\(file) parsed, but duplicate names are rejected by default")
                return
            }
            #expect(error.code == .duplicateKey)
            if case .failure(let error) = try ParsingSuite.parse(file, options: JSONParseOptions(rejectDuplicateKeys: false)) {
                Issue.record("\(file) with rejectDuplicateKeys: false: \(error)")
            }
            return
        }
        if case .failure(let error) = try ParsingSuite.parse(file) { Issue.record("\(file): \(error)") }
    }

    @Test("n_ files are rejected", arguments: ParsingSuite.files("n_"))
    func rejects(file: String) throws {
        if case .success(let value) = try ParsingSuite.parse(file) { Issue.record("\(file) parsed as \(value)") }
    }

    @Test("i_ files behave as documented", arguments: ParsingSuite.files("i_"))
    func implementationDefined(file: String) throws {
        let accepted = try ParsingSuite.parse(file)
        switch accepted {
        case .success: #expect(ParsingSuite.acceptedImplementationDefined.contains(file), "\(file) parsed, documented as rejected")
        case .failure: #expect(!ParsingSuite.acceptedImplementationDefined.contains(file), "\(file) rejected, documented as accepted")
        }
    }

    @Test func suiteHasAllThreeKinds() {
        #expect(ParsingSuite.files("y_").count > 90)
        #expect(ParsingSuite.files("n_").count > 180)
        #expect(ParsingSuite.files("i_").count == 35)
    }
}

@Suite struct JSONParserDuplicateKeyOptionTests {
    @Test func lastDuplicateWinsWhenAllowed() throws {
        var many = "{"
        for k in 0..<20 { many += "\"k\(k)\":\(k)," }
        many += "\"k3\":\"small\",\"k17\":\"large\"}"
        let value = try JSONParser.parse(many, options: JSONParseOptions(rejectDuplicateKeys: false))
        #expect(value["k3"] == "small")
        #expect(value["k17"] == "large")
        #expect(value.objectValue?.count == 20)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(many) }
    }
}
