import Contracts

/// A small deterministic generator (SplitMix64), so every run benchmarks the same documents.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Valid `finance.invoice.posted` v2 documents with 10 lines each, amounts computed in integer
/// cents so totals, tax and rules hold exactly.
enum InvoiceGenerator {
    static func cents(_ c: Int) -> String {
        let sign = c < 0 ? "-" : ""
        let m = abs(c)
        let frac = m % 100
        return "\(sign)\(m / 100).\(frac < 10 ? "0" : "")\(frac)"
    }

    static func documents(count: Int, seed: UInt64) -> [String] {
        var rng = SplitMix64(state: seed)
        var out: [String] = []
        out.reserveCapacity(count)
        for n in 0..<count {
            var lines: [String] = []
            var net = 0
            var tax = 0
            for i in 1...10 {
                let qty = Int.random(in: 1...20, using: &rng)
                let price = Int.random(in: 100...250_000, using: &rng)
                let lineNet = qty * price
                let lineTax = (lineNet * 19 + 50) / 100
                net += lineNet
                tax += lineTax
                lines.append(#"{"lineNumber":\#(i),"description":"Service item \#(i)","quantity":"\#(qty)","unitPrice":"\#(cents(price))","netAmount":"\#(cents(lineNet))","taxCode":"S","taxRate":"19","taxAmount":"\#(cents(lineTax))"}"#)
            }
            let day = 1 + n % 28
            let d = day < 10 ? "0\(day)" : "\(day)"
            let uuidTail = String(String(n, radix: 16).reversed()).padding(toLength: 12, withPad: "0", startingAt: 0)
            let doc = #"{"eventId":"6b0e2f4c-1d3a-4e5f-8a9b-\#(uuidTail)","occurredAt":"2025-03-\#(d)T10:15:00Z","sourceSystem":"sap-s4","sourceReference":"BKPF-\#(n)","invoiceId":"INV-\#(100000 + n)","invoiceNumber":"2025-\#(n)","revision":\#(1 + n % 5),"customerId":"CUST-\#(n % 997)","issueDate":"2025-03-\#(d)","dueDate":"2025-04-\#(d)","currency":"EUR","lines":[\#(lines.joined(separator: ","))],"netTotal":"\#(cents(net))","taxTotal":"\#(cents(tax))","grossTotal":"\#(cents(net + tax))","postingDate":"2025-03-\#(d)","accountingPeriod":"2025-03","companyCode":"DE01","receivableAccount":"1400","journalEntryId":"JE-\#(n)","taxJurisdiction":"DE","tax":{"amount":"\#(cents(tax))","jurisdiction":"DE","regime":"standard"}}"#
            out.append(doc)
        }
        return out
    }
}
