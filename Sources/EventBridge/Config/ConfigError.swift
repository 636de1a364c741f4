import Contracts
import Foundation

/// One problem in a configuration file, with the JSON path it concerns.
public struct ConfigProblem: Sendable, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "\(path.isEmpty ? "/" : path): \(message)" }
}

/// Every problem found in a configuration file (the loader never stops at the first).
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var problems: [ConfigProblem]
    public var description: String {
        (["\(file): \(problems.count) problem\(problems.count == 1 ? "" : "s")"] + problems.map { "  \($0)" }).joined(separator: "\n")
    }
}
