/// How an `EventStore` opens, syncs and prunes. Defaults suit production; tests shrink them.
public struct StoreConfiguration: Sendable {
    /// When a commit is durable (docs/store.md, "Durability").
    public enum Durability: Sendable {
        /// `synchronous=FULL`: the WAL is fsynced on every commit, so a committed batch survives
        /// power loss. Required for "no loss" once offsets are committed to Kafka, because a
        /// parked event then exists only in the store. The default.
        case full
        /// `synchronous=NORMAL`: a commit survives a process crash but the last commits can be
        /// lost on power loss or an OS crash. Only for stores whose loss Kafka can make good.
        case normal
    }

    /// The database file (SQLite adds `-wal` and `-shm` beside it).
    public var path: String
    /// One writing process per store: `EventStore.open` takes `<path>.lock` and refuses a store
    /// another process holds (docs/store.md, "Safety"). False for a file several processes may
    /// bring up to date at once, whose writes SQLite serializes (the CLI's changelog view).
    public var exclusiveWriter = true
    public var durability: Durability = .full
    /// Dedup keys are kept at least this long (whole generations are pruned once their newest
    /// key is older).
    public var dedupRetentionSeconds: Int = 30 * 86_400
    /// At most about this many dedup keys: the oldest generations are dropped while the total
    /// is above it, so the count stays within (max − generationSize, max].
    public var maxDedupKeys: Int = 50_000_000
    /// Ledger rows are kept at least this long (pruned by whole `ledgerBucketRows` buckets).
    public var ledgerRetentionSeconds: Int = 30 * 86_400
    /// Keys per dedup generation. Smaller: cheaper inserts (fewer dirty pages per batch), more
    /// Bloom filters to check per lookup. See docs/store.md for the measurements.
    public var generationSize: Int = 250_000
    /// Bloom filter bits per key of a sealed generation.
    public var bloomBitsPerKey: Int = 16
    /// Ledger rows per bucket (the trace indexes' leading column and the unit of age pruning).
    /// Bounds the index pages one batch dirties; `trace` probes each bucket once.
    public var ledgerBucketRows: Int = 65_536
    /// Seconds between background pruning passes; 0 turns background pruning off (call
    /// `EventStore.prune(nowMillis:)` yourself).
    public var pruneIntervalSeconds: Double = 30
    /// Rows deleted per pruning transaction: small, so a commit never waits long behind one.
    public var pruneChunkRows: Int = 5_000
    /// SQLite page cache per connection, MiB.
    public var cacheSizeMiB: Int = Self.defaultCacheSizeMiB
    public static let defaultCacheSizeMiB = 256
    /// Memory-mapped I/O size, MiB (0 = off).
    public var mmapSizeMiB: Int = 1_024
    /// How long a connection waits for another's lock before `busy` (retriable).
    public var busyTimeoutMilliseconds: Int32 = 5_000
    /// WAL pages before SQLite checkpoints on commit.
    public var walAutocheckpointPages: Int = 10_000

    public init(path: String) {
        self.path = path
    }

    /// The pragmas every connection to the store gets.
    func connectionPragmas(readOnly: Bool) -> [String] {
        var pragmas = [
            "PRAGMA cache_size = -\(cacheSizeMiB * 1024)",
            "PRAGMA mmap_size = \(mmapSizeMiB * 1024 * 1024)",
            "PRAGMA temp_store = MEMORY",
        ]
        if !readOnly {
            pragmas += [
                "PRAGMA journal_mode = WAL",
                "PRAGMA synchronous = \(durability == .full ? "FULL" : "NORMAL")",
                "PRAGMA wal_autocheckpoint = \(walAutocheckpointPages)",
                "PRAGMA journal_size_limit = \(64 * 1024 * 1024)",
            ]
        }
        return pragmas
    }

    func validate() throws {
        func require(_ ok: Bool, _ what: String) throws {
            if !ok { throw StoreError(.invalidArgument, message: what, context: "store configuration") }
        }
        try require(!path.isEmpty, "path is empty")
        try require(dedupRetentionSeconds > 0, "dedupRetentionSeconds must be > 0")
        try require(maxDedupKeys > 0, "maxDedupKeys must be > 0")
        try require(ledgerRetentionSeconds > 0, "ledgerRetentionSeconds must be > 0")
        try require(generationSize > 0, "generationSize must be > 0")
        try require(bloomBitsPerKey >= 4, "bloomBitsPerKey must be >= 4")
        try require(ledgerBucketRows > 0, "ledgerBucketRows must be > 0")
        try require(pruneChunkRows > 0, "pruneChunkRows must be > 0")
    }
}
