import Contracts

/// A mapping file or adapter configuration that can't be used, with every problem found.
///
/// This is a configuration error (the bridge refuses to start, exit code 2), never a record
/// outcome: each problem names the file and the JSON Pointer inside it.
public struct MappingError: Error, Sendable, CustomStringConvertible {
    /// One problem in one file.
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        /// The file (or other origin) the mapping came from.
        public var origin: String
        /// Where in the mapping document; root for problems with the whole file.
        public var location: JSONPointer
        public var message: String

        public init(origin: String, location: JSONPointer, message: String) {
            self.origin = origin
            self.location = location
            self.message = message
        }

        public var description: String {
            "\(origin): \(location.isRoot ? "/" : location.description): \(message)"
        }
    }

    public var problems: [Problem]

    public init(problems: [Problem]) { self.problems = problems }

    init(origin: String, _ message: String) {
        problems = [Problem(origin: origin, location: .root, message: message)]
    }

    /// One problem per line.
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
