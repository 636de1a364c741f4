import EventStore
import Observability

/// The bridge running on a config's store, as the operating commands see it: its pid (the holder
/// of the store's lock, `EventStore.writerPid`) and what its `/readyz` says about its catalog.
/// `eventbridge reload` signals it and waits for the reload's result; `dlq replay` refuses to
/// replay into a bridge whose catalog is not the one on disk (docs/operations.md, "Reload").
public struct RunningBridge: Sendable {
    public var pid: Int32
    /// `sha256:<hex>` of the catalog it runs; nil when its metrics endpoint is off or did not answer.
    public var catalogDigest: String?
    /// Its last reload (`reload #N ok` / `reload #N failed: …` on `/readyz`); nil before the first.
    public var reload: (number: Int, failure: String?)?
    /// Why `catalogDigest` is unknown, for messages.
    public var unknownBecause: String?

    /// The bridge running on `config`'s store on this host, nil when none is.
    public static func find(_ config: BridgeConfig) -> RunningBridge? {
        guard let pid = EventStore.writerPid(ofStore: config.resolve(config.store.path)) else { return nil }
        var bridge = RunningBridge(pid: pid)
        guard let address = config.metrics.address else {
            bridge.unknownBecause = "its metrics endpoint is off (metrics.enabled false)"
            return bridge
        }
        do {
            let answer = try ProbeClient.get(address, path: "/readyz", timeoutSeconds: 5)
            bridge.read(readyz: answer.body)
            if bridge.catalogDigest == nil { bridge.unknownBecause = "its /readyz at \(address) names no catalog" }
        } catch {
            bridge.unknownBecause = "its metrics endpoint at \(address) does not answer (\(error))"
        }
        return bridge
    }

    init(pid: Int32) { self.pid = pid }

    /// Reads the `catalog …` and `reload #N …` lines of a `/readyz` body (`BridgeHealth.readiness`).
    mutating func read(readyz body: String) {
        for line in body.split(separator: "\n") {
            if line.hasPrefix("catalog ") {
                catalogDigest = String(line.dropFirst("catalog ".count))
            } else if line.hasPrefix("reload #") {
                let rest = line.dropFirst("reload #".count)
                guard let space = rest.firstIndex(of: " "), let number = Int(rest[..<space]) else { continue }
                let outcome = rest[rest.index(after: space)...]
                reload = (number, outcome.hasPrefix("failed: ") ? String(outcome.dropFirst("failed: ".count)) : nil)
            }
        }
    }
}
