import Foundation

/// The schemas that `$ref`s may name, indexed by `$id`, `$anchor` and `$dynamicAnchor`.
///
/// A registry starts with the draft 2020-12 meta-schemas. Add the schemas a contract refers to
/// (or `loadDirectory` a folder of them), then compile against it: `CompiledSchema.compile`
/// takes a snapshot, so adding later does not change schemas already compiled. There is no
/// network access: a `$ref` to a URI nobody added is a `SchemaError`.
///
/// Thread safety: the tables live behind a lock and are copied out (copy-on-write) for each
/// compile, so adding and compiling from different threads is safe; that is why the class can
/// be `@unchecked Sendable`.
public final class SchemaRegistry: @unchecked Sendable {
    private let lock = NSLock()
    private var index: SchemaResourceIndex

    /// An empty registry (the 2020-12 meta-schemas only).
    public init() {
        index = SchemaRegistry.builtin
    }

    /// Adds a schema document and indexes every `$id`, `$anchor` and `$dynamicAnchor` in it.
    ///
    /// - Parameters:
    ///   - schema: the schema document.
    ///   - uri: where it was retrieved from: its base URI when it has no `$id` at the root, and a
    ///     second name for it when it has one. Without either the schema can only be reached
    ///     through the `$id`s inside it.
    public func add(_ schema: JSONValue, uri: String? = nil) throws(SchemaError) {
        let retrieval: String
        if let uri {
            retrieval = uri
        } else if case .string(let id) = schema["$id"] ?? .null {
            retrieval = id
        } else {
            throw SchemaError(.invalidIdentifier, "a schema added without a URI needs an \"$id\"", at: "#")
        }
        lock.lock()
        defer { lock.unlock() }
        try index.add(schema, uri: retrieval)
    }

    /// A consistent copy of the tables for one compile.
    func snapshot() -> SchemaResourceIndex {
        lock.lock()
        defer { lock.unlock() }
        return index
    }

    /// The meta-schemas, parsed once per process.
    static let builtin: SchemaResourceIndex = {
        var index = SchemaResourceIndex()
        for (id, text) in MetaSchemas.documents {
            // The texts are constants checked by the tests; a failure here would leave the
            // meta-schema unresolvable (a SchemaError at compile time), never a crash.
            if let value = try? JSONParser.parse(text) { _ = try? index.add(value, uri: id) }
        }
        return index
    }()
}

extension SchemaRegistry {
    /// Adds every `*.json` file under `path` (recursively), each by its `$id` and by its
    /// `file://` URI. Throws `SchemaError` (`.unreadable`) for a missing directory or a file that
    /// is not JSON, naming the file.
    public func loadDirectory(_ path: String) throws {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw SchemaError(.unreadable, "not a directory", at: path)
        }
        let root = URL(fileURLWithPath: path).standardizedFileURL
        guard let enumerator = manager.enumerator(at: root, includingPropertiesForKeys: nil) else {
            throw SchemaError(.unreadable, "cannot list the directory", at: path)
        }
        var files: [URL] = []
        for case let url as URL in enumerator where url.pathExtension == "json" { files.append(url) }
        for url in files.sorted(by: { $0.path < $1.path }) {
            try add(contentsOf: url.path)
        }
    }

    /// Reads, parses and adds one schema file under its `file://` URI.
    public func add(contentsOf file: String) throws(SchemaError) {
        let schema = try SchemaRegistry.readSchema(file)
        try add(schema, uri: URL(fileURLWithPath: file).standardizedFileURL.absoluteString)
    }

    /// Reads and parses a schema file, or throws `SchemaError` (`.unreadable`) naming it.
    public static func readSchema(_ file: String) throws(SchemaError) -> JSONValue {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw SchemaError(.unreadable, "cannot read the file", at: file)
        }
        do {
            return try data.withUnsafeBytes { raw throws(JSONParseError) in try JSONParser.parse(raw) }
        } catch {
            throw SchemaError(.unreadable, "not JSON: \(error)", at: file)
        }
    }
}
