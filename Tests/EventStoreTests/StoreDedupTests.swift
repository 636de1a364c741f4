import Testing
@testable import EventStore
import EventStore

@Suite struct StoreDedupTests {
    typealias F = StoreFixtures

    @Test func aKeyInsertedEarlierInTheSameBatchIsADuplicate() throws {
        let temp = try TemporaryStore()
        let store = try temp.open()
        defer { store.close() }
        var batch = StoreBatch()
        #expect(try store.checkAndInsert(F.key(1), partition: F.orders, atMillis: 1, into: &batch))
        #expect(try !store.checkAndInsert(F.key(1), partition: F.orders, atMillis: 2, into: &batch))
        #expect(batch.containsDedupKey(F.key(1)))
        #expect(!batch.containsDedupKey(F.key(2)))
        #expect(try !store.contains(F.key(1)))  // not committed yet: the store does not read batches
    }

    @Test func committedKeysAreDuplicatesInLaterBatchesAndAfterReopen() throws {
        let temp = try TemporaryStore()
        var store = try temp.open()
        var batch = StoreBatch()
        for n in 0..<100 { try store.checkAndInsert(F.key(n), partition: F.orders, atMillis: 1_000, into: &batch) }
        try store.commitAndWait(batch)
        var next = StoreBatch()
        #expect(try !store.checkAndInsert(F.key(5), partition: F.orders, atMillis: 2_000, into: &next))
        #expect(try store.checkAndInsert(F.key(100), partition: F.orders, atMillis: 2_000, into: &next))
        store.close()

        store = try temp.open()
        defer { store.close() }
        #expect(store.dedupKeyCount == 100)
        #expect(try store.contains(F.key(99)))
        #expect(try !store.contains(F.key(100)))
        #expect(try store.reader.firstSeen(F.key(7)) == 1_000)
        #expect(try store.reader.firstSeen(F.key(100)) == nil)
    }

    /// The index holds committed keys only: keys in flight belong to the pipeline's dedup stage
    /// (`DedupStageTests` in EventBridgeTests cover them while their commit runs or fails).
    @Test func theIndexAnswersForCommittedKeysOnly() throws {
        let index = DedupIndex(.init(openGeneration: 1, openKeys: DedupKeySet(), sealed: []))
        let keys = DedupKeySet([F.key(1)])
        guard case .absent = index.lookup(F.key(1)) else { Issue.record("an uncommitted key is seen"); return }
        index.committed(keys, sealed: nil, nextOpen: nil)
        guard case .present = index.lookup(F.key(1)) else { Issue.record("committed key not seen"); return }
        #expect(index.openCount == 1)
    }

    @Test func dedupKeySetBehavesLikeASet() {
        var set = DedupKeySet()
        var reference = Set<DedupKey>()
        let zero = DedupKey(high: 0, low: 0)
        for n in 0..<5_000 {
            let key = n % 1_000 == 0 ? zero : F.key(n % 3_000)
            #expect(set.insert(key) == reference.insert(key).inserted)
        }
        #expect(set.count == reference.count)
        #expect(Set(set) == reference)
        #expect(set.contains(zero))
        #expect(!set.contains(F.key(3_000)))
    }

    @Test func anAsyncCommitIsVisibleWhenItReturns() async throws {
        let temp = try TemporaryStore()
        let store = try temp.open()
        defer { store.close() }
        var batch = StoreBatch()
        try store.checkAndInsert(F.key(1), partition: F.orders, atMillis: 1, into: &batch)
        try await store.commit(batch)
        #expect(try store.contains(F.key(1)))
        #expect(try store.reader.firstSeen(F.key(1)) == 1)
    }

    @Test func backgroundCommitsAreVisibleOnceWaitedForAndDurableInOrder() throws {
        let temp = try TemporaryStore()
        var store = try temp.open()
        var pending: [PendingStoreCommit] = []
        for round in 0..<5 {
            var batch = StoreBatch()
            for n in (round * 100)..<((round + 1) * 100) {
                #expect(try store.checkAndInsert(F.key(n), partition: F.orders, atMillis: 1, into: &batch))
            }
            batch.setRevision(.integer(Int64(round)), family: "finance.invoice", entityKey: "INV-1", partition: F.orders, atMillis: 1)
            batch.setProcessedOffset(next: Int64(round + 1) * 10, for: F.orders)
            pending.append(store.commitInBackground(batch))
        }
        for (round, p) in pending.enumerated() {
            try p.wait()
            try p.wait()  // waiting again returns the same result
            // Durable once waited for: lookups see it.
            #expect(try store.contains(F.key(round * 100 + 99)))
        }
        #expect(try store.lastRevision(family: "finance.invoice", entityKey: "INV-1") == .integer(4))
        store.close()

        store = try temp.open()
        defer { store.close() }
        #expect(store.dedupKeyCount == 500)
        #expect(try store.reader.processedOffsets()[F.orders] == 50)  // the last batch's offset won
        #expect(try store.reader.lastRevision(family: "finance.invoice", entityKey: "INV-1") == .integer(4))
    }

    @Test func aBackgroundCommitThatFailsThrowsWhenWaitedForAndStoresNothing() throws {
        let temp = try TemporaryStore()
        var store = try temp.open()
        var batch = StoreBatch()
        try store.checkAndInsert(F.key(1), partition: F.orders, atMillis: 1, into: &batch)
        batch.setProcessedOffset(next: 7, for: F.orders)
        store.close()
        let pending = store.commitInBackground(batch)
        #expect(throws: StoreError.self) { try pending.wait() }
        #expect(throws: StoreError.self) { try pending.wait() }

        store = try temp.open()
        defer { store.close() }
        #expect(store.dedupKeyCount == 0)
        #expect(try store.reader.processedOffsets()[F.orders] == nil)
    }

    @Test func sealedGenerationsKeepAnsweringThroughBloomFiltersAfterReopen() throws {
        let temp = try TemporaryStore()
        var store = try temp.open { $0.generationSize = 1_000 }
        for round in 0..<5 {
            var batch = StoreBatch()
            for n in (round * 700)..<((round + 1) * 700) {
                #expect(try store.checkAndInsert(F.key(n), partition: F.orders, atMillis: Int64(round), into: &batch))
            }
            try store.commitAndWait(batch)
        }
        #expect(store.dedupKeyCount == 3_500)
        #expect(try store.reader.stats().dedupGenerations == 3)  // 1400, 1400, open 700
        store.close()

        store = try temp.open { $0.generationSize = 1_000 }
        defer { store.close() }
        #expect(store.dedupKeyCount == 3_500)
        let duplicates = try (0..<3_500).filter { try store.contains(F.key($0)) }
        #expect(duplicates.count == 3_500)
        let fresh = try (3_500..<7_000).filter { try store.contains(F.key($0)) }
        #expect(fresh.isEmpty)
    }

    @Test func pruningDropsWholeGenerationsByAgeAndByCount() throws {
        let temp = try TemporaryStore()
        let day: Int64 = 86_400_000
        let store = try temp.open {
            $0.generationSize = 100
            $0.dedupRetentionSeconds = 2 * 86_400
            $0.maxDedupKeys = 250
            $0.pruneChunkRows = 30
        }
        defer { store.close() }
        // Four generations of 100 keys, seen on days 0, 1, 2, 3.
        for day in 0..<4 {
            var batch = StoreBatch()
            for n in (day * 100)..<((day + 1) * 100) {
                try store.checkAndInsert(F.key(n), partition: F.orders, atMillis: Int64(day) * 86_400_000, into: &batch)
            }
            try store.commitAndWait(batch)
        }
        #expect(store.dedupKeyCount == 400)

        // By count: 400 > 250 drops the two oldest (300 > 250 too), leaving 200.
        var report = try store.prune(nowMillis: 0)
        #expect(report.droppedGenerations == 2)
        #expect(report.deletedDedupKeys == 200)
        #expect(store.dedupKeyCount == 200)
        #expect(try !store.contains(F.key(0)))
        #expect(try store.contains(F.key(250)))
        #expect(try store.reader.stats().dedupKeys == 200)

        // By age: on day 5 with 2 days' retention, day 2's generation goes, day 3's stays.
        report = try store.prune(nowMillis: 5 * day)
        #expect(report.droppedGenerations == 1)
        #expect(try !store.contains(F.key(250)))
        #expect(try store.contains(F.key(350)))
        #expect(try store.prune(nowMillis: 5 * day).steps == 0)
    }

    @Test func droppingAPartitionsStateForgetsItsKeysOnly() throws {
        let temp = try TemporaryStore()
        let store = try temp.open { $0.generationSize = 50 }
        defer { store.close() }
        var batch = StoreBatch()
        for n in 0..<80 { try store.checkAndInsert(F.key(n), partition: n % 2 == 0 ? F.orders : F.payments, atMillis: 1, into: &batch) }
        batch.setRevision(.integer(3), family: "finance.invoice", entityKey: "INV-1", partition: F.orders, atMillis: 1)
        try store.commitAndWait(batch)
        try store.dropState(of: F.orders)
        #expect(store.dedupKeyCount == 40)
        #expect(try !store.contains(F.key(10)))
        #expect(try store.contains(F.key(11)))
        #expect(try store.reader.lastRevision(family: "finance.invoice", entityKey: "INV-1") == nil)
    }
}
