import Contracts
import Foundation

extension Bridge {
    /// True for an input the store recorded before a restart (store committed, Kafka commit lost).
    func isRecorded(_ record: KafkaConsumerRecord) -> Bool {
        recordedBelow[record.topicPartition].map { record.offset < $0 } ?? false
    }

    /// Runs one input through the rest of the pipeline — dedup and sequencing on its preparation
    /// (`BatchPreparer`; prepared here when nil) — and hands its outputs (or its DLQ record) to the
    /// producer. Transient failures (store unreadable, producer queue full) wait and retry the
    /// same input; they never dead-letter it.
    func handle(_ record: KafkaConsumerRecord, prepared: BatchPreparer.Result?) throws {
        let tp = record.topicPartition
        let started = ContinuousClock.now
        defer { metrics.bridge.processingDuration.observe(ContinuousClock.now - started + (prepared?.took ?? .zero)) }
        metrics.consumed(record)
        lastConsumed[tp] = record.offset
        if isRecorded(record) {
            // Already recorded before a restart (store committed, Kafka commit lost): skip.
            _ = tracker.register(tp, offset: record.offset, outputs: 0,
                                 completion: Completion(outcome: .duplicate, events: [], errorCode: nil, alreadyRecorded: true))
            return
        }
        let preparation = prepared?.prepared ?? processor.prepare(record)
        var backoff = Backoff(initialMs: config.retry.initialBackoffMs, maxMs: config.retry.maxBackoffMs)
        var decision: InputDecision
        while true {
            do {
                decision = try processor.decide(preparation, of: record)
                break
            } catch {
                logger.warning("transient failure, retrying the same input", ["position": "\(tp)@\(record.offset)", "error": "\(error)"])
                backoff.sleep(while: { !self.isStopping })
                if isStopping { throw RestartRequest(reason: "stopping while the store is unavailable") }
            }
        }
        switch decision {
        case .publish(let events, let outputs):
            metrics.published += 1
            metrics.outcome(record.topic, .published)
            metrics.syncLag(record.topic, events)
            for output in outputs {
                metrics.published(subscriber: subscriberOfTopic[output.topic] ?? output.topic,
                                  type: output.headers.first { $0.name == "ce_type" }.flatMap { $0.value.map { String(decoding: $0, as: UTF8.self) } }
                                      ?? events.first?.type ?? "")
            }
            let token = tracker.register(tp, offset: record.offset, outputs: outputs.count,
                                         completion: Completion(outcome: .published, events: events, errorCode: nil, alreadyRecorded: false))
            for output in outputs { try enqueue(output, token: token) }
        case .deadLetter(let failure):
            metrics.deadLettered(failure)
            metrics.outcome(record.topic, .deadLettered)
            guard let source = processor.sources[record.topic] else { return }
            logger.warning("dead-lettered", ["position": "\(tp):\(record.offset)", "code": failure.code, "stage": failure.stage.rawValue,
                                             "message": failure.message])
            let dlq = DeadLetterRecord.make(for: record, failure: failure, dlqTopic: source.settings.dlqTopic, now: RFC3339.now())
            let token = tracker.register(tp, offset: record.offset, outputs: 1,
                                         completion: Completion(outcome: .deadLettered, events: [], errorCode: failure.code, alreadyRecorded: false,
                                                                contract: failure.contract))
            try enqueue(dlq, token: token)
        case .duplicate(_, let events):
            metrics.duplicate(type: events.first?.type ?? "")
            metrics.outcome(record.topic, .duplicate)
            _ = tracker.register(tp, offset: record.offset, outputs: 0,
                                 completion: Completion(outcome: .duplicate, events: events, errorCode: nil, alreadyRecorded: false))
        case .filtered(_, let types):
            for type in types { metrics.filtered(type: type) }
            metrics.outcome(record.topic, .filtered)
            _ = tracker.register(tp, offset: record.offset, outputs: 0,
                                 completion: Completion(outcome: .filtered, events: [], errorCode: nil, alreadyRecorded: false))
        }
    }

    /// Enqueues one record; a full producer queue is backpressure: wait (committing what is
    /// complete meanwhile) and try again.
    private func enqueue(_ record: KafkaProducerRecord, token: UInt64) throws {
        while true {
            do {
                try producer.enqueue(record, context: token)
                return
            } catch where error.isRetriable && !isStopping {
                if ContinuousClock.now - lastCommit >= commitInterval { commit(sync: false) }
                Thread.sleep(forTimeInterval: 0.001)
            } catch {
                // The producer is unusable (fatal), the record invalid for the client, or we are
                // stopping with the queue full: a delivery fault, so nothing commits past this input.
                tracker.fail(token, error: error)
                return
            }
        }
    }

    /// Records the outcomes of every complete input in one store transaction, then stores and
    /// commits their offsets. Order matters: the outcome is durable before the offset moves.
    ///
    /// Pipelined: the transaction runs on the store's writer while the pipeline goes on, and its
    /// offsets are committed at the next call, once it is durable (`settleCommit`). At most one
    /// transaction is in flight, so offsets move in order. With `sync` it waits for the store and
    /// commits the offsets synchronously (revoke, rewind, shutdown).
    func commit(sync: Bool) {
        lastCommit = ContinuousClock.now
        settleCommit(sync: false)
        let (completed, positions) = tracker.drainCompleted()
        if !completed.isEmpty {
            var batch = StoreBatch()
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            var committedKeys: [DedupKey] = []
            var committedEntities: [Sequencer.EntityRef] = []
            for c in completed where !c.completion.alreadyRecorded {
                let events = c.completion.events
                let source = SourcePosition(topic: c.partition.topic, partition: c.partition.partition, offset: c.offset)
                let isDLQ = c.completion.outcome == .deadLettered
                batch.record(LedgerEntry(
                    source: source, outcome: c.completion.outcome,
                    eventID: events.isEmpty ? nil : events.map(\.id).joined(separator: ","),
                    eventType: events.first?.type ?? c.completion.contractType, entityKey: events.first?.entityKey,
                    contractVersion: events.first?.version ?? c.completion.contractVersion,
                    outputs: isDLQ ? [] : c.positions, dlqPosition: isDLQ ? c.positions.first : nil,
                    errorCode: c.completion.errorCode, atMillis: now))
                guard c.completion.outcome == .published else { continue }
                for e in events {
                    _ = batch.insertDedupKey(e.dedupKey, partition: source.partition, firstSeenMillis: now)
                    committedKeys.append(e.dedupKey)
                    if let entity = e.entity, let revision = e.revision {
                        batch.setRevision(revision, family: entity.family, entityKey: entity.key, partition: source.partition, atMillis: now)
                        committedEntities.append(entity)
                    }
                }
            }
            for (tp, next) in positions {
                batch.setProcessedOffset(next: next, for: tp)
            }
            inFlightCommit = InFlightCommit(batch: batch, write: store.commitInBackground(batch), keys: committedKeys,
                                            entities: committedEntities,
                                            offsets: positions.map { KafkaPartitionOffset($0.key, offset: $0.value) })
        }
        if sync { settleCommit(sync: true) }
    }

    /// Waits for the store transaction in flight (retrying it while the store fails), then lets
    /// the store answer for its keys and stores and commits its offsets.
    func settleCommit(sync: Bool) {
        guard let pending = inFlightCommit else { return }
        inFlightCommit = nil
        do {
            try pending.write.wait()
            metrics.bridge.commitDuration.observe(pending.write.duration)
        } catch {
            // The store is busy or the disk full: nothing of the batch is stored, so the offsets
            // stay where they are; write it again until it holds.
            var backoff = Backoff(initialMs: config.retry.initialBackoffMs, maxMs: config.retry.maxBackoffMs)
            var lastError = error
            let retryStarted = ContinuousClock.now
            while true {
                logger.error("store commit failed, retrying", ["error": "\(lastError)"])
                backoff.sleep(while: { true })
                do {
                    try store.commitAndWait(pending.batch)
                    metrics.bridge.commitDuration.observe(ContinuousClock.now - retryStarted)
                    break
                } catch {
                    lastError = error
                }
            }
        }
        sequencer.committed(keys: pending.keys, entities: pending.entities)
        metrics.commits += 1
        metrics.bridge.commits(result: "ok").increment()
        guard let consumer else { return }
        do {
            try consumer.store(pending.offsets.filter { assigned.contains($0.topicPartition) })
            if sync { try consumer.commitBlocking() } else { try consumer.commitAsync() }
        } catch {
            // The store holds the truth; a lost Kafka commit only means re-reading inputs that the
            // store already recorded, which `recordedBelow` skips.
            logger.warning("offset commit failed", ["error": "\(error)"])
        }
    }

    /// Rebalance events arrive synchronously on the pipeline thread (inside `consumer.poll`).
    func rebalanced(_ event: KafkaRebalanceEvent) {
        let partitions = Set(event.partitions)
        switch event.kind {
        case .assigned:
            assigned.formUnion(partitions)
            if let processed = try? store.reader.processedOffsets() {
                for tp in partitions {
                    if let next = processed[tp] { recordedBelow[tp] = next }
                }
            }
            if paused { try? consumer?.pause(Array(partitions)) }
            metrics.bridge.rebalances(kind: "assigned").increment()
            metrics.isReady.store(true, ordering: .relaxed)
            metrics.bridge.ready.set(1)
        case .revoked, .lost:
            // Finish what is in flight for these partitions and commit it while we still own them;
            // whatever is left is abandoned and will be consumed again by the next owner.
            if event.kind == .revoked { drain(timeout: .seconds(20), partitions: partitions) }
            commit(sync: event.kind == .revoked)
            settleCommit(sync: false)
            let abandoned = tracker.abandon(partitions)
            sequencer.forget(partitions)
            if !abandoned.isEmpty { logger.warning("abandoned in-flight inputs on revoke", ["partitions": abandoned.keys.map(\.description).joined(separator: ",")]) }
            assigned.subtract(partitions)
            for tp in partitions {
                recordedBelow.removeValue(forKey: tp)
                lastConsumed.removeValue(forKey: tp)
            }
            metrics.bridge.rebalances(kind: event.kind == .lost ? "lost" : "revoked").increment()
            if assigned.isEmpty {
                metrics.isReady.store(false, ordering: .relaxed)
                metrics.bridge.ready.set(0)
            }
        }
    }
}
