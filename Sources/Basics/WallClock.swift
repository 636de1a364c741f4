import Foundation

/// The wall clock in the units the store, the ledger and the DLQ headers use.
public enum WallClock {
    /// Milliseconds since the Unix epoch, now (rounded down).
    public static func nowMillis() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

    /// Seconds since the Unix epoch, now, with a fraction (for lags and ages).
    public static func nowSeconds() -> Double { Date().timeIntervalSince1970 }
}
