/// How versions of one contract type must relate, with Confluent Schema Registry's meaning.
///
/// - BACKWARD: consumers using the new version can read data produced with the previous one.
/// - FORWARD: consumers using the previous version can read data produced with the new one.
/// - FULL: both.
/// - `_TRANSITIVE`: the same against every earlier version, not only the previous one.
/// - NONE: no check.
public enum CompatibilityMode: String, Sendable, Hashable, CaseIterable {
    case backward = "BACKWARD"
    case backwardTransitive = "BACKWARD_TRANSITIVE"
    case forward = "FORWARD"
    case forwardTransitive = "FORWARD_TRANSITIVE"
    case full = "FULL"
    case fullTransitive = "FULL_TRANSITIVE"
    case none = "NONE"

    /// New readers must accept old data.
    public var checksBackward: Bool { [.backward, .backwardTransitive, .full, .fullTransitive].contains(self) }
    /// Old readers must accept new data.
    public var checksForward: Bool { [.forward, .forwardTransitive, .full, .fullTransitive].contains(self) }
    /// Checked against every earlier version rather than only the previous one.
    public var isTransitive: Bool { [.backwardTransitive, .forwardTransitive, .fullTransitive].contains(self) }
}
