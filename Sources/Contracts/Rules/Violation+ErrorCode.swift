extension Violation {
    /// The stable DLQ error code of this violation.
    ///
    /// Finance rules (keyword location under `/rules/`) map to `rule.<kind>`, except `balanced`,
    /// whose failure is `rule.unbalanced`. Schema keywords map to `schema.<keyword>`
    /// (`schema.required`, `schema.type`, `schema.format` …).
    public var errorCode: String {
        if keywordLocation.hasPrefix("/rules/") {
            return keyword == FinanceRule.Kind.balanced.rawValue ? "rule.unbalanced" : "rule.\(keyword)"
        }
        return "schema.\(keyword)"
    }
}

extension ValidationReport {
    /// The error code of the first violation (the one a DLQ record is filed under), or nil when valid.
    public var errorCode: String? { violations.first?.errorCode }
}
