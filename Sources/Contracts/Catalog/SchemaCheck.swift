/// A contract's schema, compiled once (format assertion on: `money`, `currency`, `date` … are checked).
struct SchemaCheck: Sendable {
    let compiled: CompiledSchema

    func validate(_ event: JSONValue) -> ValidationReport { compiled.validate(event) }

    /// Compiles `schema`; a problem carries a pointer under `/schema` in the contract file.
    static func compile(_ schema: JSONValue, file: String) -> Result<SchemaCheck, ContractLoadError> {
        do {
            return .success(SchemaCheck(compiled: try CompiledSchema.compile(schema, options: SchemaOptions(assertFormats: true))))
        } catch {
            // The error's location is `<base URI>#<pointer>`: keep the pointer, under /schema.
            var tokens = ["schema"]
            if let hash = error.location.firstIndex(of: "#"), let p = JSONPointer(String(error.location[error.location.index(after: hash)...])) {
                tokens += p.tokens
            }
            let problem = ContractProblem(file: file, pointer: JSONPointer(tokens: tokens), message: "invalid schema: \(error.message)")
            return .failure(ContractLoadError(problems: [problem]))
        }
    }
}
