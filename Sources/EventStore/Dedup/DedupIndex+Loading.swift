/// Building the in-memory dedup front from the database (start-up, and after dropping a
/// partition's state). Reads the sealed generations' Bloom filters and the open generation's
/// keys — never the whole table, so start-up stays well under a second at millions of keys.
extension DedupIndex {
    static func loadState(from db: SQLiteDatabase, configuration: StoreConfiguration) throws -> State {
        var sealed: [Sealed] = []
        var open: Int64?
        let generations = try db.prepare("""
            SELECT gen, sealed, count, max_seen, bloom FROM dedup_generations WHERE dropping = 0 ORDER BY gen
            """)
        var rebuild: [(generation: Int64, count: Int, maxSeen: Int64)] = []
        while try generations.step() {
            let generation = generations.int64(0)
            let count = Int(generations.int64(2))
            let maxSeen = generations.optionalInt64(3) ?? 0
            if generations.isNull(1) {
                open = generation
            } else if let bytes = generations.bytes(4), let bloom = BloomFilter(serialized: bytes) {
                sealed.append(Sealed(generation: generation, bloom: bloom, count: count, maxSeenMillis: maxSeen))
            } else {
                rebuild.append((generation, count, maxSeen))
            }
        }
        generations.reset()

        // A sealed generation without a readable filter: rebuild it from its rows (never
        // expected; keeps a damaged filter from turning duplicates into new events).
        for missing in rebuild {
            let keys = try loadKeys(of: missing.generation, from: db)
            var bloom = BloomFilter(expectedCount: keys.count, bitsPerKey: configuration.bloomBitsPerKey)
            for key in keys { bloom.insert(key) }
            sealed.append(Sealed(generation: missing.generation, bloom: bloom, count: missing.count, maxSeenMillis: missing.maxSeen))
        }
        sealed.sort { $0.generation < $1.generation }

        let openGeneration: Int64
        if let open {
            openGeneration = open
        } else {
            openGeneration = (try db.scalar("SELECT max(gen) FROM dedup_generations") ?? 0) + 1
            try StoreWriter.createGeneration(openGeneration, createdMillis: 0, in: db)
        }
        return State(openGeneration: openGeneration, openKeys: DedupKeySet(try loadKeys(of: openGeneration, from: db)), sealed: sealed)
    }

    private static func loadKeys(of generation: Int64, from db: SQLiteDatabase) throws -> [DedupKey] {
        let scan = try db.prepare("SELECT key FROM dedup WHERE gen = ?")
        defer { scan.reset() }
        scan.bind(1, generation)
        var keys: [DedupKey] = []
        while try scan.step() {
            if let key = scan.key(0) { keys.append(key) }
        }
        return keys
    }
}
