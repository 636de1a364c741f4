import Contracts
import Foundation

/// `eventbridge json check FILE…`
struct JSONCommand: CLIGroup {
    static let name = "json"
    static let abstract = "Check JSON documents with the bridge's strict parser"
    static var subcommands: [any CLICommand.Type] { [JSONCheckCommand.self] }
}

struct JSONCheckCommand: CLICommand {
    static let name = "check"
    static let abstract = "Parse each FILE; report the first error with its line and column"
    static let help = """
    USAGE: eventbridge json check FILE… [--json]

    Parses each FILE (or '-' for standard input) as the bridge parses event payloads: RFC 8259,
    strictly (no comments, trailing commas, BOM, duplicate member names, lone surrogates or
    invalid UTF-8; nesting at most 128 deep). Prints "FILE: ok" or "FILE:LINE:COLUMN: message".
    Exit 1 when some FILE is not JSON, 2 when one cannot be read.

    OPTIONS:
      --json    one JSON object per file: {"file", "valid", "error": {"code","message","line","column","offset"}}

    """

    var files: [String]
    var json: Bool

    init(arguments: inout Arguments) throws {
        json = arguments.flag("--json")
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
                _ = try JSONParser.parse(bytes)
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

/// Reading a command's input files; `-` is standard input.
enum InputFile {
    static func read(_ path: String) -> [UInt8]? {
        if path == "-" { return [UInt8](FileHandle.standardInput.readDataToEndOfFile()) }
        return FileManager.default.contents(atPath: path).map { [UInt8]($0) }
    }
}
