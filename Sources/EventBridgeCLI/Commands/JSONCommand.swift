import Contracts
import Foundation

/// `eventbridge json check FILE…`, `eventbridge json patch --patch PATCH DOC`
struct JSONCommand: CLIGroup {
    static let name = "json"
    static let abstract = "Check JSON documents with the bridge's strict parser, apply JSON Patches"
    static var subcommands: [any CLICommand.Type] { [JSONCheckCommand.self, JSONPatchCommand.self] }
}

struct JSONCheckCommand: CLICommand {
    static let name = "check"
    static let abstract = "Parse each FILE; report the first error with its line and column"
    static let help = """
    USAGE: eventbridge json check FILE… [--json] [--allow-duplicate-keys]

    Parses each FILE (or '-' for standard input) as the bridge parses event payloads: RFC 8259,
    strictly (no comments, trailing commas, BOM, duplicate member names, lone surrogates or
    invalid UTF-8; nesting at most 128 deep). Prints "FILE: ok" or "FILE:LINE:COLUMN: message".
    Exit 1 when some FILE is not JSON, 2 when one cannot be read.

    OPTIONS:
      --json                    one JSON object per file: {"file", "valid", "error": {"code","message","line","column","offset"}}
      --allow-duplicate-keys    accept an object that names a member twice (the last one wins); by
                                default it is rejected with json.duplicate_key, as event payloads are

    """

    var files: [String]
    var json: Bool
    var options: JSONParseOptions

    init(arguments: inout Arguments) throws {
        json = arguments.flag("--json")
        options = JSONParseOptions(rejectDuplicateKeys: !arguments.flag("--allow-duplicate-keys"))
        files = arguments.rest()
    }

    func validate() throws {
        if files.isEmpty { throw UsageError("missing FILE") }
    }

    func run() async throws -> ExitCode {
        var code = ExitCode.ok
        for file in files {
            guard let bytes = InputFile.read(file) else {
                printError("\(file): cannot read the file")
                code = .usage
                continue
            }
            do {
                _ = try JSONParser.parse(bytes, options: options)
                print(json ? JSONWriter.compact.string(["file": .string(file), "valid": true]) : "\(file): ok")
            } catch {
                if json {
                    let detail: JSONValue = [
                        "code": .string(error.code.rawValue), "message": .string(error.message),
                        "line": .number(JSONNumber(error.line)), "column": .number(JSONNumber(error.column)),
                        "offset": .number(JSONNumber(error.offset)),
                    ]
                    print(JSONWriter.compact.string(["file": .string(file), "valid": false, "error": detail]))
                } else {
                    print("\(file):\(error.line):\(error.column): \(error.message)")
                }
                if code == .ok { code = .failed }
            }
        }
        return code
    }
}

/// `eventbridge json patch --patch PATCH_FILE DOC_FILE`
struct JSONPatchCommand: CLICommand {
    static let name = "patch"
    static let abstract = "Apply an RFC 6902 JSON Patch to a document and print the result"
    static let help = """
    USAGE: eventbridge json patch --patch PATCH_FILE DOC_FILE [--pretty] [--json]

    Reads DOC_FILE and PATCH_FILE (either may be '-' for standard input, not both) with the
    bridge's strict parser, applies the patch's operations in order (RFC 6902: add, remove,
    replace, move, copy, test) and prints the patched document as compact JSON. Application is
    all or nothing: when an operation fails nothing is printed on standard output and standard
    error says which operation (counted from 0) and why, e.g.
      patch.json: operation 2: test at /amount expected "10.00", found "12.00" [patch.test_failed]
    Exit 0 when the patch applied, 1 when it did not (a failed test, a missing path, an index out
    of range, a malformed operation), 2 for a usage error or a file that cannot be read or is not JSON.

    OPTIONS:
      --patch FILE    the JSON Patch: an array of operations
      --pretty        indent the result
      --json          print one JSON object instead: {"applied": true, "result": DOC} or
                      {"applied": false, "error": {"code", "message", "operation"}} (exit codes as above)

    """

    var patch: String
    var document: String
    var pretty: Bool
    var json: Bool

    init(arguments: inout Arguments) throws {
        patch = try arguments.required("--patch")
        pretty = arguments.flag("--pretty")
        json = arguments.flag("--json")
        document = try arguments.positional("DOC_FILE")
    }

    func validate() throws {
        if patch == "-" && document == "-" { throw UsageError("only one of PATCH_FILE and DOC_FILE can be standard input") }
    }

    func run() async throws -> ExitCode {
        guard let patchJSON = InputFile.json(patch), let doc = InputFile.json(document) else { return .usage }
        let writer = pretty ? JSONWriter.pretty : JSONWriter.compact
        do {
            let result = try JSONPatch(patchJSON).applied(to: doc)
            print(writer.string(json ? ["applied": true, "result": result] : result))
            return .ok
        } catch {
            if json {
                let detail: JSONValue = [
                    "code": .string(error.code.rawValue), "message": .string(error.message),
                    "operation": error.operationIndex.map { .number(JSONNumber($0)) } ?? .null,
                ]
                print(writer.string(["applied": false, "error": detail]))
            } else {
                printError("\(patch): \(error.description) [\(error.code.rawValue)]")
            }
            return .failed
        }
    }
}

/// Reading a command's input files; `-` is standard input.
enum InputFile {
    static func read(_ path: String) -> [UInt8]? {
        if path == "-" { return [UInt8](FileHandle.standardInput.readDataToEndOfFile()) }
        return FileManager.default.contents(atPath: path).map { [UInt8]($0) }
    }

    /// Reads and parses one JSON document (`-`: standard input), or says why on standard error
    /// (with line and column) and returns nil.
    static func json(_ path: String) -> JSONValue? {
        guard let bytes = read(path) else {
            printError("\(path): cannot read the file")
            return nil
        }
        do {
            return try JSONParser.parse(bytes)
        } catch {
            printError("\(path):\(error.line):\(error.column): not JSON: \(error.message)")
            return nil
        }
    }
}
