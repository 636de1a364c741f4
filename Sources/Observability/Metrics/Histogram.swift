import Synchronization

/// A distribution of observations over fixed buckets, for one label set of a histogram family.
///
/// Obtain it once from ``MetricsRegistry/histogram(_:help:buckets:labels:)`` and keep it.
/// `observe` finds the bucket (a short binary search), does one relaxed atomic add on it and a
/// compare-and-swap on the sum; the count is derived from the buckets at scrape time, so a
/// scrape always sees `_count` equal to the `+Inf` bucket.
public final class Histogram: @unchecked Sendable {
    // @unchecked Sendable: `counts` points at `upperBounds.count + 1` atomics allocated in init,
    // never reallocated and freed only in deinit; every access goes through the atomics. All
    // other stored properties are immutable.

    /// Upper bounds of the finite buckets, ascending; the `+Inf` bucket is implicit.
    public let upperBounds: [Double]
    /// Non-cumulative counts per bucket; index `upperBounds.count` is the `+Inf` bucket.
    private let counts: UnsafeMutablePointer<Atomic<Int>>
    private let sumBits = Atomic<UInt64>(0)
    /// Rendered label sets: one per bucket including `+Inf` (with `le`), then the plain set.
    private let bucketLabels: [String]
    let renderedLabels: String

    /// - Parameters:
    ///   - upperBounds: finite bucket bounds, ascending and unique (the registry checks).
    ///   - labels: the label set in render order.
    init(upperBounds: [Double], labels: [(name: String, value: String)]) {
        self.upperBounds = upperBounds
        let n = upperBounds.count + 1
        counts = UnsafeMutablePointer<Atomic<Int>>.allocate(capacity: n)
        for i in 0..<n { (counts + i).initialize(to: Atomic<Int>(0)) }
        var rendered: [String] = upperBounds.map {
            ExpositionFormat.renderLabels(labels, extra: (name: "le", value: ExpositionFormat.formatValue($0)))
        }
        rendered.append(ExpositionFormat.renderLabels(labels, extra: (name: "le", value: "+Inf")))
        bucketLabels = rendered
        renderedLabels = ExpositionFormat.renderLabels(labels)
    }

    deinit {
        counts.deinitialize(count: upperBounds.count + 1)
        counts.deallocate()
    }

    /// Records one observation (in the family's base unit, e.g. seconds). NaN is ignored.
    public func observe(_ value: Double) {
        if value.isNaN { return }
        // First bucket whose upper bound is >= value (`le` is inclusive).
        var low = 0
        var high = upperBounds.count
        while low < high {
            let mid = (low + high) >> 1
            if upperBounds[mid] < value { low = mid + 1 } else { high = mid }
        }
        counts[low].wrappingAdd(1, ordering: .relaxed)
        sumBits.addDouble(value)
    }

    /// Records a duration given in nanoseconds (e.g. from `DispatchTime.uptimeNanoseconds`
    /// differences) as seconds.
    public func observe(nanoseconds: UInt64) {
        observe(Double(nanoseconds) / 1_000_000_000)
    }

    /// Records a `Duration` (from `ContinuousClock`) as seconds.
    public func observe(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        observe(Double(seconds) + Double(attoseconds) / 1e18)
    }

    /// The number of observations so far.
    public var count: Int {
        var total = 0
        for i in 0...upperBounds.count { total += counts[i].load(ordering: .relaxed) }
        return total
    }

    /// The sum of the observations so far.
    public var sum: Double {
        sumBits.doubleValue
    }

    /// Cumulative counts per bucket as Prometheus reports them (last entry is `+Inf`).
    public var cumulativeCounts: [Int] {
        var running = 0
        return (0...upperBounds.count).map { i in
            running += counts[i].load(ordering: .relaxed)
            return running
        }
    }

    /// The `q`-quantile (0…1) of the observations between two readings of `cumulativeCounts`
    /// (`since` nil: from the start), estimated as Prometheus's `histogram_quantile` does: the
    /// bucket the rank falls in, linearly interpolated between its bounds (the first bucket's lower
    /// bound is 0). A rank in the `+Inf` bucket gives the largest finite bound. Nil without
    /// observations.
    public static func quantile(_ q: Double, upperBounds: [Double], cumulative: [Int], since: [Int]? = nil) -> Double? {
        precondition(cumulative.count == upperBounds.count + 1 && (since?.count ?? cumulative.count) == cumulative.count,
                     "counts of another histogram")
        let counts = since.map { base in zip(cumulative, base).map { $0 - $1 } } ?? cumulative
        guard let total = counts.last, total > 0, (0...1).contains(q) else { return nil }
        let rank = q * Double(total)
        guard let i = counts.firstIndex(where: { Double($0) >= rank }), i < upperBounds.count else { return upperBounds.last }
        let lower = i == 0 ? 0 : upperBounds[i - 1]
        let below = i == 0 ? 0 : counts[i - 1]
        let inBucket = counts[i] - below
        guard inBucket > 0 else { return upperBounds[i] }
        return lower + (upperBounds[i] - lower) * (rank - Double(below)) / Double(inBucket)
    }

    func render(name: String, into out: inout String) {
        var running = 0
        for i in 0...upperBounds.count {
            running += counts[i].load(ordering: .relaxed)
            out += name
            out += "_bucket"
            out += bucketLabels[i]
            out += " "
            out += String(running)
            out += "\n"
        }
        out += name + "_sum" + renderedLabels + " " + ExpositionFormat.formatValue(sum) + "\n"
        out += name + "_count" + renderedLabels + " " + String(running) + "\n"
    }
}
