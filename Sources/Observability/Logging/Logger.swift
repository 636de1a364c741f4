import Contracts
import Foundation
import Basics

/// A small structured logger: one JSON object per line on stderr
/// (`{"time","level","label","message", …fields}`).
///
/// Libraries take a `Logger`; they never create their own sink. Messages are autoclosures, so a
/// disabled level costs a comparison. Field values are strings; callers must never pass secrets
/// (configuration values are redacted before they reach a logger).
public struct Logger: Sendable {
    public enum Level: Int, Sendable, Comparable, CaseIterable {
        case trace, debug, info, notice, warning, error, critical

        public var name: String {
            switch self {
            case .trace: return "trace"
            case .debug: return "debug"
            case .info: return "info"
            case .notice: return "notice"
            case .warning: return "warning"
            case .error: return "error"
            case .critical: return "critical"
            }
        }

        public init?(name: String) {
            guard let level = Level.allCases.first(where: { $0.name == name.lowercased() }) else { return nil }
            self = level
        }

        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
    }

    /// Where log lines go. The default writes to stderr; tests capture lines in memory.
    public typealias Sink = @Sendable (_ line: String) -> Void

    public var label: String
    public var level: Level
    /// Fields added to every line from this logger (e.g. the source topic).
    public var metadata: [String: String] = [:]
    private let sink: Sink

    public init(label: String, level: Level = .info, sink: @escaping Sink = Logger.stderrSink) {
        self.label = label
        self.level = level
        self.sink = sink
    }

    /// A logger that drops everything.
    public static let disabled = Logger(label: "disabled", level: .critical, sink: { _ in })

    public static let stderrSink: Sink = { line in
        var bytes = Array(line.utf8)
        bytes.append(0x0A)
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(2, raw.baseAddress! + offset, raw.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }

    /// A copy with another label (components log under their own name).
    public func with(label: String) -> Logger {
        var copy = self
        copy.label = label
        return copy
    }

    public func log(_ level: Level, _ message: @autoclosure () -> String, _ fields: @autoclosure () -> [String: String] = [:]) {
        guard level >= self.level else { return }
        var object = JSONObject()
        object["time"] = .string(RFC3339.now())
        object["level"] = .string(level.name)
        object["label"] = .string(label)
        object["message"] = .string(message())
        for (k, v) in metadata.sorted(by: { $0.key < $1.key }) { object[k] = .string(v) }
        for (k, v) in fields().sorted(by: { $0.key < $1.key }) { object[k] = .string(v) }
        sink(JSONWriter.compact.string(.object(object)))
    }

    public func trace(_ m: @autoclosure () -> String, _ f: @autoclosure () -> [String: String] = [:]) { log(.trace, m(), f()) }
    public func debug(_ m: @autoclosure () -> String, _ f: @autoclosure () -> [String: String] = [:]) { log(.debug, m(), f()) }
    public func info(_ m: @autoclosure () -> String, _ f: @autoclosure () -> [String: String] = [:]) { log(.info, m(), f()) }
    public func notice(_ m: @autoclosure () -> String, _ f: @autoclosure () -> [String: String] = [:]) { log(.notice, m(), f()) }
    public func warning(_ m: @autoclosure () -> String, _ f: @autoclosure () -> [String: String] = [:]) { log(.warning, m(), f()) }
    public func error(_ m: @autoclosure () -> String, _ f: @autoclosure () -> [String: String] = [:]) { log(.error, m(), f()) }
    public func critical(_ m: @autoclosure () -> String, _ f: @autoclosure () -> [String: String] = [:]) { log(.critical, m(), f()) }
}
