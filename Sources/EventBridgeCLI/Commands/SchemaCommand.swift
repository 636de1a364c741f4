import Contracts
import Foundation

/// `eventbridge schema validate`
struct SchemaCommand: CLIGroup {
    static let name = "schema"
    static let abstract = "Validate JSON instances against a JSON Schema (draft 2020-12)"
    static var subcommands: [any CLICommand.Type] { [SchemaValidateCommand.self] }
}

struct SchemaValidateCommand: CLICommand {
    static let name = "validate"
    static let abstract = "Validate instance files, or one instance per line, against a schema"
    static let help = """
    USAGE: eventbridge schema validate --schema FILE [--schema-dir DIR]… [--remote BASE_URI=DIR]… (INSTANCE_FILE… | --jsonl FILE) [--json] [--formats-as-annotations]

    Compiles the schema (draft 2020-12; $ref/$dynamicRef resolve against the schema's $id or file
    location, the schemas loaded with --schema-dir, by $id, and those loaded with --remote, by
    the URI they are mapped to — never the network) and validates
    each instance. Prints "FILE: valid", or "FILE: invalid" and one line per violation:
      /lines/0/amount: is not a valid money [/properties/lines/items/properties/amount/format]
    With --jsonl each non-empty line of FILE ('-' for standard input) is one instance, reported
    in order as FILE:LINE; a line that is not JSON is an invalid result carrying the parse error.
    Exit 1 when some instance is invalid, 2 for an unreadable file or an invalid schema.

    OPTIONS:
      --schema FILE               the schema to validate against
      --schema-dir DIR            load every *.json under DIR, addressable by $id (repeatable)
      --remote BASE_URI=DIR       load every *.json under DIR, addressable at BASE_URI + its path
                                  relative to DIR (and by $id), as if served there (repeatable), e.g.
                                  --remote http://localhost:1234/draft2020-12/=remotes/draft2020-12
      --jsonl FILE                one JSON instance per line
      --json                      one line per instance: {"valid": bool, "errors": [{"instanceLocation","keywordLocation","keyword","message"}]}
      --formats-as-annotations    don't assert format (the bridge's contracts assert date, date-time,
                                  uuid, email, money, currency, country)

    """

    var schema: String
    var schemaDirs: [String]
    var remotes: [(base: String, directory: String)]
    var jsonl: String?
    var instances: [String]
    var json: Bool
    var assertFormats: Bool

    init(arguments: inout Arguments) throws {
        schema = try arguments.required("--schema")
        schemaDirs = try arguments.options("--schema-dir")
        remotes = try arguments.options("--remote").map { mapping in
            guard let eq = mapping.firstIndex(of: "="), eq != mapping.startIndex, mapping.index(after: eq) != mapping.endIndex else {
                throw UsageError("--remote takes BASE_URI=DIR, got '\(mapping)'")
            }
            return (base: String(mapping[..<eq]), directory: String(mapping[mapping.index(after: eq)...]))
        }
        jsonl = try arguments.option("--jsonl")
        json = arguments.flag("--json")
        assertFormats = !arguments.flag("--formats-as-annotations")
        instances = arguments.rest()
    }

    func validate() throws {
        if jsonl == nil && instances.isEmpty { throw UsageError("give INSTANCE_FILE… or --jsonl FILE") }
        if jsonl != nil && !instances.isEmpty { throw UsageError("give either INSTANCE_FILE… or --jsonl FILE, not both") }
    }

    func run() async throws -> ExitCode {
        let compiled: CompiledSchema
        do {
            compiled = try compile()
        } catch {
            printError("error: \(error)")
            return .usage
        }
        var code = ExitCode.ok
        if let jsonl {
            guard let bytes = InputFile.read(jsonl) else {
                printError("\(jsonl): cannot read the file")
                return .usage
            }
            for (number, line) in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
                var line = line
                if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
                let report = check(Array(line), with: compiled)
                emit(report, name: "\(jsonl):\(number + 1)")
                if !report.isValid { code = .failed }
            }
            return code
        }
        for file in instances {
            guard let bytes = InputFile.read(file) else {
                printError("\(file): cannot read the file")
                code = .usage
                continue
            }
            let report = check(bytes, with: compiled)
            emit(report, name: file)
            if !report.isValid && code == .ok { code = .failed }
        }
        return code
    }

    /// Loads the schema directories and the schema (by its file URI, so relative `$ref`s
    /// resolve next to it when it has no `$id`), and compiles it.
    private func compile() throws -> CompiledSchema {
        let registry = SchemaRegistry()
        for dir in schemaDirs { try registry.loadDirectory(dir) }
        for remote in remotes { try Self.loadRemote(remote.directory, at: remote.base, into: registry) }
        try registry.add(contentsOf: schema)
        let uri = URL(fileURLWithPath: schema).standardizedFileURL.absoluteString
        return try CompiledSchema.compile(uri: uri, registry: registry, options: SchemaOptions(assertFormats: assertFormats))
    }

    /// Adds every `*.json` under `directory` (recursively) at `base` + its relative path, with
    /// `/` appended to `base` when missing. Throws `SchemaError` (`.unreadable`) for a missing
    /// directory or a file that is not JSON, naming it.
    private static func loadRemote(_ directory: String, at base: String, into registry: SchemaRegistry) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue,
              let walker = FileManager.default.enumerator(atPath: directory) else {
            throw SchemaError(.unreadable, "not a directory", at: directory)
        }
        let prefix = base.hasSuffix("/") ? base : base + "/"
        var relatives: [String] = []
        for case let relative as String in walker where relative.hasSuffix(".json") { relatives.append(relative) }
        for relative in relatives.sorted() {
            let schema = try SchemaRegistry.readSchema(URL(fileURLWithPath: directory).appendingPathComponent(relative).path)
            let path = relative.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? relative
            try registry.add(schema, uri: prefix + path)
        }
    }

    /// Parses and validates one instance; a parse error is an invalid result, not a crash.
    private func check(_ bytes: [UInt8], with compiled: CompiledSchema) -> ValidationReport {
        do {
            return compiled.validate(try JSONParser.parse(bytes))
        } catch {
            let message = "not JSON: \(error.message) at line \(error.line), column \(error.column)"
            return ValidationReport(violations: [Violation(instanceLocation: .root, keywordLocation: "", keyword: error.code.rawValue, message: message)])
        }
    }

    private func emit(_ report: ValidationReport, name: String) {
        if json {
            print(JSONWriter.compact.string(report.json))
            return
        }
        if report.isValid {
            print("\(name): valid")
            return
        }
        print("\(name): invalid")
        for violation in report.violations { print("  " + violation.description) }
    }
}
