/// Deterministic canonical `finance.invoice.posted` v2 inputs: the `{"type","data"}` envelope,
/// 10 lines, amounts computed in cents so every finance rule holds, a distinct invoice (dedup
/// key) per event. About 1.9 KB of compact JSON (the required line fields alone make ~120 bytes
/// a line).
enum InvoiceEvents {
    static func cents(_ c: Int) -> String {
        let frac = c % 100
        return "\(c / 100).\(frac < 10 ? "0" : "")\(frac)"
    }

    /// Event `n` of run `run`: same inputs give the same bytes.
    static func value(_ n: Int, run: String) -> [UInt8] {
        var state = UInt64(truncatingIfNeeded: n) &* 0x9E37_79B9_7F4A_7C15 &+ 0x5EED
        func next(_ range: ClosedRange<Int>) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return range.lowerBound + Int((state >> 33) % UInt64(range.count))
        }
        var lines: [String] = []
        var net = 0
        var tax = 0
        for i in 1...10 {
            let qty = next(1...20)
            let price = next(100...250_000)
            let lineNet = qty * price
            let lineTax = (lineNet * 19 + 50) / 100
            net += lineNet
            tax += lineTax
            lines.append(#"{"lineNumber":\#(i),"description":"Item \#(i)","quantity":"\#(qty)","unitPrice":"\#(cents(price))","netAmount":"\#(cents(lineNet))","taxCode":"S","taxRate":"19","taxAmount":"\#(cents(lineTax))"}"#)
        }
        let day = 1 + n % 28
        let d = day < 10 ? "0\(day)" : "\(day)"
        let hex = String(n, radix: 16)
        let tail = String(repeating: "0", count: max(0, 12 - hex.count)) + hex
        let data = #"{"eventId":"6b0e2f4c-1d3a-4e5f-8a9b-\#(tail)","occurredAt":"2025-03-\#(d)T10:15:00Z","sourceSystem":"sap-s4","sourceReference":"BKPF-\#(n)","invoiceId":"INV-\#(run)-\#(n)","invoiceNumber":"\#(run)-\#(n)","revision":\#(1 + n % 5),"customerId":"CUST-\#(n % 997)","issueDate":"2025-03-\#(d)","dueDate":"2025-04-\#(d)","currency":"EUR","lines":[\#(lines.joined(separator: ","))],"netTotal":"\#(cents(net))","taxTotal":"\#(cents(tax))","grossTotal":"\#(cents(net + tax))","postingDate":"2025-03-\#(d)","accountingPeriod":"2025-03","companyCode":"DE01","receivableAccount":"1400","journalEntryId":"JE-\#(n)","taxJurisdiction":"DE","tax":{"amount":"\#(cents(tax))","jurisdiction":"DE","regime":"standard"}}"#
        return Array(#"{"type":"finance.invoice.posted","data":\#(data)}"#.utf8)
    }

    static func key(_ n: Int, run: String) -> [UInt8] { Array("INV-\(run)-\(n)".utf8) }
}
