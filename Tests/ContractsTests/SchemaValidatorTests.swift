import Testing
@testable import Contracts

private func schema(_ text: String, options: SchemaOptions = .init(), registry: SchemaRegistry? = nil) throws -> CompiledSchema {
    try CompiledSchema.compile(try JSONParser.parse(text), registry: registry, options: options)
}

private func json(_ text: String) throws -> JSONValue { try JSONParser.parse(text) }

@Suite struct SchemaValidatorTests {
    @Test func multipleOfIsExactOnDecimals() throws {
        let cents = try schema(#"{"multipleOf": 0.0001}"#)
        for good in ["0.0075", "1", "12345678901234567890.1234", "1e-4", "0", "-0.0001"] {
            #expect(cents.isValid(try json(good)), "\(good)")
        }
        for bad in ["0.00751", "1e-5", "3.14159"] { #expect(!cents.isValid(try json(bad)), "\(bad)") }
        #expect(!(try schema(#"{"multipleOf": 0.123456789}"#)).isValid(try json("1e308")))
        #expect(try schema(#"{"multipleOf": 3}"#).isValid(try json("3e1000000")))
        #expect(!(try schema(#"{"multipleOf": 7}"#)).isValid(try json("1e1000000")))
        #expect(try schema(#"{"multipleOf": 1234567890123456789012345}"#).isValid(try json("2469135780246913578024690")))
        #expect(!(try schema(#"{"multipleOf": 1234567890123456789012345}"#)).isValid(try json("2469135780246913578024691")))
        #expect(try schema(#"{"multipleOf": 0.01}"#).isValid(try json("19.99")))
    }

    @Test func numericLimitsCompareExactly() throws {
        let s = try schema(#"{"minimum": 0.1, "exclusiveMaximum": 9007199254740993}"#)
        #expect(s.isValid(try json("9007199254740992")))
        #expect(!s.isValid(try json("9007199254740993")))
        #expect(!s.isValid(try json("0.09999999999999999999")))
        #expect(s.isValid(try json("1e-1")))
    }

    @Test func lengthsCountCodePoints() throws {
        let s = try schema(#"{"minLength": 2, "maxLength": 3}"#)
        #expect(s.isValid("💩💩"))
        #expect(!s.isValid("💩"))
        #expect(s.isValid("e\u{301}x"))  // three code points, two graphemes
        #expect(!s.isValid("abcd"))
    }

    @Test func constAndEnumUseJSONEquality() throws {
        #expect(try schema(#"{"const": 1}"#).isValid(try json("1.0")))
        #expect(try schema(#"{"enum": [{"a": [1, 2.0]}]}"#).isValid(try json(#"{"a": [1.0, 2]}"#)))
        #expect(!(try schema(#"{"const": "\u00e9"}"#)).isValid("e\u{301}"))
        #expect(!(try schema(#"{"uniqueItems": true}"#)).isValid(try json("[1, 2, 1.0]")))
        #expect(try schema(#"{"uniqueItems": true}"#).isValid(try json(#"["\u00e9", "e\u0301"]"#)))
    }

    @Test func reportsEveryViolationWithLocations() throws {
        let s = try schema(#"""
        {"type": "object", "required": ["id", "lines"],
         "properties": {"lines": {"type": "array", "items": {"$ref": "#/$defs/line"}}},
         "$defs": {"line": {"type": "object", "required": ["amount"], "additionalProperties": false,
                            "properties": {"amount": {"type": "string", "format": "money"}, "currency": {"format": "currency"}}}}}
        """#)
        let report = s.validate(try json(#"{"lines": [{"amount": "1.5"}, {"amount": 10, "currency": "XXY", "memo": 1}]}"#))
        #expect(!report.isValid)
        let seen = Set(report.violations.map { "\($0.instanceLocation) \($0.keywordLocation)" })
        #expect(seen == [
            " /required",
            "/lines/1/amount /properties/lines/items/$ref/properties/amount/type",
            "/lines/1/currency /properties/lines/items/$ref/properties/currency/format",
            "/lines/1/memo /properties/lines/items/$ref/additionalProperties",
        ])
        #expect(report.violations.first { $0.keyword == "required" }?.message.contains("\"id\"") == true)
        #expect(s.validate(try json(#"{"id": 1, "lines": []}"#)) == .valid)
        let line = report.json["errors"]?[0]
        #expect(line?["instanceLocation"] != nil && line?["keywordLocation"] != nil && line?["message"] != nil)
    }

    @Test func financeFormatsAssertByDefault() throws {
        let s = try schema(#"{"properties": {"m": {"format": "money"}, "c": {"format": "currency"}, "k": {"format": "country"}, "d": {"format": "date"}}}"#)
        #expect(s.isValid(try json(#"{"m": "-10.25", "c": "EUR", "k": "DE", "d": "2024-02-29"}"#)))
        for bad in [#"{"m": "1e3"}"#, #"{"m": "01.5"}"#, #"{"c": "EURO"}"#, #"{"k": "XX"}"#, #"{"d": "2023-02-29"}"#] {
            #expect(!s.isValid(try json(bad)), "\(bad)")
        }
        let annotation = try schema(#"{"format": "currency"}"#, options: SchemaOptions(assertFormats: false))
        #expect(annotation.isValid("nope"))
        #expect(try schema(#"{"format": "x-unknown"}"#).isValid("anything"))
    }

    @Test func invalidSchemasThrowWithLocation() throws {
        let cases: [(String, String)] = [
            (#"{"properties": {"a": {"minLength": -1}}}"#, "/properties/a/minLength"),
            (##"{"items": {"$ref": "#/$defs/missing"}}"##, "/items/$ref"),
            (#"{"type": "money"}"#, "/type"),
            (#"{"pattern": "(a"}"#, "/pattern"),
            (#"{"$ref": "https://example.com/nowhere.json"}"#, "/$ref"),
            (#"{"allOf": []}"#, "/allOf"),
            (#"{"properties": {"a": 3}}"#, "/properties/a"),
        ]
        for (text, location) in cases {
            do {
                _ = try schema(text)
                Issue.record("\(text) compiled")
            } catch let error as SchemaError {
                #expect(error.location.hasSuffix("#" + location), "\(text): \(error)")
            }
        }
    }

    @Test func registryResolvesAcrossDocuments() throws {
        let registry = SchemaRegistry()
        try registry.add(try json(#"{"$id": "https://eventbridge.example/money.json", "$defs": {"amount": {"$anchor": "amount", "type": "string", "format": "money"}}}"#))
        let s = try schema(##"{"$id": "https://eventbridge.example/invoice.json", "properties": {"total": {"$ref": "money.json#amount"}, "tax": {"$ref": "money.json#/$defs/amount"}}}"##, registry: registry)
        #expect(s.isValid(try json(#"{"total": "10.00", "tax": "1.90"}"#)))
        #expect(!s.isValid(try json(#"{"total": 10}"#)))
        let direct = try CompiledSchema.compile(uri: "https://eventbridge.example/money.json#amount", registry: registry)
        #expect(direct.isValid("3.50") && !direct.isValid("3,50"))
    }

    @Test func recursiveSchemasValidateDeepInstances() throws {
        let tree = try schema(##"{"type": "object", "properties": {"children": {"type": "array", "items": {"$ref": "#"}}}, "additionalProperties": false}"##)
        var text = "{}"
        for _ in 0..<60 { text = #"{"children": [\#(text), {}]}"# }
        #expect(tree.isValid(try json(text)))
        let bad = text.replacing("{}", with: #"{"x": 1}"#, maxReplacements: 1)
        #expect(!tree.isValid(try json(bad)))
    }
}

@Suite struct SchemaHostileInputTests {
    @Test func inPlaceReferenceCyclesAreSchemaErrors() throws {
        for text in [
            ##"{"$ref": "#"}"##,
            ##"{"$defs": {"a": {"allOf": [{"$ref": "#/$defs/b"}]}, "b": {"anyOf": [{"$ref": "#/$defs/a"}]}}, "$ref": "#/$defs/a"}"##,
        ] {
            #expect(throws: SchemaError.self, "\(text)") { try CompiledSchema.compile(try JSONParser.parse(text)) }
        }
        // Recursion through the instance is fine.
        _ = try CompiledSchema.compile(try JSONParser.parse(##"{"items": {"$ref": "#"}}"##))
    }

    @Test func absurdlyDeepInstancesFailInsteadOfCrashing() throws {
        let schema = try CompiledSchema.compile(try JSONParser.parse(##"{"items": {"$ref": "#"}}"##))
        var deep: JSONValue = []
        for _ in 0..<5_000 { deep = .array([deep]) }
        #expect(!schema.isValid(deep))
        let report = schema.validate(deep)
        #expect(report.violations.contains { $0.message.contains("nested deeper") })
        var ok: JSONValue = []
        for _ in 0..<120 { ok = .array([ok]) }
        #expect(schema.isValid(ok))
    }
}
