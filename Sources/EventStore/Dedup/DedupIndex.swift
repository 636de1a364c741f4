import Foundation

/// The in-memory front of the dedup table, shared by the pipeline's lookups and the writer.
///
/// - Keys of the **open** generation (committed, at most `generationSize`) are an exact `Set`,
///   loaded at start-up by one range scan of that generation.
/// - Each **sealed** generation is represented by its Bloom filter, stored with it at sealing
///   and loaded at start-up (about 2 bytes per key). A filter hit is confirmed with one SQLite
///   lookup; a miss needs none, so a new key — the common case — costs no I/O at all.
///
/// Only committed keys are here: keys of events published but not yet committed belong to the
/// pipeline's dedup stage, their one owner until the store commit that records them.
final class DedupIndex: @unchecked Sendable {
    // @unchecked: all mutable state is in `state`, read and written only under `lock`.
    struct Sealed: Sendable {
        var generation: Int64
        var bloom: BloomFilter
        var count: Int
        var maxSeenMillis: Int64
    }

    struct State {
        var openGeneration: Int64
        var openKeys: DedupKeySet
        /// Oldest first.
        var sealed: [Sealed]
    }

    enum Lookup {
        case absent
        case present
        /// These sealed generations' filters say "maybe": confirm in SQLite.
        case confirm([Int64])
    }

    private let lock = NSLock()
    private var state: State

    init(_ state: State) {
        self.state = state
    }

    func withState<T>(_ body: (inout State) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&state)
    }

    /// The memory-only part of the check: certain answers, or the generations to confirm.
    func lookup(_ key: DedupKey) -> Lookup {
        withState { state in
            if state.openKeys.contains(key) { return .present }
            var candidates: [Int64] = []
            for sealed in state.sealed.reversed() where sealed.bloom.mayContain(key) {
                candidates.append(sealed.generation)
            }
            return candidates.isEmpty ? .absent : .confirm(candidates)
        }
    }

    /// A batch's keys are committed into the open generation; `sealed`, when set, is the
    /// generation the same transaction sealed (the open one), and `nextOpen` the new open one.
    func committed(_ keys: DedupKeySet, sealed: Sealed?, nextOpen: Int64?) {
        withState { state in
            if let sealed, let nextOpen {
                state.sealed.append(sealed)
                state.openKeys = DedupKeySet(minimumCapacity: state.openKeys.count)
                state.openGeneration = nextOpen
            } else {
                state.openKeys.formUnion(keys)
            }
        }
    }

    /// A Bloom filter over the open generation's keys plus `extra` (sealing).
    func openBloom(adding extra: [StoreBatch.PendingKey], bitsPerKey: Int) -> BloomFilter {
        withState { state in
            var bloom = BloomFilter(expectedCount: state.openKeys.count + extra.count, bitsPerKey: bitsPerKey)
            for key in state.openKeys { bloom.insert(key) }
            for pending in extra { bloom.insert(pending.key) }
            return bloom
        }
    }

    /// Forgets a sealed generation (pruning): its keys stop being duplicates now.
    func drop(generation: Int64) {
        withState { state in state.sealed.removeAll { $0.generation == generation } }
    }

    var openGeneration: Int64 { withState { $0.openGeneration } }
    var openCount: Int { withState { $0.openKeys.count } }
    var sealedGenerations: [Sealed] { withState { $0.sealed } }

    /// Keys in live generations.
    var count: Int { withState { state in state.openKeys.count + state.sealed.reduce(0) { $0 + $1.count } } }
}
