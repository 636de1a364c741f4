import Testing
@testable import Contracts

@Suite struct RulesTests {
    func rule(_ text: String) throws -> FinanceRule {
        var problems: [ContractProblem] = []
        let r = FinanceRule.parse(try JSONParser.parse(text), at: JSONPointer(tokens: ["rules", "0"]), file: "t.json", problems: &problems)
        #expect(problems.isEmpty, "\(problems)")
        return try #require(r)
    }

    func violations(_ r: FinanceRule, _ doc: String, index: Int = 0) throws -> [Violation] {
        var out: [Violation] = []
        r.evaluate(try JSONParser.parse(doc), index: index, into: &out)
        return out
    }

    @Test func balancedPerCurrencyWithExactCents() throws {
        let r = try rule(#"{"balanced":{"items":"/lines","amount":"/amount","side":"/side","currency":"/currency"}}"#)
        let ok = #"{"lines":[{"amount":"100.10","side":"debit","currency":"EUR"},{"amount":"0.20","side":"debit","currency":"EUR"},{"amount":"100.30","side":"credit","currency":"EUR"},{"amount":"5","side":"debit","currency":"JPY"},{"amount":"5","side":"credit","currency":"JPY"}]}"#
        #expect(try violations(r, ok).isEmpty)
        let off = #"{"lines":[{"amount":"100.00","side":"debit","currency":"EUR"},{"amount":"99.99","side":"credit","currency":"EUR"}]}"#
        let v = try violations(r, off, index: 3)
        #expect(v.count == 1)
        #expect(v.first?.keyword == "balanced")
        #expect(v.first?.keywordLocation == "/rules/3/balanced")
        #expect(v.first?.instanceLocation.description == "/lines")
        #expect(v.first?.errorCode == "rule.unbalanced")
        #expect(v.first?.message.contains("difference 0.01") == true)
    }

    @Test func balancedWithDocumentCurrencyAndNestedWildcard() throws {
        let r = try rule(#"{"balanced":{"items":"/entries/*/lines","amount":"/amount","side":"/dc","debit":"D","credit":"C","documentCurrency":"/currency"}}"#)
        let doc = #"{"currency":"USD","entries":[{"lines":[{"amount":"1","dc":"D"},{"amount":"1.00","dc":"C"}]},{"lines":[{"amount":"2","dc":"D"},{"amount":"1","dc":"C"}]}]}"#
        let v = try violations(r, doc)
        #expect(v.map(\.instanceLocation.description) == ["/entries/1/lines"])
        #expect(v.first?.message.contains("USD") == true)
    }

    @Test func sumEqualsWithAddendsAndCurrency() throws {
        let r = try rule(#"{"sumEquals":{"items":"/lines","amount":"/netAmount","plus":["/taxAmount"],"total":"/totalAmount","currency":"/currency","totalCurrency":"/currency"}}"#)
        let ok = #"{"currency":"EUR","taxAmount":"19.00","totalAmount":"119.00","lines":[{"netAmount":"33.33","currency":"EUR"},{"netAmount":"66.67","currency":"EUR"}]}"#
        #expect(try violations(r, ok).isEmpty)
        let bad = #"{"currency":"EUR","taxAmount":"19.00","totalAmount":"119.01","lines":[{"netAmount":"33.33","currency":"EUR"},{"netAmount":"66.67","currency":"EUR"}]}"#
        let v = try violations(r, bad)
        #expect(v.map(\.instanceLocation.description) == ["/totalAmount"])
        #expect(v.first?.errorCode == "rule.sumEquals")
        let mixed = #"{"currency":"EUR","taxAmount":"0","totalAmount":"2","lines":[{"netAmount":"1","currency":"EUR"},{"netAmount":"1","currency":"USD"}]}"#
        #expect(try violations(r, mixed).map(\.instanceLocation.description) == ["/lines/1/currency"])
        // Wildcard form without items.
        let w = try rule(#"{"sumEquals":{"amount":"/lines/*/amount","total":"/total"}}"#)
        #expect(try violations(w, #"{"lines":[{"amount":"0.1"},{"amount":"0.2"}],"total":"0.3"}"#).isEmpty)
    }

    @Test func dateOrderAllowsEqualAndComparesInstants() throws {
        let r = try rule(#"{"dateOrder":{"earlier":"/issueDate","later":"/dueDate"}}"#)
        #expect(try violations(r, #"{"issueDate":"2025-01-31","dueDate":"2025-01-31"}"#).isEmpty)
        #expect(try violations(r, #"{"issueDate":"2025-01-31","dueDate":"2025-03-02"}"#).isEmpty)
        let v = try violations(r, #"{"issueDate":"2025-02-01","dueDate":"2025-01-31"}"#)
        #expect(v.map(\.instanceLocation.description) == ["/dueDate"])
        let strict = try rule(#"{"dateOrder":{"earlier":"/a","later":"/b","allowEqual":false}}"#)
        #expect(try violations(strict, #"{"a":"2025-01-01T10:00:00Z","b":"2025-01-01T11:00:00+01:00"}"#).count == 1)
        #expect(try violations(strict, #"{"a":"2025-01-01T10:00:00Z","b":"2025-01-01T10:00:00.001Z"}"#).isEmpty)
    }

    @Test func requiredWhenEqualsInAndExists() throws {
        let r = try rule(#"{"requiredWhen":{"field":"/voidReason","when":"/status","equals":"voided"}}"#)
        #expect(try violations(r, #"{"status":"open"}"#).isEmpty)
        #expect(try violations(r, #"{"status":"voided","voidReason":"duplicate"}"#).isEmpty)
        let v = try violations(r, #"{"status":"voided"}"#)
        #expect(v.map(\.instanceLocation.description) == ["/voidReason"])
        #expect(v.first?.errorCode == "rule.requiredWhen")
        let perLine = try rule(#"{"requiredWhen":{"items":"/lines","field":"/taxCode","when":"/taxable","in":[true]}}"#)
        #expect(try violations(perLine, #"{"lines":[{"taxable":false},{"taxable":true}]}"#).map(\.instanceLocation.description) == ["/lines/1/taxCode"])
        let exists = try rule(#"{"requiredWhen":{"field":"/b","when":"/a"}}"#)
        #expect(try violations(exists, #"{"a":null}"#).count == 1)
    }

    @Test func currencyScaleCountsTrailingZeros() throws {
        let r = try rule(#"{"currencyScale":{"amount":["/totalAmount","/lines/*/amount"],"documentCurrency":"/currency"}}"#)
        #expect(try violations(r, #"{"currency":"JPY","totalAmount":"1000","lines":[{"amount":"1000"}]}"#).isEmpty)
        let v = try violations(r, #"{"currency":"JPY","totalAmount":"1000.5","lines":[{"amount":"100.0"}]}"#)
        #expect(v.map(\.instanceLocation.description) == ["/totalAmount", "/lines/0/amount"])
        #expect(v.first?.errorCode == "rule.currencyScale")
        #expect(try violations(r, #"{"currency":"BHD","totalAmount":"1.125","lines":[]}"#).isEmpty)
        #expect(try violations(r, #"{"currency":"USD","totalAmount":"1.125","lines":[]}"#).count == 1)
        let perItem = try rule(#"{"currencyScale":{"items":"/lines","amount":"/amount","currency":"/currency"}}"#)
        #expect(try violations(perItem, #"{"lines":[{"amount":"1.00","currency":"USD"},{"amount":"1.00","currency":"KRW"}]}"#).map(\.instanceLocation.description) == ["/lines/1/amount"])
    }

    @Test func nonNegative() throws {
        let r = try rule(#"{"nonNegative":{"items":"/lines","amount":["/quantity","/amount"]}}"#)
        let v = try violations(r, #"{"lines":[{"quantity":"1","amount":"0"},{"quantity":"-1","amount":"-0.00"}]}"#)
        #expect(v.map(\.instanceLocation.description) == ["/lines/1/quantity"])
    }

    @Test func malformedRulesReportEveryProblemWithPointers() throws {
        var problems: [ContractProblem] = []
        let bad = try JSONParser.parse(#"{"balanced":{"amount":"amount","side":"/side","color":"red"}}"#)
        #expect(FinanceRule.parse(bad, at: JSONPointer(tokens: ["rules", "4"]), file: "c.json", problems: &problems) == nil)
        let text = problems.map(\.description)
        #expect(text.contains("c.json: /rules/4/balanced: 'balanced' needs 'items' (the array of lines)"))
        #expect(text.contains("c.json: /rules/4/balanced/amount: not a JSON Pointer: \"amount\""))
        #expect(text.contains("c.json: /rules/4/balanced/color: unknown parameter 'color' for 'balanced'"))
        problems = []
        #expect(FinanceRule.parse(["spam": [:]], at: JSONPointer(tokens: ["rules", "0"]), file: "c.json", problems: &problems) == nil)
        #expect(problems.first?.pointer.description == "/rules/0/spam")
    }

    @Test func wildcardPatterns() throws {
        let doc = try JSONParser.parse(#"{"a":[{"b":1},{"c":2},{"b":3}],"o":{"x":{"v":1},"y":{"v":2}}}"#)
        #expect(PathPattern("/a/*/b")?.matches(in: doc).map(\.location.description) == ["/a/0/b", "/a/2/b"])
        #expect(PathPattern("/o/*/v")?.matches(in: doc).map(\.value) == [1, 2])
        #expect(PathPattern("/a/*/b")?.description == "/a/*/b")
        #expect(PathPattern("a") == nil)
    }

    @Test func errorCodesForSchemaKeywords() {
        let v = Violation(instanceLocation: .root, keywordLocation: "/properties/x/type", keyword: "type", message: "")
        #expect(v.errorCode == "schema.type")
        #expect(ValidationReport(violations: [v]).errorCode == "schema.type")
    }
}
