/// Why a JSON Patch could not be read or applied.
public struct JSONPatchError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure; the raw value is a stable code.
    public enum Code: String, Sendable, Hashable {
        /// The patch document itself is malformed (not an array, unknown `op`, a missing member, a bad pointer).
        case invalidPatch = "patch.invalid"
        /// A `path` or `from` names a location that does not exist (or whose parent does not).
        case pathNotFound = "patch.path_not_found"
        /// An array index that is out of range, has leading zeros, or is not a number.
        case invalidIndex = "patch.invalid_index"
        /// A `test` operation found a different value.
        case testFailed = "patch.test_failed"
        /// `move` into one of the moved value's own children.
        case moveIntoSelf = "patch.move_into_self"
    }

    public var code: Code
    public var message: String
    /// The index of the failing operation in the patch, when the failure belongs to one.
    public var operationIndex: Int?

    public init(_ code: Code, _ message: String, operationIndex: Int? = nil) {
        self.code = code
        self.message = message
        self.operationIndex = operationIndex
    }

    public var description: String {
        guard let operationIndex else { return message }
        return "operation \(operationIndex): \(message)"
    }
}

/// An RFC 6902 JSON Patch: a sequence of operations applied in order to a `JSONValue`.
///
/// Application is atomic from the caller's view: `applied(to:)` returns a new document or throws,
/// leaving the input untouched.
public struct JSONPatch: Sendable, Hashable {
    /// One RFC 6902 operation.
    public enum Operation: Sendable, Hashable {
        case add(path: JSONPointer, value: JSONValue)
        case remove(path: JSONPointer)
        case replace(path: JSONPointer, value: JSONValue)
        case move(from: JSONPointer, path: JSONPointer)
        case copy(from: JSONPointer, path: JSONPointer)
        case test(path: JSONPointer, value: JSONValue)
    }

    public var operations: [Operation]

    public init(operations: [Operation]) { self.operations = operations }

    /// Reads a patch document: a JSON array of operation objects.
    public init(_ json: JSONValue) throws(JSONPatchError) {
        guard case .array(let items) = json else {
            throw JSONPatchError(.invalidPatch, "a JSON Patch is an array of operations, got \(json.typeName)")
        }
        var ops: [Operation] = []
        ops.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            do {
                ops.append(try JSONPatch.operation(item))
            } catch {
                throw JSONPatchError(error.code, error.message, operationIndex: i)
            }
        }
        operations = ops
    }

    private static func operation(_ item: JSONValue) throws(JSONPatchError) -> Operation {
        guard case .object(let o) = item else { throw JSONPatchError(.invalidPatch, "an operation is an object, got \(item.typeName)") }
        guard let op = o["op"]?.stringValue else { throw JSONPatchError(.invalidPatch, "missing string member 'op'") }
        func pointer(_ name: String) throws(JSONPatchError) -> JSONPointer {
            guard let member = o[name] else { throw JSONPatchError(.invalidPatch, "'\(op)' needs member '\(name)'") }
            guard let text = member.stringValue, let p = JSONPointer(text) else {
                throw JSONPatchError(.invalidPatch, "'\(name)' is not a JSON Pointer: \(member)")
            }
            return p
        }
        func value() throws(JSONPatchError) -> JSONValue {
            guard let v = o["value"] else { throw JSONPatchError(.invalidPatch, "'\(op)' needs member 'value'") }
            return v
        }
        switch op {
        case "add": return .add(path: try pointer("path"), value: try value())
        case "remove": return .remove(path: try pointer("path"))
        case "replace": return .replace(path: try pointer("path"), value: try value())
        case "move": return .move(from: try pointer("from"), path: try pointer("path"))
        case "copy": return .copy(from: try pointer("from"), path: try pointer("path"))
        case "test": return .test(path: try pointer("path"), value: try value())
        default: throw JSONPatchError(.invalidPatch, "unknown op '\(op)'")
        }
    }

    /// The patch as a JSON document (the inverse of `init(_:)`).
    public var json: JSONValue {
        .array(operations.map { op in
            switch op {
            case .add(let p, let v): return ["op": "add", "path": .string(p.description), "value": v]
            case .remove(let p): return ["op": "remove", "path": .string(p.description)]
            case .replace(let p, let v): return ["op": "replace", "path": .string(p.description), "value": v]
            case .move(let f, let p): return ["op": "move", "from": .string(f.description), "path": .string(p.description)]
            case .copy(let f, let p): return ["op": "copy", "from": .string(f.description), "path": .string(p.description)]
            case .test(let p, let v): return ["op": "test", "path": .string(p.description), "value": v]
            }
        })
    }

    /// Applies every operation in order and returns the patched document.
    public func applied(to document: JSONValue) throws(JSONPatchError) -> JSONValue {
        var doc = document
        for (i, op) in operations.enumerated() {
            do {
                try JSONPatch.apply(op, to: &doc)
            } catch {
                throw JSONPatchError(error.code, error.message, operationIndex: i)
            }
        }
        return doc
    }

    static func apply(_ op: Operation, to doc: inout JSONValue) throws(JSONPatchError) {
        switch op {
        case .add(let path, let value):
            try add(value, at: path, in: &doc)
        case .remove(let path):
            _ = try remove(at: path, in: &doc)
        case .replace(let path, let value):
            _ = try JSONPatch.value(at: path, in: doc)
            if path.isRoot {
                doc = value
            } else {
                try withParent(of: path, in: &doc) { (parent, token) throws(JSONPatchError) in
                    switch parent {
                    case .object(var o):
                        parent = .null
                        o[token] = value
                        parent = .object(o)
                    case .array(var a):
                        let i = try index(token, in: a, path: path, allowEnd: false)
                        parent = .null
                        a[i] = value
                        parent = .array(a)
                    default:
                        throw JSONPatchError(.pathNotFound, "\(path): parent is not a container")
                    }
                }
            }
        case .move(let from, let path):
            if from == path { _ = try value(at: from, in: doc); return }
            if path.tokens.count > from.tokens.count && Array(path.tokens.prefix(from.tokens.count)) == from.tokens {
                throw JSONPatchError(.moveIntoSelf, "cannot move \(from) into its own child \(path)")
            }
            let v = try remove(at: from, in: &doc)
            try add(v, at: path, in: &doc)
        case .copy(let from, let path):
            try add(try value(at: from, in: doc), at: path, in: &doc)
        case .test(let path, let expected):
            let actual = try value(at: path, in: doc)
            guard actual == expected else {
                throw JSONPatchError(.testFailed, "test at \(path.description.isEmpty ? "/" : path.description) expected \(expected), found \(actual)")
            }
        }
    }
}
