import Foundation
import Testing
@testable import Basics

@Suite struct CivilDateTests {
    @Test func daysAndDatesAreInversesAcrossEras() {
        for days in stride(from: Int64(-800_000), through: 3_000_000, by: 997) {
            let (y, m, d) = CivilDate.date(days: days)
            #expect(CivilDate.days(year: y, month: m, day: d) == days)
            #expect((1...12).contains(m) && d >= 1 && d <= CivilDate.daysInMonth(year: y, month: m))
        }
        #expect(CivilDate.days(year: 1970, month: 1, day: 1) == 0)
        #expect(CivilDate.days(year: 2000, month: 3, day: 1) == 11_017)
        #expect(CivilDate.date(days: -1) == (1969, 12, 31))
    }

    @Test func leapYearsAndFloorDivision() {
        #expect(CivilDate.isLeap(2000) && CivilDate.isLeap(2024) && !CivilDate.isLeap(1900) && !CivilDate.isLeap(2023))
        #expect(CivilDate.daysInMonth(year: 2024, month: 2) == 29)
        #expect(CivilDate.floorDiv(-1, 86_400) == -1)
        #expect(CivilDate.floorDiv(86_399, 86_400) == 0)
        #expect(CivilDate.floorDiv(-86_400, 86_400) == -1)
    }
}

@Suite struct HexTests {
    @Test func writesLowercaseDigits() {
        #expect(Hex.string([0x00, 0x0f, 0xa5, 0xff]) == "000fa5ff")
        #expect((0...15).map { Hex.digit(UInt8($0)) } == Array("0123456789abcdef".utf8))
        #expect(Array("09af".utf8).allSatisfy(Hex.isLowercaseDigit))
        #expect(!Array("AFg/:".utf8).contains(where: Hex.isLowercaseDigit))
    }
}

@Suite struct PartitionPositionTests {
    @Test func parsesWhatItPrints() {
        let p = PartitionPosition(topic: "erp.finance:events", partition: 3, offset: 42)
        #expect(p.description == "erp.finance:events:3:42")
        #expect(PartitionPosition(parsing: p.description) == p)
        for bad in ["", "t:1", ":1:2", "t:-1:0", "t:1:-5", "t:x:1", "t:1:1.5"] {
            #expect(PartitionPosition(parsing: bad) == nil, "\(bad)")
        }
    }

    @Test func ordersByPartitionThenOffset() {
        let a = PartitionPosition(topic: "a", partition: 1, offset: 9)
        let b = PartitionPosition(topic: "a", partition: 2, offset: 0)
        let c = PartitionPosition(topic: "a", partition: 2, offset: 1)
        #expect([c, b, a].sorted() == [a, b, c])
    }
}

@Suite struct BackoffTests {
    @Test func doublesUpToTheMaximumAndResets() {
        var b = Backoff(initial: .milliseconds(10), maximum: .milliseconds(35))
        #expect([b.advance(), b.advance(), b.advance(), b.advance()] == [.milliseconds(10), .milliseconds(20), .milliseconds(35), .milliseconds(35)])
        b.reset()
        #expect(b.advance() == .milliseconds(10))
    }

    @Test func jitterStaysWithinItsBand() {
        var b = Backoff.faults(initialMs: 1000, maxMs: 1000)
        for _ in 0..<200 {
            let d = b.advance()
            #expect(d >= .milliseconds(800) && d <= .milliseconds(1200))
        }
    }

    @Test func aBlockingSleepEndsEarlyWhenItsConditionTurnsFalse() {
        var b = Backoff(initial: .seconds(5), maximum: .seconds(5))
        let started = ContinuousClock.now
        var calls = 0
        b.sleep(while: { calls += 1; return calls < 3 })
        #expect(ContinuousClock.now - started < .seconds(1))
    }
}

@Suite struct RFC3339ParserTests {
    @Test func datesAndDateTimesAreCalendarChecked() {
        #expect(RFC3339.parse("2024-02-29", allowDateOnly: true)?.hasTime == false)
        #expect(RFC3339.parse("2023-02-29", allowDateOnly: true) == nil)
        #expect(RFC3339.parse("2024-02-29") == nil)  // a date-time is required unless asked
        #expect(RFC3339.parse("2024-04-31T00:00:00Z") == nil)
        #expect(RFC3339.parse("2024-04-30 10:00:00Z") == nil)
        #expect(RFC3339.parse("2024-04-30 10:00:00Z", allowSpace: true)?.utcSeconds != nil)
        #expect(RFC3339.parse("2016-12-31T23:59:60Z")?.second == 60)
    }

    @Test func fractionsOffsetsAndInstants() throws {
        let t = try #require(RFC3339.parse("2024-05-01T10:00:00.1234567891+02:00"))
        #expect(t.fractionDigits == 10 && t.nanoseconds == 123_456_789 && t.fraction == "123456789")
        #expect(t.offsetSeconds == 7200)
        #expect(t.utcSeconds == RFC3339.parse("2024-05-01T08:00:00Z")?.utcSeconds)
        #expect(RFC3339.parse("2024-05-01T10:00:00")?.offsetSeconds == nil)
        #expect(RFC3339.parse("2024-05-01T10:00:00.050Z")?.fraction == "050")
    }

    @Test func formatsInstantsWithTheirOffsetAndDates() {
        #expect(RFC3339.format(utcSeconds: 0, fraction: "", offsetSeconds: nil) == "1970-01-01T00:00:00Z")
        #expect(RFC3339.format(utcSeconds: 0, fraction: "5", offsetSeconds: -5 * 3600) == "1969-12-31T19:00:00.5-05:00")
        #expect(RFC3339.format(utcSeconds: 0, fraction: "", offsetSeconds: 61) == "1970-01-01T00:00:00Z")  // not whole minutes: UTC
        #expect(RFC3339.format(utcSeconds: 253_402_300_800, fraction: "", offsetSeconds: nil) == nil)  // year 10000
        #expect(RFC3339.formatDate(days: 0) == "1970-01-01")
        #expect(RFC3339.formatDate(days: CivilDate.maxDays + 1) == nil)
        #expect(RFC3339.format(milliseconds: -1) == "1969-12-31T23:59:59.999Z")
    }
}

@Suite struct SHA256Tests {
    @Test func knownAnswers() {
        // FIPS 180-4 examples and NIST CAVS short/long messages.
        #expect(SHA256.hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hex([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func streamingInPiecesEqualsOneShot() {
        let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        for split in [0, 1, 55, 56, 63, 64, 65, 127, 500, 999] {
            var h = SHA256()
            h.update(data[..<split])
            h.update(data[split...])
            #expect(Hex.string(h.finalize()) == SHA256.hex(data), "split at \(split)")
        }
    }
}

/// `ExactText` is byte equality, where `String` is canonical equivalence.
@Suite struct ExactTextTests {
    @Test func canonicallyEquivalentTextsAreTwoKeys() {
        let composed = "Zürich-ÅS"  // U+00FC, U+00C5
        let decomposed = "Zu\u{308}rich-A\u{30A}S"
        #expect(composed == decomposed)
        #expect(ExactText(composed) != ExactText(decomposed))
        #expect(Set([ExactText(composed), ExactText(decomposed)]).count == 2)
        #expect(ExactText(composed) == ExactText(String(decoding: Array(composed.utf8), as: UTF8.self)))
        #expect(!composed.hasSameUTF8(as: decomposed) && composed.hasSameUTF8(as: "Zürich-ÅS"))
        // Equal texts hash alike; the count is fed too, so ("ab", "c") and ("a", "bc") differ.
        var a = Hasher(), b = Hasher()
        a.combineUTF8("ab"); a.combineUTF8("c")
        b.combineUTF8("a"); b.combineUTF8("bc")
        #expect(a.finalize() != b.finalize())
        #expect(ExactText("x").hashValue == ExactText("x").hashValue)
    }

    @Test func orderIsByteOrderAsSQLiteCompares() {
        // "é" (C3 A9) sorts after "z" (7A) in bytes; "e" + U+0301 (65 CC 81) before it.
        let texts = ["z", "é", "e\u{301}", "E", ""].map(ExactText.init)
        #expect(texts.sorted().map { Array($0.string.utf8) } == [[], [0x45], [0x65, 0xCC, 0x81], [0x7A], [0xC3, 0xA9]])
    }
}

@Suite struct BytesTableTests {
    /// Keys alike in length and first bytes (as a catalog's event types are), the empty key,
    /// non-ASCII keys; found by `String` and by bytes, and nothing else found.
    @Test func findsEveryKeyAndNothingElse() {
        var keys = ["", "a", "finance.invoice.posted", "finance.invoice.voided", "finance.payment.posted", "caf\u{E9}", "cafe\u{301}"]
        for n in 0..<300 { keys.append("finance.type\(n).posted") }
        let table = BytesTable(keys.enumerated().map { ($0.element, $0.offset) })
        #expect(table.count == keys.count)
        for (i, key) in keys.enumerated() {
            #expect(table[key] == i, "\(key)")
            #expect(Array(key.utf8).withUnsafeBytes { table[bytes: $0] } == i, "\(key)")
        }
        // Neither prefixes, extensions, other normalizations nor case find a key.
        for other in ["finance.invoice.poste", "finance.invoice.posted ", "Finance.invoice.posted", "caf\u{E9}\u{301}", "b", "finance.type300.posted"] {
            #expect(table[other] == nil, "\(other)")
        }
        #expect(table["caf\u{E9}"] == 5 && table["cafe\u{301}"] == 6)
    }

    /// The word-at-a-time comparison finds a difference at every position of every length, the
    /// last word overlapping the one before it; equal bytes hash alike wherever they are stored.
    @Test func bytesCompareAndHashWordByWord() {
        for length in 0...40 {
            let bytes = (0..<length).map { UInt8(0x41 + $0 % 26) }
            let padded = [UInt8(0xFF)] + bytes + [0xFF]
            bytes.withUnsafeBytes { key in
                padded.withUnsafeBytes { stored in
                    let at = stored.baseAddress.unsafelyUnwrapped + 1
                    #expect(BytesTable<Int>.equal(at, key), "length \(length)")
                    #expect(BytesTable<Int>.hash(UnsafeRawBufferPointer(start: at, count: length)) == BytesTable<Int>.hash(key))
                }
            }
            for position in 0..<length {
                var other = bytes
                other[position] ^= 0x20
                other.withUnsafeBytes { changed in
                    bytes.withUnsafeBytes { key in #expect(!BytesTable<Int>.equal(changed.baseAddress.unsafelyUnwrapped, key), "length \(length), at \(position)") }
                }
            }
        }
    }

    @Test func aRepeatedKeyKeepsItsLastValue() {
        let table = BytesTable([("x", 1), ("y", 2), ("x", 3)])
        #expect(table.count == 2 && table["x"] == 3 && table["y"] == 2 && table.keys == ["x", "y"])
    }
}
