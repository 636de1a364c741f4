/// Lowercase hexadecimal digits: the one table the project writes hex with.
public enum Hex {
    /// The digit of a nibble (0–15).
    @inlinable @inline(__always)
    public static func digit(_ nibble: UInt8) -> UInt8 {
        let n = nibble & 0x0F
        return n < 10 ? 0x30 + n : 0x57 + n
    }

    /// Appends two digits per byte to `out`.
    @inlinable
    public static func append<Bytes: Sequence<UInt8>>(_ bytes: Bytes, to out: inout [UInt8]) {
        for byte in bytes {
            out.append(digit(byte >> 4))
            out.append(digit(byte))
        }
    }

    /// Two lowercase digits per byte.
    public static func string<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        append(bytes, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The value of one hex digit (either case), nil for anything else.
    @inlinable
    public static func value(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x61...0x66: return c - 0x57
        case 0x41...0x46: return c - 0x37
        default: return nil
        }
    }

    /// True for `0-9a-f` (lowercase only, as W3C trace context and UUIDs we write use).
    @inlinable @inline(__always)
    public static func isLowercaseDigit(_ c: UInt8) -> Bool { (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) }
}
