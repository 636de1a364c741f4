import Synchronization

/// The bridge's metrics: families of counters, gauges and histograms with label sets, rendered
/// in the Prometheus text exposition format 0.0.4.
///
/// Registration (`counter`, `gauge`, `histogram`) takes a lock and returns the child for one
/// label set; callers on the hot path obtain it once and keep it, so counting is a relaxed
/// atomic add. Asking again for the same name and labels returns the same child.
///
/// Misuse never crashes the bridge: an invalid name, a label set whose names differ from the
/// family's, a type clash or more than ``maxSeriesPerFamily`` series is logged once and answered
/// with a detached child that counts but is never rendered.
///
/// Scrape-time gauges (`gauge(_:help:labels:value:)`, `callback(_:help:type:samples:)`) run
/// on the scraping thread while no lock is held; they must be cheap and must not block (read a
/// value the owner keeps up to date).
public final class MetricsRegistry: Sendable {
    /// A metric family's type, as written on its `# TYPE` line.
    public enum MetricType: String, Sendable {
        case counter, gauge, histogram
    }

    /// One sample produced by a scrape-time callback.
    public struct Sample: Sendable, Equatable {
        public var labels: [String: String]
        public var value: Double

        public init(labels: [String: String] = [:], value: Double) {
            self.labels = labels
            self.value = value
        }
    }

    /// At most this many series per family; more are detached (label cardinality guard).
    public let maxSeriesPerFamily: Int
    private let logger: Logger
    private let families = Mutex<[String: MetricFamily]>([:])
    /// Size of the last rendering, to reserve capacity for the next one.
    private let lastRenderSize = Atomic<Int>(4096)

    /// - Parameters:
    ///   - logger: where registration mistakes are reported.
    ///   - maxSeriesPerFamily: the label-cardinality guard per family.
    public init(logger: Logger, maxSeriesPerFamily: Int = 10_000) {
        self.logger = logger.with(label: "metrics")
        self.maxSeriesPerFamily = maxSeriesPerFamily
    }

    /// The counter of family `name` for `labels`. Counter names end in `_total`.
    public func counter(_ name: String, help: String, labels: [String: String] = [:]) -> Counter {
        let rendered = ExpositionFormat.renderLabels(ExpositionFormat.sortedLabels(labels))
        let child = child(name, help: help, type: .counter, buckets: [], labels: labels) {
            .counter(Counter(renderedLabels: rendered))
        }
        if case .counter(let c)? = child { return c }
        return Counter(renderedLabels: rendered)
    }

    /// The gauge of family `name` for `labels`, set directly by its owner.
    public func gauge(_ name: String, help: String, labels: [String: String] = [:]) -> Gauge {
        let rendered = ExpositionFormat.renderLabels(ExpositionFormat.sortedLabels(labels))
        let child = child(name, help: help, type: .gauge, buckets: [], labels: labels) {
            .gauge(Gauge(renderedLabels: rendered))
        }
        if case .gauge(let g)? = child { return g }
        return Gauge(renderedLabels: rendered)
    }

    /// The histogram of family `name` for `labels`. `buckets` are the finite upper bounds in
    /// the family's base unit; they are sorted and deduplicated, non-finite bounds dropped
    /// (`+Inf` is always implicit). The first registration of a family fixes its buckets.
    public func histogram(_ name: String, help: String, buckets: [Double], labels: [String: String] = [:]) -> Histogram {
        let bounds = Array(Set(buckets.filter { $0.isFinite })).sorted()
        let sorted = ExpositionFormat.sortedLabels(labels)
        let child = child(name, help: help, type: .histogram, buckets: bounds, labels: labels) {
            .histogram(Histogram(upperBounds: bounds, labels: sorted))
        }
        if case .histogram(let h)? = child { return h }
        return Histogram(upperBounds: bounds, labels: sorted)
    }

    /// Registers (or replaces) a gauge series whose value is read at scrape time.
    public func gauge(_ name: String, help: String, labels: [String: String] = [:],
                      value: @escaping @Sendable () -> Double) {
        let key = ExpositionFormat.renderLabels(ExpositionFormat.sortedLabels(labels))
        setProvider(name, help: help, type: .gauge, key: key, labels: labels) {
            [Sample(labels: labels, value: value())]
        }
    }

    /// Registers (or replaces) a family whose series are all produced at scrape time (consumer
    /// lag per partition, store keys by kind). `type` is `.counter` or `.gauge`.
    public func callback(_ name: String, help: String, type: MetricType,
                         samples: @escaping @Sendable () -> [Sample]) {
        guard type != .histogram else {
            logger.error("a callback family cannot be a histogram", ["metric": name])
            return
        }
        setProvider(name, help: help, type: type, key: "", labels: [:], samples)
    }

    /// Removes the scrape-time family or series registered by `callback` or
    /// `gauge(_:help:labels:value:)` (e.g. when the component that fed it closes).
    public func removeCallback(_ name: String, labels: [String: String] = [:]) {
        let key = ExpositionFormat.renderLabels(ExpositionFormat.sortedLabels(labels))
        families.withLock { $0[name]?.removeProvider(key: key) }
    }

    /// Renders every family, sorted by name, in the text exposition format 0.0.4. Holds the
    /// lock only to copy the list of families; values are read from atomics and callbacks run
    /// unlocked.
    public func render() -> String {
        let snapshots = families.withLock { all in
            all.values.map(\.snapshot)
        }.sorted { $0.name < $1.name }
        var out = ""
        out.reserveCapacity(lastRenderSize.load(ordering: .relaxed) + 1024)
        for family in snapshots { family.render(into: &out) }
        lastRenderSize.store(out.utf8.count, ordering: .relaxed)
        return out
    }

    // MARK: - Registration

    private func child(_ name: String, help: String, type: MetricType, buckets: [Double], labels: [String: String],
                       make: () -> MetricFamily.Child) -> MetricFamily.Child? {
        guard validate(name, type: type, labels: labels) else { return nil }
        let names = labels.keys.sorted()
        let key = ExpositionFormat.renderLabels(ExpositionFormat.sortedLabels(labels))
        var problem: String?
        let child: MetricFamily.Child? = families.withLock { all in
            var family = all[name] ?? MetricFamily(name: name, help: help, type: type, buckets: buckets)
            defer { all[name] = family }
            if family.type != type {
                problem = "metric \(name) is already registered as a \(family.type.rawValue)"
                return nil
            }
            if family.buckets != buckets {
                problem = "histogram \(name) is already registered with other buckets"
                return nil
            }
            if let existing = family.child(forKey: key) { return existing }
            guard family.acceptLabelNames(names) else {
                problem = "metric \(name) has labels \(family.labelNames ?? []), not \(names)"
                return nil
            }
            guard family.seriesCount < maxSeriesPerFamily else {
                if !family.reportedOverflow {
                    family.reportedOverflow = true
                    problem = "metric \(name) reached \(maxSeriesPerFamily) series; further label sets are not exported"
                }
                return nil
            }
            let made = make()
            family.insert(made, forKey: key)
            return made
        }
        if let problem { logger.error(problem, ["metric": name]) }
        return child
    }

    private func setProvider(_ name: String, help: String, type: MetricType, key: String, labels: [String: String],
                             _ samples: @escaping @Sendable () -> [Sample]) {
        guard validate(name, type: type, labels: labels) else { return }
        let clash: MetricType? = families.withLock { all in
            var family = all[name] ?? MetricFamily(name: name, help: help, type: type)
            guard family.type == type else { return family.type }
            family.setProvider(.init(key: key, samples: samples))
            all[name] = family
            return nil
        }
        if let clash { logger.error("metric \(name) is already registered as a \(clash.rawValue)", ["metric": name]) }
    }

    private func validate(_ name: String, type: MetricType, labels: [String: String]) -> Bool {
        guard ExpositionFormat.isValidMetricName(name) else {
            logger.error("invalid metric name", ["metric": name])
            return false
        }
        if type == .counter && !name.hasSuffix("_total") {
            logger.error("counter names end in _total", ["metric": name])
            return false
        }
        if let bad = labels.keys.first(where: { !ExpositionFormat.isValidLabelName($0) }) {
            logger.error("invalid label name", ["metric": name, "labelName": bad])
            return false
        }
        return true
    }
}
