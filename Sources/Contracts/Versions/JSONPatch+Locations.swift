/// Reading and writing the locations a patch operation names.
extension JSONPatch {
    /// The value at `path` (array indices must be valid RFC 6901 indices, `-` never exists).
    static func value(at path: JSONPointer, in doc: JSONValue) throws(JSONPatchError) -> JSONValue {
        var current = doc
        for token in path.tokens {
            switch current {
            case .object(let o):
                guard let next = o[token] else { throw JSONPatchError(.pathNotFound, "\(path): no member '\(token)'") }
                current = next
            case .array(let a):
                current = a[try index(token, in: a, path: path, allowEnd: false)]
            default:
                throw JSONPatchError(.pathNotFound, "\(path): '\(token)' steps into a \(current.typeName)")
            }
        }
        return current
    }

    /// An array index for `token`: digits without leading zeros, below `count` (or equal to it, or
    /// `-`, when `allowEnd`, as `add` permits).
    static func index(_ token: String, in array: [JSONValue], path: JSONPointer, allowEnd: Bool) throws(JSONPatchError) -> Int {
        if token == "-" {
            guard allowEnd else { throw JSONPatchError(.invalidIndex, "\(path): '-' names no existing element") }
            return array.count
        }
        guard let i = JSONPointer.arrayIndex(token) else {
            throw JSONPatchError(.invalidIndex, "\(path): '\(token)' is not an array index")
        }
        guard i < array.count || (allowEnd && i == array.count) else {
            throw JSONPatchError(.invalidIndex, "\(path): index \(i) is out of range (array has \(array.count) elements)")
        }
        return i
    }

    /// Walks to the container holding `path`'s last token and lets `body` change it in place.
    /// The container is taken out of the document while `body` runs so it is not copied.
    static func withParent(
        of path: JSONPointer,
        in doc: inout JSONValue,
        _ body: (inout JSONValue, String) throws(JSONPatchError) -> Void
    ) throws(JSONPatchError) {
        guard let last = path.tokens.last else { throw JSONPatchError(.pathNotFound, "the root has no parent") }
        try descend(path.tokens.dropLast(), path: path, in: &doc) { (parent) throws(JSONPatchError) in try body(&parent, last) }
    }

    private static func descend(
        _ tokens: ArraySlice<String>,
        path: JSONPointer,
        in value: inout JSONValue,
        _ body: (inout JSONValue) throws(JSONPatchError) -> Void
    ) throws(JSONPatchError) {
        guard let token = tokens.first else {
            try body(&value)
            return
        }
        let rest = tokens.dropFirst()
        switch value {
        case .object(var o):
            guard var child = o[token] else { throw JSONPatchError(.pathNotFound, "\(path): no member '\(token)'") }
            value = .null
            o[token] = .null
            defer {
                o[token] = child
                value = .object(o)
            }
            try descend(rest, path: path, in: &child, body)
        case .array(var a):
            let i = try index(token, in: a, path: path, allowEnd: false)
            var child = a[i]
            value = .null
            a[i] = .null
            defer {
                a[i] = child
                value = .array(a)
            }
            try descend(rest, path: path, in: &child, body)
        default:
            throw JSONPatchError(.pathNotFound, "\(path): '\(token)' steps into a \(value.typeName)")
        }
    }

    /// RFC 6902 `add`: sets an object member (replacing any), inserts into an array, or replaces the root.
    static func add(_ newValue: JSONValue, at path: JSONPointer, in doc: inout JSONValue) throws(JSONPatchError) {
        if path.isRoot {
            doc = newValue
            return
        }
        try withParent(of: path, in: &doc) { (parent, token) throws(JSONPatchError) in
            switch parent {
            case .object(var o):
                parent = .null
                o[token] = newValue
                parent = .object(o)
            case .array(var a):
                let i = try index(token, in: a, path: path, allowEnd: true)
                parent = .null
                a.insert(newValue, at: i)
                parent = .array(a)
            default:
                throw JSONPatchError(.pathNotFound, "\(path): cannot add into a \(parent.typeName)")
            }
        }
    }

    /// RFC 6902 `remove`: the target must exist. Returns the removed value.
    static func remove(at path: JSONPointer, in doc: inout JSONValue) throws(JSONPatchError) -> JSONValue {
        if path.isRoot { throw JSONPatchError(.invalidPatch, "cannot remove the whole document") }
        var removed: JSONValue = .null
        try withParent(of: path, in: &doc) { (parent, token) throws(JSONPatchError) in
            switch parent {
            case .object(var o):
                guard let old = o[token] else { throw JSONPatchError(.pathNotFound, "\(path): no member '\(token)'") }
                removed = old
                parent = .null
                o.removeValue(forKey: token)
                parent = .object(o)
            case .array(var a):
                let i = try index(token, in: a, path: path, allowEnd: false)
                parent = .null
                removed = a.remove(at: i)
                parent = .array(a)
            default:
                throw JSONPatchError(.pathNotFound, "\(path): cannot remove from a \(parent.typeName)")
            }
        }
        return removed
    }
}
