import Foundation
import Testing

@testable import Basics
import Basics

/// `RFC3339.milliseconds` (hot path: the sync-lag metric reads every published event's time)
/// against Foundation's ISO 8601 parser, and `format` round trips.
@Suite struct RFC3339Tests {
    private func foundation(_ text: String) -> Int64? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: text) { return Int64((d.timeIntervalSince1970 * 1000).rounded()) }
        f.formatOptions = [.withInternetDateTime]
        return f.date(from: text).map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }
    }

    @Test func agreesWithFoundation() {
        let texts = [
            "1970-01-01T00:00:00Z", "2026-11-27T10:15:00Z", "2026-11-27T10:15:00.123Z", "2024-02-29T23:59:59.999Z",
            "2000-03-01T00:00:00+01:00", "1999-12-31T23:30:00-05:30", "2100-02-28T12:00:00.5Z",
            "1969-07-20T20:17:40Z", "1900-01-01T00:00:00Z",
        ]
        for text in texts {
            #expect(RFC3339.milliseconds(text) == foundation(text), "\(text)")
        }
    }

    @Test func roundTripsTheFormatter() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let ms = Int64.random(in: -2_000_000_000_000...4_000_000_000_000, using: &rng)
            #expect(RFC3339.milliseconds(RFC3339.format(milliseconds: ms)) == ms)
            #expect(RFC3339.formatBytes(milliseconds: ms) == Array(RFC3339.format(milliseconds: ms).utf8))
        }
        for ms in [Int64.min, Int64.max, 0, -1, 253_402_300_799_999, 253_402_300_800_000] {
            #expect(RFC3339.formatBytes(milliseconds: ms) == Array(RFC3339.format(milliseconds: ms).utf8), "\(ms)")
        }
    }

    @Test func acceptsLowerCaseSeparators() {
        // RFC 3339 §5.6 allows "t" and "z"; Foundation's parser does not.
        #expect(RFC3339.milliseconds("2026-01-01t00:00:00z") == RFC3339.milliseconds("2026-01-01T00:00:00Z"))
    }

    @Test func truncatesDigitsPastMilliseconds() {
        #expect(RFC3339.milliseconds("2026-11-27T10:15:00.123999Z") == RFC3339.milliseconds("2026-11-27T10:15:00.123Z"))
        #expect(RFC3339.milliseconds("2026-11-27T10:15:00.1Z") == RFC3339.milliseconds("2026-11-27T10:15:00.100Z"))
    }

    @Test func rejectsWhatIsNotADateTime() {
        for text in ["", "2026-11-27", "2026-11-27T10:15:00", "2026-11-27T10:15:00.Z", "2026-13-01T00:00:00Z",
                     "2026-11-27T24:00:00Z", "2026-11-27T10:15:00+0100", "2026-11-27T10:15:00Z ", "2026/11/27T10:15:00Z",
                     "2026-11-27T10:15:00+01:00:00", "２026-11-27T10:15:00Z"] {
            #expect(RFC3339.milliseconds(text) == nil, "\(text)")
        }
    }

    /// `formatsExactly` says exactly when the text `format(milliseconds:)` writes reads back as
    /// the same instant (the encode stage then skips reading it back).
    @Test func formatsExactlyMatchesTheRoundTrip() {
        var rng = SystemRandomNumberGenerator()
        let edges: [Int64] = [0, -1, 1, 253_402_300_799_999, 253_402_300_800_000, -62_135_596_800_000, -62_135_596_800_001, 300_000_000_000_000,
                              -300_000_000_000_000, .min, .max, .min + 1, .max - 1]
        for ms in edges + (0..<2_000).map({ _ in Int64.random(in: -300_000_000_000_000...300_000_000_000_000, using: &rng) }) {
            let exact = RFC3339.milliseconds(RFC3339.format(milliseconds: ms)) == ms
            if RFC3339.formatsExactly(milliseconds: ms) { #expect(exact, "\(ms)") }
        }
    }

    /// Every instant formats (a Kafka timestamp is whatever the producer set): outside years
    /// 1–9999 as the nearest instant inside, never a trap and never a wrapped year.
    @Test func formatIsTotalAndClampsOutsideYearsOneTo9999() {
        #expect(RFC3339.format(milliseconds: .min) == "0001-01-01T00:00:00.000Z")
        #expect(RFC3339.format(milliseconds: -62_135_596_800_001) == "0001-01-01T00:00:00.000Z")
        #expect(RFC3339.format(milliseconds: -62_135_596_800_000) == "0001-01-01T00:00:00.000Z")
        #expect(RFC3339.format(milliseconds: 253_402_300_799_999) == "9999-12-31T23:59:59.999Z")
        #expect(RFC3339.format(milliseconds: 300_000_000_000_000) == "9999-12-31T23:59:59.999Z")
        #expect(RFC3339.format(milliseconds: .max) == "9999-12-31T23:59:59.999Z")
    }
}
