import Contracts
import Foundation
import Testing
@testable import EventBridge

/// Throughput of the hot path; opt-in (`ADAPTER_BENCH=1 swift test -c release --filter AdapterBenchmark`).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["ADAPTER_BENCH"] != nil))
struct AdapterBenchmarkTests {
    private typealias S = AdapterTestSupport

    private func measure(_ label: String, _ adapter: any Adapter, _ input: AdapterInput, iterations: Int = 50_000) {
        var events = 0
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            for _ in 0..<iterations {
                if case .events(let e) = adapter.adapt(input) { events += e.count }
            }
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("\(label): \(Int(Double(iterations) / seconds)) inputs/s, \(events / iterations) event(s) each")
        #expect(events == iterations * max(1, events / iterations))
    }

    @Test func stripeInvoiceWithTwoLines() throws {
        let input = try S.input(#"""
            {"id": "evt_1", "object": "event", "created": 1772359200, "type": "invoice.finalized", "data": {"object":
             {"id": "in_1", "customer": "cus_1", "number": "N-1", "currency": "usd", "total": 12550, "tax": 1550,
              "created": 1772290000, "due_date": 1774915200, "status": "open", "status_transitions": {"finalized_at": 1772359200},
              "lines": {"data": [
                {"id": "il_1", "amount": 10000, "currency": "usd", "description": "Pro", "quantity": 2, "price": {"unit_amount": 5000}},
                {"id": "il_2", "amount": 1000, "currency": "usd", "description": "Setup", "quantity": 1, "price": {"unit_amount": 1000}}]}}}}
            """#)
        measure("stripe invoice.finalized", try S.adapter("stripe"), input)
    }

    @Test func canonicalEnvelope() throws {
        let input = try S.input(#"{"type": "finance.invoice.paid", "time": "2026-03-01T10:00:00Z", "data": {"invoiceId": "I-1"}}"#)
        measure("canonical envelope", CanonicalAdapter(), input)
    }
}
