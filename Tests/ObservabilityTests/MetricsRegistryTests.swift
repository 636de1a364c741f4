import Foundation
import Testing
@testable import Observability
import Observability

@Suite struct MetricsRegistryTests {
    /// Captured log lines (misuse is reported, never a crash); shared with the logger tests.
    typealias Lines = LoggerTests.Lines

    @Test func rendersCountersAndGaugesExactlyWithHelpTypeAndSortedLabels() {
        let registry = MetricsRegistry(logger: .disabled)
        registry.counter("b_events_total", help: "Events.", labels: ["type": "x", "subscriber": "gl"]).add(3)
        registry.counter("b_events_total", help: "Events.", labels: ["subscriber": "ar", "type": "y"]).increment()
        registry.gauge("a_parked", help: "Parked.").set(2.5)
        #expect(registry.render() == """
            # HELP a_parked Parked.
            # TYPE a_parked gauge
            a_parked 2.5
            # HELP b_events_total Events.
            # TYPE b_events_total counter
            b_events_total{subscriber="gl",type="x"} 3
            b_events_total{subscriber="ar",type="y"} 1

            """)
    }

    @Test func sameNameAndLabelsReturnTheSameChild() {
        let registry = MetricsRegistry(logger: .disabled)
        let a = registry.counter("c_total", help: "h", labels: ["topic": "t"])
        let b = registry.counter("c_total", help: "h", labels: ["topic": "t"])
        #expect(a === b)
        a.increment()
        #expect(b.value == 1)
    }

    @Test func escapesLabelValuesAndHelp() {
        let registry = MetricsRegistry(logger: .disabled)
        registry.counter("e_total", help: "back\\slash\nnew line \"quoted\"", labels: ["v": "a\\b\"c\nd"]).increment()
        #expect(registry.render() == """
            # HELP e_total back\\\\slash\\nnew line "quoted"
            # TYPE e_total counter
            e_total{v="a\\\\b\\"c\\nd"} 1

            """)
    }

    @Test func histogramBucketsAreCumulativeWithInfSumAndCount() {
        let registry = MetricsRegistry(logger: .disabled)
        let h = registry.histogram("lat_seconds", help: "Latency.", buckets: [0.1, 0.005, 1, .infinity, 0.1], labels: ["s": "x"])
        #expect(h.upperBounds == [0.005, 0.1, 1])
        for v in [0.00390625, 0.00390625, 0.0625, 0.5, 0.5, 7] { h.observe(v) }  // exact in binary
        h.observe(Double.nan)
        #expect(h.count == 6)
        #expect(h.cumulativeCounts == [2, 3, 5, 6])
        #expect(registry.render() == """
            # HELP lat_seconds Latency.
            # TYPE lat_seconds histogram
            lat_seconds_bucket{s="x",le="0.005"} 2
            lat_seconds_bucket{s="x",le="0.1"} 3
            lat_seconds_bucket{s="x",le="1"} 5
            lat_seconds_bucket{s="x",le="+Inf"} 6
            lat_seconds_sum{s="x"} 8.0703125
            lat_seconds_count{s="x"} 6

            """)
    }

    @Test func histogramBucketBoundsAreInclusive() {
        let registry = MetricsRegistry(logger: .disabled)
        let h = registry.histogram("b_seconds", help: "h", buckets: [0.005, 0.1])
        h.observe(0.005)
        h.observe(0.1)
        h.observe(0.1000001)
        #expect(h.cumulativeCounts == [1, 2, 3])
    }

    @Test func histogramObservesDurations() {
        let registry = MetricsRegistry(logger: .disabled)
        let h = registry.histogram("d_seconds", help: "h", buckets: [0.001, 1])
        h.observe(nanoseconds: 500_000)
        h.observe(Duration.milliseconds(20))
        #expect(h.cumulativeCounts == [1, 2, 2])
        #expect(abs(h.sum - 0.0205) < 1e-12)
    }

    /// As Prometheus's `histogram_quantile`: the rank's bucket, interpolated linearly; a reading
    /// taken earlier is subtracted first, so a benchmark can leave its warm-up out.
    @Test func histogramQuantilesInterpolateWithinTheRanksBucket() {
        let registry = MetricsRegistry(logger: .disabled)
        let h = registry.histogram("q_seconds", help: "h", buckets: [0.001, 0.002, 0.004])
        let empty = h.cumulativeCounts
        #expect(Histogram.quantile(0.5, upperBounds: h.upperBounds, cumulative: empty) == nil)
        for _ in 0..<10 { h.observe(0.0005) }              // 10 in (0, 1 ms]
        for _ in 0..<10 { h.observe(0.003) }               // 10 in (2, 4 ms]
        let warm = h.cumulativeCounts
        #expect(warm == [10, 10, 20, 20])
        func close(_ a: Double?, _ b: Double) -> Bool { a.map { abs($0 - b) < 1e-12 } ?? false }
        // rank 5 of 20: half-way through the first bucket; rank 15: half-way through (2, 4].
        #expect(close(Histogram.quantile(0.25, upperBounds: h.upperBounds, cumulative: warm), 0.0005))
        #expect(close(Histogram.quantile(0.75, upperBounds: h.upperBounds, cumulative: warm), 0.003))
        #expect(close(Histogram.quantile(1, upperBounds: h.upperBounds, cumulative: warm), 0.004))
        for _ in 0..<4 { h.observe(0.0015) }               // after the warm-up: 4 in (1, 2 ms]
        h.observe(9)                                       // and 1 beyond the last bound
        let now = h.cumulativeCounts
        // Since the warm-up: 5 observations, rank 2.5 in (1, 2 ms] holding 4 → 1 + 2.5/4 ms; rank
        // 4.95 is in +Inf → the last finite bound.
        #expect(close(Histogram.quantile(0.5, upperBounds: h.upperBounds, cumulative: now, since: warm), 0.001625))
        #expect(Histogram.quantile(0.99, upperBounds: h.upperBounds, cumulative: now, since: warm) == 0.004)
        // All 25: rank 12.5 in (1, 2 ms], 10 below it → 1 + 2.5/4 ms too.
        #expect(close(Histogram.quantile(0.5, upperBounds: h.upperBounds, cumulative: now), 0.001625))
        #expect(Histogram.quantile(0.5, upperBounds: h.upperBounds, cumulative: now, since: now) == nil)
    }

    @Test func formatsSpecialValues() {
        #expect(ExpositionFormat.formatValue(.infinity) == "+Inf")
        #expect(ExpositionFormat.formatValue(-.infinity) == "-Inf")
        #expect(ExpositionFormat.formatValue(.nan) == "NaN")
        #expect(ExpositionFormat.formatValue(42) == "42")
        #expect(ExpositionFormat.formatValue(-3) == "-3")
        #expect(ExpositionFormat.formatValue(0.00005) == "5e-05")
        #expect(ExpositionFormat.formatValue(1e300) == "1e+300")
    }

    @Test func gaugesSetAddAndReadCallbacksAtScrapeTime() {
        let registry = MetricsRegistry(logger: .disabled)
        let g = registry.gauge("g", help: "h")
        g.set(10)
        g.increment()
        g.add(-0.5)
        g.decrement()
        #expect(g.value == 9.5)
        let source = Lines()
        registry.gauge("cb_bytes", help: "h") { Double(source.all.count) }
        source.append("x")
        source.append("y")
        registry.callback("cb_lag", help: "h", type: .gauge) {
            [.init(labels: ["partition": "0"], value: 4), .init(labels: ["partition": "1"], value: 0)]
        }
        let text = registry.render()
        #expect(text.contains("cb_bytes 2\n"))
        #expect(text.contains("cb_lag{partition=\"0\"} 4\ncb_lag{partition=\"1\"} 0\n"))
        registry.removeCallback("cb_lag")
        #expect(!registry.render().contains("cb_lag"))
    }

    @Test func misuseIsLoggedAndDetachedNotFatal() {
        let lines = Lines()
        let registry = MetricsRegistry(logger: Logger(label: "t", sink: { lines.append($0) }), maxSeriesPerFamily: 2)
        registry.counter("no_suffix", help: "h").increment()
        registry.counter("bad name_total", help: "h").increment()
        registry.counter("x_total", help: "h", labels: ["le": "1"]).increment()
        registry.counter("ok_total", help: "h", labels: ["a": "1"]).increment()
        registry.counter("ok_total", help: "h", labels: ["b": "1"]).increment()
        registry.gauge("ok_total", help: "h").set(1)
        for i in 0..<5 { registry.counter("many_total", help: "h", labels: ["i": String(i)]).increment() }
        let text = registry.render()
        #expect(!text.contains("no_suffix"))
        #expect(!text.contains("bad name"))
        #expect(!text.contains("x_total"))
        #expect(text.contains("ok_total{a=\"1\"} 1"))
        #expect(!text.contains("ok_total{b="))
        #expect(text.components(separatedBy: "many_total{").count - 1 == 2)
        // Five mistakes plus one overflow report (logged once, not per extra series).
        #expect(lines.all.count == 6)
    }

    @Test func countersSumExactlyUnderConcurrentIncrementsFromThreads() {
        let registry = MetricsRegistry(logger: .disabled)
        let counter = registry.counter("hot_total", help: "h")
        let histogram = registry.histogram("hot_seconds", help: "h", buckets: [0.5])
        let threads = 4
        let perThread = 200_000
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            let mine = registry.counter("hot_total", help: "h")
            for _ in 0..<perThread {
                mine.increment()
                histogram.observe(0.25)
            }
        }
        #expect(counter.value == threads * perThread)
        #expect(histogram.count == threads * perThread)
        #expect(histogram.sum == Double(threads * perThread) * 0.25)
    }

}
