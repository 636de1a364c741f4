/// How a schema is compiled.
public struct SchemaOptions: Sendable {
    /// Whether `format` asserts for the formats this validator knows (`date`, `date-time`, `uuid`,
    /// `email`, `money`, `currency`, `country`). The bridge's contracts compile with `true` (the
    /// default). JSON Schema 2020-12 itself treats `format` as an annotation unless a schema opts in
    /// through the format-assertion vocabulary; pass `false` for that behaviour. Unknown formats are
    /// always annotations.
    public var assertFormats: Bool
    /// The most steps one regex match may take before it gives up and counts as a failure
    /// (a guard against patterns with pathological cost on long strings).
    public var regexStepLimit: Int

    /// Options with the bridge's defaults.
    public init(assertFormats: Bool = true, regexStepLimit: Int = 5_000_000) {
        self.assertFormats = assertFormats
        self.regexStepLimit = regexStepLimit
    }
}
