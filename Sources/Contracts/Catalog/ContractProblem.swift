/// One thing wrong with a contract file: the file, the JSON Pointer inside it, and what is wrong.
/// Printed as `contracts/x.json: /dedupKey/0: not a JSON Pointer`.
public struct ContractProblem: Sendable, Hashable, CustomStringConvertible {
    /// The file's path as given to the loader (empty for a contract not read from a file).
    public var file: String
    /// Where in the file.
    public var pointer: JSONPointer
    public var message: String

    public init(file: String, pointer: JSONPointer, message: String) {
        self.file = file
        self.pointer = pointer
        self.message = message
    }

    public var description: String {
        let location = pointer.isRoot ? "/" : pointer.description
        return file.isEmpty ? "\(location): \(message)" : "\(file): \(location): \(message)"
    }
}

/// Every problem found while loading contracts; nothing was loaded.
public struct ContractLoadError: Error, Sendable, CustomStringConvertible {
    public var problems: [ContractProblem]

    public init(problems: [ContractProblem]) { self.problems = problems }

    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
