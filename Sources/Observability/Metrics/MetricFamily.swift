/// One metric family inside the registry: its name, help, type, fixed label names and either
/// its children (one per label set, handed out to callers) or scrape-time providers.
///
/// A value type that lives only inside the registry's mutex; the registry copies what a scrape
/// needs (``Snapshot``) and renders outside the lock.
struct MetricFamily {
    enum Child {
        case counter(Counter)
        case gauge(Gauge)
        case histogram(Histogram)
    }

    /// A scrape-time source of samples, replaced when registered again under the same key.
    struct Provider {
        /// The rendered fixed label set for single-series providers, `""` for family-wide ones.
        var key: String
        var samples: @Sendable () -> [MetricsRegistry.Sample]
    }

    /// What a scrape needs from a family, copied under the lock.
    struct Snapshot {
        var name: String
        var help: String
        var type: MetricsRegistry.MetricType
        var children: [Child]
        var providers: [Provider]
    }

    let name: String
    let help: String
    let type: MetricsRegistry.MetricType
    /// Histogram bucket bounds (empty for other types).
    let buckets: [Double]
    /// The label names of the family, sorted; fixed by the first series.
    private(set) var labelNames: [String]?
    /// Children by rendered label set, and their creation order.
    private var children: [String: Child] = [:]
    private var order: [String] = []
    private var providers: [Provider] = []
    /// Set once the cardinality limit has been reported, so it is logged once.
    var reportedOverflow = false

    init(name: String, help: String, type: MetricsRegistry.MetricType, buckets: [Double] = []) {
        self.name = name
        self.help = help
        self.type = type
        self.buckets = buckets
    }

    /// The number of series (children) the family holds.
    var seriesCount: Int { order.count }

    func child(forKey key: String) -> Child? { children[key] }

    /// Checks that `names` (sorted) match the family's label names, fixing them on first use.
    mutating func acceptLabelNames(_ names: [String]) -> Bool {
        if let labelNames { return labelNames == names }
        labelNames = names
        return true
    }

    mutating func insert(_ child: Child, forKey key: String) {
        children[key] = child
        order.append(key)
    }

    /// Adds or replaces the provider registered under `provider.key`.
    mutating func setProvider(_ provider: Provider) {
        if let index = providers.firstIndex(where: { $0.key == provider.key }) {
            providers[index] = provider
        } else {
            providers.append(provider)
        }
    }

    /// Removes the provider registered under `key`, if any.
    mutating func removeProvider(key: String) {
        providers.removeAll { $0.key == key }
    }

    var snapshot: Snapshot {
        Snapshot(name: name, help: help, type: type, children: order.compactMap { children[$0] }, providers: providers)
    }
}

extension MetricFamily.Snapshot {
    /// Appends the family in the text format: HELP, TYPE, then every series.
    func render(into out: inout String) {
        var samples: [MetricsRegistry.Sample] = []
        for provider in providers { samples += provider.samples() }
        if children.isEmpty && samples.isEmpty { return }
        out += "# HELP " + name + " " + ExpositionFormat.escapeHelp(help) + "\n"
        out += "# TYPE " + name + " " + type.rawValue + "\n"
        for child in children {
            switch child {
            case .counter(let c): c.render(name: name, into: &out)
            case .gauge(let g): g.render(name: name, into: &out)
            case .histogram(let h): h.render(name: name, into: &out)
            }
        }
        for sample in samples where sample.labels.keys.allSatisfy(ExpositionFormat.isValidLabelName) {
            out += name
            out += ExpositionFormat.renderLabels(ExpositionFormat.sortedLabels(sample.labels))
            out += " "
            out += ExpositionFormat.formatValue(sample.value)
            out += "\n"
        }
    }
}
