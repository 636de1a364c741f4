import Contracts
import Testing
@testable import EventStore
import EventStore

@Suite struct StoreHashingTests {
    private func hex(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { DedupKey(bytes: $0).description }
    }

    private func sipHash(length: Int) -> [UInt8] {
        // Reference vectors: key 00..0f, message 00..(length-1).
        var hasher = SipHash128(k0: 0x0706_0504_0302_0100, k1: 0x0f0e_0d0c_0b0a_0908)
        hasher.append(contentsOf: (0..<length).map { UInt8($0) })
        return hasher.finalize()
    }

    @Test func sipHash128MatchesTheReferenceVectors() {
        #expect(hex(sipHash(length: 0)) == "a3817f04ba25a8e66df67214c7550293")
        #expect(hex(sipHash(length: 1)) == "da87c1d86b99af44347659119b22fc45")
        #expect(hex(sipHash(length: 7)) == "a1f1ebbed8dbc153c0b84aa61ff08239")
        #expect(hex(sipHash(length: 8)) == "3b62a9ba6258f5610f83e264f31497b4")
        #expect(hex(sipHash(length: 15)) == "5493e99933b0a8117e08ec0f97cfc3d9")
        #expect(hex(sipHash(length: 63)) == "5150d1772f50834a503e069a973fbd7c")
    }

    @Test func sipHash128GivesTheSameTagForAnyChunking() {
        let message = (0..<63).map { UInt8($0) }
        for split in [0, 1, 3, 8, 13, 62] {
            var hasher = SipHash128(k0: 0x0706_0504_0302_0100, k1: 0x0f0e_0d0c_0b0a_0908)
            hasher.append(contentsOf: message[0..<split])
            hasher.append(contentsOf: Array(message[split...]))
            #expect(hex(hasher.finalize()) == "5150d1772f50834a503e069a973fbd7c", "split at \(split)")
        }
        // Every split into three parts, each appended as contiguous bytes (pending bytes of every
        // count meeting whole words), and byte by byte: the reference tag of the 63 bytes.
        for first in 0...63 {
            for second in first...63 {
                var hasher = SipHash128(k0: 0x0706_0504_0302_0100, k1: 0x0f0e_0d0c_0b0a_0908)
                for part in [message[0..<first], message[first..<second], message[second...]] {
                    Array(part).withUnsafeBytes { hasher.append(bytes: $0) }
                }
                #expect(hex(hasher.finalize()) == "5150d1772f50834a503e069a973fbd7c", "split at \(first), \(second)")
            }
        }
        var bytewise = SipHash128(k0: 0x0706_0504_0302_0100, k1: 0x0f0e_0d0c_0b0a_0908)
        for byte in message { bytewise.append(byte) }
        #expect(hex(bytewise.finalize()) == "5150d1772f50834a503e069a973fbd7c")
    }

    @Test func dedupKeyIsStableAndFramed() {
        let key = DedupKey(family: "finance.invoice.posted", values: ["INV-1", "ACME"])
        #expect(key.bytes.count == 16)
        #expect(DedupKey(family: "a", values: ["bc"]) != DedupKey(family: "ab", values: ["c"]))
        #expect(DedupKey(family: "f", values: ["x", ""]) != DedupKey(family: "f", values: ["x"]))
        #expect(DedupKey(family: "f", jsonValues: ["42", 42]) != DedupKey(family: "f", values: ["42", "4"]))
        #expect(DedupKey(family: "f", jsonValues: ["A", 7]) == DedupKey(family: "f", values: ["A", "7"]))
        let roundTrip = key.bytes.withUnsafeBytes { DedupKey(bytes: $0) }
        #expect(roundTrip == key)
    }

    @Test func dedupKeyHasAPinnedValue() {
        #expect(DedupKey(family: "finance.payment.settled", values: ["PAY-1"]).description == StoreHashingTests.pinned)
        #expect(DedupKey(family: "finance.payment.settled", value: "PAY-1").description == StoreHashingTests.pinned)
        #expect(Array("PAY-1".utf8).withUnsafeBytes { DedupKey(family: "finance.payment.settled", utf8: $0) }.description == StoreHashingTests.pinned)
    }

    /// One value given as a `String`, as bytes, or in a list of one: the same key, for every
    /// length around the hash's eight-byte words and for text that is not ASCII.
    @Test func oneDedupValueHashesAlikeHoweverItIsGiven() {
        for family in ["", "f", "finance.invoice.posted", "fam\u{E9}"] {
            for length in 0..<40 {
                let value = String((0..<length).map { Character(Unicode.Scalar(UInt8(0x41 + $0 % 26))) }) + (length % 5 == 4 ? "\u{1F600}" : "")
                let listed = DedupKey(family: family, values: [value])
                #expect(DedupKey(family: family, value: value) == listed)
                #expect(Array(value.utf8).withUnsafeBytes { DedupKey(family: family, utf8: $0) } == listed)
                #expect(Array(value.utf8).withUnsafeBytes { DedupKey.Family(family).key(utf8: $0) } == listed)
                #expect(DedupKey.Family(family).key(value: value) == listed)
            }
        }
    }

    /// Computed once with this implementation; a change means every stored key changed.
    static let pinned = "c5b863ac26471cd2621252570516b938"

    /// `DedupKey._rawHashValue` (`HashWord`): both words of the key decide its bucket, the seed
    /// moves it, and a dictionary of keys still finds every one.
    @Test func dedupKeysSpreadOverTableBucketsByBothWords() {
        func buckets(_ keys: [DedupKey], seed: Int) -> Int { Set(keys.map { $0._rawHashValue(seed: seed) & 4095 }).count }
        let byHigh = (0..<4096).map { DedupKey(high: UInt64($0), low: 7) }
        let byLow = (0..<4096).map { DedupKey(high: 7, low: UInt64($0) << 40) }
        // 4,096 keys thrown at random into 4,096 buckets fill about 2,589 of them.
        #expect(buckets(byHigh, seed: 0) > 2_450)
        #expect(buckets(byLow, seed: 0) > 2_450)
        #expect(byHigh.filter { $0._rawHashValue(seed: 1) == $0._rawHashValue(seed: 2) }.count < 5)
        #expect(byHigh.allSatisfy { $0._rawHashValue(seed: 3) == DedupKey(high: $0.high, low: $0.low)._rawHashValue(seed: 3) })
        var table: [DedupKey: Int] = [:]
        for (i, key) in (byHigh + byLow).enumerated() { table[key] = i }
        #expect(table.count == 8_192)
        #expect((byHigh + byLow).enumerated().allSatisfy { table[$0.element] == $0.offset })
    }

    @Test func bloomFilterHasNoFalseNegativesAndFewFalsePositives() throws {
        var bloom = BloomFilter(expectedCount: 20_000, bitsPerKey: 16)
        for n in 0..<20_000 { bloom.insert(StoreFixtures.key(n)) }
        for n in 0..<20_000 { #expect(bloom.mayContain(StoreFixtures.key(n))) }
        let falsePositives = (20_000..<120_000).filter { bloom.mayContain(StoreFixtures.key($0)) }.count
        #expect(falsePositives < 500, "false-positive rate \(Double(falsePositives) / 1000) %")
        let restored = try #require(BloomFilter(serialized: bloom.serialized))
        #expect(restored.words == bloom.words)
        #expect(BloomFilter(serialized: [1, 2, 3]) == nil)
    }

    @Test func revisionsNormalizeTimestampsAndOrder() throws {
        #expect(StoredRevision(text: "2024-05-01T10:00:00+02:00") == StoredRevision(text: "2024-05-01T08:00:00Z"))
        #expect(StoredRevision(text: "2024-05-01T08:00:00.5Z") == .text("2024-05-01T08:00:00.500000000Z"))
        #expect(StoredRevision(text: "2024-01-01T00:30:00+01:00") == .text("2023-12-31T23:30:00.000000000Z"))
        #expect(StoredRevision(text: "2024-05-01t08:00:00z") == .text("2024-05-01T08:00:00.000000000Z"))
        #expect(StoredRevision(text: "2024-05-01T08:00:00.1Z") > StoredRevision(text: "2024-05-01T09:59:59.9+02:00"))
        #expect(StoredRevision(text: "2024-02-30T08:00:00Z") == .text("2024-02-30T08:00:00Z"))  // not a date: raw
        #expect(StoredRevision(text: "000010") > StoredRevision(text: "000009"))
        #expect(StoredRevision.integer(10) > .integer(9))
        #expect(StoredRevision.integer(Int64.max) < .text(""))
        #expect(StoredRevision(json: 17) == .integer(17))
        #expect(StoredRevision(json: .string("2024-05-01T08:00:00Z")) == .text("2024-05-01T08:00:00.000000000Z"))
        #expect(StoredRevision(json: true) == nil)
        #expect(StoredRevision(json: .number(try #require(JSONNumber(literal: "1.5")))) == nil)
    }
}
