import Synchronization

/// A monotonically increasing count for one label set of a counter family.
///
/// Obtain it once from ``MetricsRegistry/counter(_:help:labels:)`` and keep it: an increment is
/// one relaxed atomic add, cheap enough for the pipeline's hot path at 100k+ events/s and safe
/// from any number of threads.
public final class Counter: Sendable {
    private let count = Atomic<Int>(0)
    /// The rendered label set (`{topic="erp"}` or empty), computed once at creation.
    let renderedLabels: String

    init(renderedLabels: String) {
        self.renderedLabels = renderedLabels
    }

    /// Adds one.
    public func increment() {
        add(1)
    }

    /// Adds `amount`; negative amounts are ignored (a counter never goes down).
    public func add(_ amount: Int) {
        guard amount > 0 else { return }
        count.wrappingAdd(amount, ordering: .relaxed)
    }

    /// The current value.
    public var value: Int {
        count.load(ordering: .relaxed)
    }

    func render(name: String, into out: inout String) {
        out += name
        out += renderedLabels
        out += " "
        out += String(value)
        out += "\n"
    }
}
