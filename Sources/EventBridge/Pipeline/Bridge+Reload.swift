import Contracts
import EventStore

/// Reload (docs/operations.md, "Reload"): a new contract and mapping catalog without a restart,
/// asked for with SIGHUP (`eventbridge reload --config FILE` sends it to the pid that holds the
/// store's lock). The catalog is loaded and checked off the pipeline thread; the pipeline thread
/// swaps the pipeline's immutable stages between two polls, keeping its dedup and gate stages — the
/// keys, revisions and readiness of events in flight, the parked counts — and keeps the old stages
/// on any error. `/readyz` names the
/// running catalog and the last reload's result; `eventbridge_catalog_reloads_total` counts them.
extension Bridge {
    /// Asks for a reload; callable from any thread (the SIGHUP watcher). Loads and checks the
    /// catalog the config names on `reloadQueue`; `applyReload` swaps it in.
    public func requestReload() {
        logger.notice("catalog reload requested", ["contracts": config.resolve(config.contractsDir), "mappings": config.resolve(config.mappingsDir)])
        reloadQueue.async { [self] in
            let result = Result { () throws(ConfigError) -> BridgeCatalog in try BridgeCatalog.load(config) }
            loadedCatalog.withLock { $0 = result }
        }
    }

    /// Pipeline thread, between polls: swaps in a catalog `requestReload` loaded. Inputs prepared
    /// before the swap were held to the old catalog; every input polled after it to the new one.
    func applyReload() {
        guard let result = loadedCatalog.withLock({ slot -> Result<BridgeCatalog, ConfigError>? in
            defer { slot = nil }
            return slot
        }) else { return }
        do {
            let catalog = try result.get()
            // The sources' adapters are built here: a mapping a source names may have gone.
            let fresh = try EventPipeline(config: config, registry: catalog.registry, adapters: catalog.adapters, dedup: pipeline.dedup,
                                          gate: pipeline.gate, entityState: pipeline.entityState)
            let previous = health.catalogDigest
            pipeline = fresh
            preparer = BatchPreparer(pipeline: fresh, workers: config.limits.workers)
            health.reloaded(digest: catalog.digest, failure: nil)
            metrics.bridge.catalogReloads(result: "ok").increment()
            logger.notice("catalog reloaded", ["catalog": catalog.digest, "previous": previous,
                                               "contracts": String(catalog.registry.all.count), "adapters": catalog.adapters.names.joined(separator: ",")])
        } catch {
            let message = (error as? ConfigError)?.problems.map(\.description).joined(separator: "; ") ?? "\(error)"
            health.reloaded(digest: nil, failure: message)
            metrics.bridge.catalogReloads(result: "error").increment()
            logger.error("catalog reload failed; the running catalog stays", ["catalog": health.catalogDigest, "error": message])
        }
    }
}
