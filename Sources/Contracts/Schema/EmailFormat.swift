/// The `email` format: RFC 5321 `Mailbox` — a dot-atom or quoted-string local part, `@`, and a
/// host name or an address literal (`[127.0.0.1]`, `[IPv6:::1]`). ASCII only (no `idn-email`).
enum EmailFormat {
    static func isValid(_ text: String) -> Bool {
        let b = Array(text.utf8)
        guard let at = b.lastIndex(of: UInt8(ascii: "@")), at > 0, at < b.count - 1 else { return false }
        return isLocalPart(b[..<at]) && isDomain(b[(at + 1)...])
    }

    /// `atext` of RFC 5322: letters, digits and ``!#$%&'*+-/=?^_`{|}~``.
    static func isAtext(_ c: UInt8) -> Bool {
        if (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) { return true }
        return "!#$%&'*+-/=?^_`{|}~".utf8.contains(c)
    }

    static func isLocalPart(_ b: ArraySlice<UInt8>) -> Bool {
        guard b.count <= 64 else { return false }
        if b.first == UInt8(ascii: "\"") {
            // quoted-string: printable ASCII, with \" and \\ escapes, closed by the last byte.
            guard b.count >= 2, b.last == UInt8(ascii: "\"") else { return false }
            var i = b.startIndex + 1
            while i < b.endIndex - 1 {
                let c = b[i]
                if c == UInt8(ascii: "\\") {
                    guard i + 1 < b.endIndex - 1, b[i + 1] >= 0x20, b[i + 1] < 0x7F else { return false }
                    i += 2
                    continue
                }
                guard c >= 0x20, c < 0x7F, c != UInt8(ascii: "\"") else { return false }
                i += 1
            }
            return true
        }
        return isDotAtom(b, allowed: isAtext)
    }

    /// Non-empty runs of allowed bytes separated by single dots.
    static func isDotAtom(_ b: ArraySlice<UInt8>, allowed: (UInt8) -> Bool) -> Bool {
        guard !b.isEmpty else { return false }
        var previousDot = true
        for c in b {
            if c == UInt8(ascii: ".") {
                if previousDot { return false }
                previousDot = true
            } else {
                guard allowed(c) else { return false }
                previousDot = false
            }
        }
        return !previousDot
    }

    static func isDomain(_ b: ArraySlice<UInt8>) -> Bool {
        if b.first == UInt8(ascii: "[") {
            guard b.last == UInt8(ascii: "]"), b.count > 2 else { return false }
            let inner = b.dropFirst().dropLast()
            let ipv6Tag = Array("IPv6:".utf8)
            if inner.starts(with: ipv6Tag) { return isIPv6(String(decoding: inner.dropFirst(ipv6Tag.count), as: UTF8.self)) }
            return isIPv4(inner)
        }
        guard b.count <= 253 else { return false }
        for label in b.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
            guard !label.isEmpty, label.count <= 63, label.first != UInt8(ascii: "-"), label.last != UInt8(ascii: "-") else { return false }
            for c in label {
                let ok = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == UInt8(ascii: "-")
                guard ok else { return false }
            }
        }
        return true
    }

    /// Dotted quad, each part 0–255 without leading zeros.
    static func isIPv4(_ b: ArraySlice<UInt8>) -> Bool {
        let parts = b.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return false }
            if part.count > 1 && part.first == 0x30 { return false }
            guard let v = Int(String(decoding: part, as: UTF8.self)), v <= 255 else { return false }
        }
        return true
    }

    /// RFC 4291 text form: up to eight hex groups, one `::`, an optional trailing IPv4 quad.
    static func isIPv6(_ text: String) -> Bool {
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return false }
        var groups = 0
        for (h, half) in halves.enumerated() where !half.isEmpty {
            let pieces = half.split(separator: ":", omittingEmptySubsequences: false)
            for (i, piece) in pieces.enumerated() {
                if piece.contains("."), h == halves.count - 1, i == pieces.count - 1 {
                    guard isIPv4(Array(piece.utf8)[...]) else { return false }
                    groups += 2
                    continue
                }
                guard (1...4).contains(piece.count), piece.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x66) }) else { return false }
                groups += 1
            }
        }
        return halves.count == 2 ? groups <= 7 : groups == 8
    }
}

private extension String {
    /// Splits on a separator string (Foundation-free).
    func components(separatedBy separator: String) -> [String] {
        var out: [String] = []
        var rest = Substring(self)
        while let range = rest.firstRange(of: separator) {
            out.append(String(rest[..<range.lowerBound]))
            rest = rest[range.upperBound...]
        }
        out.append(String(rest))
        return out
    }
}
