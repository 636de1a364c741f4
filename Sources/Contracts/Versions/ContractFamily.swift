/// Every version of one contract type, oldest first, numbered 1…N.
public struct ContractFamily: Sendable {
    /// The versions, `versions[i].version == i + 1`.
    public let versions: [Contract]

    init(versions: [Contract]) { self.versions = versions }

    public var type: String { latest.type }

    /// The newest version. (A family is never empty.)
    public var latest: Contract { versions[versions.count - 1] }

    public func contract(version: Int) -> Contract? {
        versions.indices.contains(version - 1) ? versions[version - 1] : nil
    }

    /// Applies the upcast patches from `from` to `to` in order (1→2, 2→3 …). After each step the
    /// document is validated (schema and rules) against the step's target version; the first
    /// failing step stops the chain and is named in the error (`upcast 1→2: …`).
    /// `from == to` returns the document unchanged. Downcasting is not supported.
    public func upcast(_ document: JSONValue, from: Int, to: Int) -> Result<JSONValue, UpcastError> {
        func fail(_ step: Int, _ reason: UpcastError.Reason) -> Result<JSONValue, UpcastError> {
            .failure(UpcastError(type: type, from: from, to: to, stepFrom: step, reason: reason))
        }
        guard contract(version: from) != nil else { return fail(from, .unknownVersion("\(type) has no version \(from)")) }
        guard contract(version: to) != nil else { return fail(from, .unknownVersion("\(type) has no version \(to)")) }
        guard from <= to else { return fail(from, .unknownVersion("cannot downcast from version \(from) to \(to)")) }
        var doc = document
        for step in from..<to {
            guard let target = contract(version: step + 1), let patch = target.upcast else {
                return fail(step, .unknownVersion("version \(step + 1) has no upcast"))
            }
            do {
                doc = try patch.applied(to: doc)
            } catch {
                return fail(step, .patch(error))
            }
            let report = target.validate(doc)
            if !report.isValid { return fail(step, .invalid(report)) }
        }
        return .success(doc)
    }
}

/// Why a document could not be upcast: the step that failed and the reason.
public struct UpcastError: Error, Sendable, CustomStringConvertible {
    public enum Reason: Sendable {
        /// The patch did not apply (a `test` failed, a path was missing …).
        case patch(JSONPatchError)
        /// The patched document does not validate against the step's target version.
        case invalid(ValidationReport)
        /// A version that does not exist, or a downcast.
        case unknownVersion(String)
    }

    public var type: String
    public var from: Int
    public var to: Int
    /// The failing step goes from `stepFrom` to `stepFrom + 1`.
    public var stepFrom: Int
    public var reason: Reason

    /// The stable DLQ code: `upcast.patch`, `upcast.invalid` or `upcast.version`.
    public var code: String {
        switch reason {
        case .patch: return "upcast.patch"
        case .invalid: return "upcast.invalid"
        case .unknownVersion: return "upcast.version"
        }
    }

    public var description: String {
        let step = "upcast \(stepFrom)→\(stepFrom + 1)"
        switch reason {
        case .patch(let e): return "\(step): \(e)"
        case .invalid(let report):
            return "\(step): the result does not validate against \(type)@\(stepFrom + 1): " + report.violations.map(\.description).joined(separator: "; ")
        case .unknownVersion(let message): return "upcast \(from)→\(to): \(message)"
        }
    }
}
