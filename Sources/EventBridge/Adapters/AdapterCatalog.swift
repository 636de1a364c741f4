import Contracts
import Foundation

/// The adapters a bridge can use: the built-in `canonical` adapter and one mapping adapter per
/// mapping file, each compiled once when the catalog loads.
///
/// Loading is configuration work (it reads files and reports every problem); `adapter(named:)`
/// is called once per configured source, never per record.
public struct AdapterCatalog: Sendable {
    /// Compiled mappings by name.
    private var plans: [String: MappingPlan] = [:]

    /// A catalog with only the `canonical` adapter.
    public init() {}

    /// Loads every `*.json` file in `directory` (not recursive, sorted by name).
    ///
    /// - Throws: `MappingError` listing every problem in every file (unreadable file, bad JSON,
    ///   invalid mapping, two files with one name).
    public init(directory: String) throws(MappingError) {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") }.sorted()
        } catch {
            throw MappingError(origin: directory, "cannot list the mappings directory: \(error.localizedDescription)")
        }
        var files: [(origin: String, bytes: [UInt8])] = []
        var problems: [MappingError.Problem] = []
        for name in names {
            let path = (directory as NSString).appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: path) else {
                problems.append(MappingError.Problem(origin: path, location: .root, message: "cannot read the file"))
                continue
            }
            files.append((path, [UInt8](data)))
        }
        try self.init(files: files, problems: problems)
    }

    /// Loads mappings from file contents (`origin` names each in messages).
    public init(files: [(origin: String, bytes: [UInt8])]) throws(MappingError) {
        try self.init(files: files, problems: [])
    }

    private init(files: [(origin: String, bytes: [UInt8])], problems earlier: [MappingError.Problem]) throws(MappingError) {
        var documents: [(origin: String, document: JSONValue)] = []
        var problems = earlier
        for file in files {
            do {
                documents.append((file.origin, try JSONParser.parse(file.bytes)))
            } catch {
                problems.append(MappingError.Problem(origin: file.origin, location: .root, message: "not valid JSON: \(error)"))
            }
        }
        try self.init(documents: documents, problems: problems)
    }

    /// Loads mappings from parsed documents.
    public init(documents: [(origin: String, document: JSONValue)]) throws(MappingError) {
        try self.init(documents: documents, problems: [])
    }

    private init(documents: [(origin: String, document: JSONValue)], problems earlier: [MappingError.Problem]) throws(MappingError) {
        var problems = earlier
        var origins: [String: String] = [:]
        for (origin, document) in documents {
            switch MappingCompiler.compile(document, origin: origin) {
            case .success(let plan):
                if let first = origins[plan.name] {
                    problems.append(MappingError.Problem(
                        origin: origin, location: JSONPointer(tokens: ["name"]),
                        message: "mapping \"\(plan.name)\" is already defined in \(first)"))
                } else {
                    origins[plan.name] = origin
                    plans[plan.name] = plan
                }
            case .failure(let error):
                problems += error.problems
            }
        }
        if !problems.isEmpty { throw MappingError(problems: problems) }
    }

    /// The adapter names available: `canonical` first, then the mappings in name order.
    public var names: [String] { [CanonicalAdapter.adapterName] + plans.keys.sorted() }

    /// The adapter called `name` for one source.
    ///
    /// - Parameter sourceZone: the IANA zone of the source's zone-less timestamps (`localTimeToRFC3339`,
    ///   wall-clock epochs, dates in the source's zone). Required when the mapping uses it.
    /// - Parameter sourceSystem: what `{"meta": "sourceSystem"}` reads (the source's configured
    ///   system name); nil: the mapping's name.
    /// - Throws: `MappingError` for an unknown adapter, an unknown zone, or a missing zone.
    public func adapter(named name: String, sourceZone: String? = nil, sourceSystem: String? = nil) throws(MappingError) -> any Adapter {
        let origin = "adapter \"\(name)\""
        var zone: TimeZone?
        if let sourceZone {
            guard let z = TimeZone(identifier: sourceZone) else {
                throw MappingError(origin: origin, "\"\(sourceZone)\" is not a known IANA time zone")
            }
            zone = z
        }
        if name == CanonicalAdapter.adapterName { return CanonicalAdapter() }
        guard let plan = plans[name] else {
            throw MappingError(origin: origin, "no such adapter (known: \(names.joined(separator: ", ")))")
        }
        if plan.usesSourceZone && zone == nil {
            throw MappingError(origin: origin, "the mapping converts zone-less times: configure the source's time zone")
        }
        return MappingAdapter(plan: plan, sourceZone: zone, sourceSystem: sourceSystem)
    }
}
