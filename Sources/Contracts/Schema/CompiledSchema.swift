/// A JSON Schema (draft 2020-12) compiled for repeated validation.
///
/// Compile once — references resolved to nodes, regexes compiled, numbers exact — then validate
/// any number of instances from any thread:
///
/// ```swift
/// let schema = try CompiledSchema.compile(contractSchema, registry: registry)
/// if !schema.isValid(event) { let report = schema.validate(event) … }
/// ```
public struct CompiledSchema: Sendable {
    let program: SchemaProgram

    /// Compiles `schema`. Schemas it references by URI must already be in `registry` (the
    /// draft 2020-12 meta-schemas always are); the schema itself is added to a private copy of
    /// the registry, so compiling never changes it.
    ///
    /// - Throws: `SchemaError` for an invalid schema (a keyword of the wrong type, an
    ///   unresolvable `$ref`, an unsupported regex), with its location.
    public static func compile(_ schema: JSONValue, registry: SchemaRegistry? = nil, options: SchemaOptions = .init()) throws(SchemaError) -> CompiledSchema {
        var compiler = SchemaCompiler(index: registry?.snapshot() ?? SchemaRegistry.builtin, options: options)
        let root = try compiler.compileRoot(schema)
        return CompiledSchema(program: SchemaProgram(compiler: compiler, root: root, regexStepLimit: options.regexStepLimit))
    }

    /// Compiles the schema a registry already holds under `uri` (an `$id` or retrieval URI,
    /// optionally with a fragment such as `#/$defs/line`).
    public static func compile(uri: String, registry: SchemaRegistry, options: SchemaOptions = .init()) throws(SchemaError) -> CompiledSchema {
        var compiler = SchemaCompiler(index: registry.snapshot(), options: options)
        let (location, absolute) = compiler.index.resolve(uri, base: uri)
        guard let location else {
            throw SchemaError(.unresolvedReference, "no loaded schema at \(absolute)", at: uri)
        }
        let root = try compiler.compileRoot(at: location)
        return CompiledSchema(program: SchemaProgram(compiler: compiler, root: root, regexStepLimit: options.regexStepLimit))
    }

    /// Validates `instance` and reports every violation (instance location, keyword location,
    /// message) — the JSON Schema "basic" output shape. A valid instance costs the same as
    /// `isValid`: locations and messages are only built once something fails.
    public func validate(_ instance: JSONValue) -> ValidationReport {
        if isValid(instance) { return .valid }
        var violations = SchemaEvaluator.run(program, instance, collecting: true).violations
        if violations.isEmpty {
            // Cannot happen (a failing evaluation records why); never report "invalid" with no reason.
            violations.append(Violation(instanceLocation: .root, keywordLocation: "", keyword: "schema", message: "does not match the schema"))
        }
        return ValidationReport(violations: violations)
    }

    /// Whether `instance` is valid; stops at the first failure and records nothing.
    public func isValid(_ instance: JSONValue) -> Bool {
        SchemaEvaluator.run(program, instance, collecting: false).valid
    }
}
