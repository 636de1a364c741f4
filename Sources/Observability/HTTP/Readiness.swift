/// The answer of the bridge's readiness check, served on `/readyz`: ready (200 `ready`) or
/// not ready with a reason (503 and the reason), e.g. "consumer group not joined".
public struct Readiness: Sendable, Equatable {
    /// Whether the bridge can do its work: group joined, store open, broker reachable.
    public var isReady: Bool
    /// Why it is not ready (empty when ready). Never contains secrets.
    public var reason: String
    /// More lines for the body after the verdict, ready or not (e.g. `catalog sha256:…`): facts a
    /// tool compares, never secrets.
    public var details: [String]

    public init(isReady: Bool, reason: String = "", details: [String] = []) {
        self.isReady = isReady
        self.reason = reason
        self.details = details
    }

    /// Ready.
    public static let ready = Readiness(isReady: true)

    /// Not ready, for `reason`.
    public static func notReady(_ reason: String) -> Readiness {
        Readiness(isReady: false, reason: reason)
    }

    /// The same verdict with these lines added to the body.
    public func with(details: [String]) -> Readiness {
        Readiness(isReady: isReady, reason: reason, details: self.details + details)
    }
}
