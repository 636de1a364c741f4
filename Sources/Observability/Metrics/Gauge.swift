import Synchronization

/// A value that goes up and down, for one label set of a gauge family.
///
/// Obtain it once from ``MetricsRegistry/gauge(_:help:labels:)`` and keep it. The value is a
/// `Double` held as its bit pattern in one atomic word: `set` is a single store, `add` a
/// compare-and-swap loop that is uncontended when one thread owns the gauge.
public final class Gauge: Sendable {
    private let bits = Atomic<UInt64>(0)
    /// The rendered label set, computed once at creation.
    let renderedLabels: String

    init(renderedLabels: String) {
        self.renderedLabels = renderedLabels
    }

    /// Sets the value.
    public func set(_ value: Double) {
        bits.store(value.bitPattern, ordering: .relaxed)
    }

    /// Sets the value from an integer (in-flight inputs, parked events).
    public func set(_ value: Int) {
        set(Double(value))
    }

    /// Adds `delta` (negative to subtract).
    public func add(_ delta: Double) {
        bits.addDouble(delta)
    }

    /// Adds one.
    public func increment() { add(1) }

    /// Subtracts one.
    public func decrement() { add(-1) }

    /// The current value.
    public var value: Double {
        bits.doubleValue
    }

    func render(name: String, into out: inout String) {
        out += name
        out += renderedLabels
        out += " "
        out += ExpositionFormat.formatValue(value)
        out += "\n"
    }
}
