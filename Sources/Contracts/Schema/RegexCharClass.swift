/// A set of Unicode scalars for the regex engine: sorted code point ranges plus Unicode property
/// tests (`\p{L}`), optionally negated (`[^…]`, `\P{…}`).
struct RegexCharClass: Sendable {
    /// A Unicode property usable in `\p{…}`: general categories (as a bit set) or one of a few
    /// binary properties.
    enum Property: Sendable {
        case categories(UInt64)
        case alphabetic
        case whiteSpace
        case uppercase
        case lowercase
        case any
        case ascii

        func contains(_ scalar: Unicode.Scalar) -> Bool {
            switch self {
            case .categories(let mask): return mask & RegexCharClass.categoryBit(scalar.properties.generalCategory) != 0
            case .alphabetic: return scalar.properties.isAlphabetic
            case .whiteSpace: return scalar.properties.isWhitespace
            case .uppercase: return scalar.properties.isUppercase
            case .lowercase: return scalar.properties.isLowercase
            case .any: return true
            case .ascii: return scalar.value < 0x80
            }
        }
    }

    private(set) var ranges: [ClosedRange<UInt32>] = []
    private(set) var properties: [(Property, negated: Bool)] = []
    var negated = false

    init() {}

    init(ranges: [ClosedRange<UInt32>], negated: Bool = false) {
        self.ranges = ranges
        self.negated = negated
        normalize()
    }

    mutating func add(_ range: ClosedRange<UInt32>) { ranges.append(range) }

    mutating func add(_ property: Property, negated: Bool) { properties.append((property, negated)) }

    /// Adds another class's members (a shorthand like `\d` or `\W` inside `[…]`).
    mutating func formUnion(_ other: RegexCharClass) {
        if other.negated {
            // Only range-only shorthands (\D, \S, \W) are negated here, so the complement is exact.
            ranges.append(contentsOf: RegexCharClass.complement(other.ranges))
        } else {
            ranges.append(contentsOf: other.ranges)
            properties.append(contentsOf: other.properties)
        }
    }

    /// Sorts and merges ranges so lookups can stop early.
    mutating func normalize() {
        ranges.sort { $0.lowerBound < $1.lowerBound }
        var merged: [ClosedRange<UInt32>] = []
        for r in ranges {
            if let last = merged.last, r.lowerBound <= last.upperBound &+ 1 {
                merged[merged.count - 1] = last.lowerBound...max(last.upperBound, r.upperBound)
            } else {
                merged.append(r)
            }
        }
        ranges = merged
    }

    @inline(__always)
    func contains(_ scalar: Unicode.Scalar) -> Bool {
        var found = rangesContain(scalar.value)
        if !found {
            for (p, neg) in properties where p.contains(scalar) != neg {
                found = true
                break
            }
        }
        return found != negated
    }

    /// Whether `value` lies in one of the ranges (properties and negation aside).
    @inline(__always)
    func rangesContain(_ value: UInt32) -> Bool {
        for r in ranges {
            if value < r.lowerBound { return false }
            if value <= r.upperBound { return true }
        }
        return false
    }

    static func complement(_ ranges: [ClosedRange<UInt32>]) -> [ClosedRange<UInt32>] {
        var out: [ClosedRange<UInt32>] = []
        var next: UInt32 = 0
        for r in RegexCharClass(ranges: ranges).ranges {
            if r.lowerBound > next { out.append(next...(r.lowerBound - 1)) }
            next = r.upperBound + 1
        }
        if next <= 0x10FFFF { out.append(next...0x10FFFF) }
        return out
    }

    // MARK: Shorthands (ECMA-262: \d and \w are ASCII; \s is Unicode white space and line terminators)

    static let digit = RegexCharClass(ranges: [0x30...0x39])
    static let word = RegexCharClass(ranges: [0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A])
    static let space = RegexCharClass(ranges: [
        0x09...0x0D, 0x20...0x20, 0xA0...0xA0, 0x1680...0x1680, 0x2000...0x200A, 0x2028...0x2029,
        0x202F...0x202F, 0x205F...0x205F, 0x3000...0x3000, 0xFEFF...0xFEFF,
    ])
    /// `.`: everything but line terminators.
    static let dot = RegexCharClass(ranges: [0x0A...0x0A, 0x0D...0x0D, 0x2028...0x2029], negated: true)

    static func isWord(_ scalar: Unicode.Scalar?) -> Bool {
        guard let v = scalar?.value else { return false }
        return (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5A) || v == 0x5F || (v >= 0x61 && v <= 0x7A)
    }

    // MARK: Unicode properties

    private static let categoryOrder: [Unicode.GeneralCategory] = [
        .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
        .nonspacingMark, .spacingMark, .enclosingMark,
        .decimalNumber, .letterNumber, .otherNumber,
        .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
        .initialPunctuation, .finalPunctuation, .otherPunctuation,
        .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol,
        .spaceSeparator, .lineSeparator, .paragraphSeparator,
        .control, .format, .surrogate, .privateUse, .unassigned,
    ]

    static func categoryBit(_ category: Unicode.GeneralCategory) -> UInt64 {
        guard let i = categoryOrder.firstIndex(of: category) else { return 0 }
        return 1 << UInt64(i)
    }

    private static func bits(_ range: Range<Int>) -> UInt64 {
        range.reduce(UInt64(0)) { $0 | (1 << UInt64($1)) }
    }

    /// The property named in `\p{name}` (general category short or long names, `gc=`/
    /// `General_Category=` forms, and a few binary properties); nil when unsupported (scripts).
    static func property(named raw: String) -> Property? {
        var name = raw
        for prefix in ["General_Category=", "gc="] where name.hasPrefix(prefix) { name = String(name.dropFirst(prefix.count)) }
        let table: [String: Range<Int>] = [
            "L": 0..<5, "Letter": 0..<5, "LC": 0..<3, "Cased_Letter": 0..<3,
            "Lu": 0..<1, "Uppercase_Letter": 0..<1, "Ll": 1..<2, "Lowercase_Letter": 1..<2,
            "Lt": 2..<3, "Titlecase_Letter": 2..<3, "Lm": 3..<4, "Modifier_Letter": 3..<4, "Lo": 4..<5, "Other_Letter": 4..<5,
            "M": 5..<8, "Mark": 5..<8, "Combining_Mark": 5..<8, "Mn": 5..<6, "Nonspacing_Mark": 5..<6,
            "Mc": 6..<7, "Spacing_Mark": 6..<7, "Me": 7..<8, "Enclosing_Mark": 7..<8,
            "N": 8..<11, "Number": 8..<11, "Nd": 8..<9, "Decimal_Number": 8..<9, "digit": 8..<9,
            "Nl": 9..<10, "Letter_Number": 9..<10, "No": 10..<11, "Other_Number": 10..<11,
            "P": 11..<18, "Punctuation": 11..<18, "punct": 11..<18, "Pc": 11..<12, "Connector_Punctuation": 11..<12,
            "Pd": 12..<13, "Dash_Punctuation": 12..<13, "Ps": 13..<14, "Open_Punctuation": 13..<14,
            "Pe": 14..<15, "Close_Punctuation": 14..<15, "Pi": 15..<16, "Initial_Punctuation": 15..<16,
            "Pf": 16..<17, "Final_Punctuation": 16..<17, "Po": 17..<18, "Other_Punctuation": 17..<18,
            "S": 18..<22, "Symbol": 18..<22, "Sm": 18..<19, "Math_Symbol": 18..<19, "Sc": 19..<20, "Currency_Symbol": 19..<20,
            "Sk": 20..<21, "Modifier_Symbol": 20..<21, "So": 21..<22, "Other_Symbol": 21..<22,
            "Z": 22..<25, "Separator": 22..<25, "Zs": 22..<23, "Space_Separator": 22..<23,
            "Zl": 23..<24, "Line_Separator": 23..<24, "Zp": 24..<25, "Paragraph_Separator": 24..<25,
            "C": 25..<30, "Other": 25..<30, "Cc": 25..<26, "Control": 25..<26, "cntrl": 25..<26,
            "Cf": 26..<27, "Format": 26..<27, "Cs": 27..<28, "Surrogate": 27..<28,
            "Co": 28..<29, "Private_Use": 28..<29, "Cn": 29..<30, "Unassigned": 29..<30,
        ]
        if let range = table[name] { return .categories(bits(range)) }
        switch raw {
        case "Alphabetic", "Alpha": return .alphabetic
        case "White_Space", "space": return .whiteSpace
        case "Uppercase", "Upper": return .uppercase
        case "Lowercase", "Lower": return .lowercase
        case "Any": return .any
        case "ASCII": return .ascii
        default: return nil
        }
    }
}
