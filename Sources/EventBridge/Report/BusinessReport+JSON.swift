import Basics
import Contracts
import EventStore

extension BusinessReport {
    /// The report as one JSON document (`eventbridge report --json`; documented in docs/operations.md).
    public var json: JSONValue {
        func int(_ v: Int) -> JSONValue { .number(JSONNumber(v)) }
        func int64(_ v: Int64) -> JSONValue { .number(JSONNumber(v)) }
        func age(_ at: Int64?) -> JSONValue { at.map { int64(max(0, untilMillis - $0) / 1000) } ?? .null }
        func bands(_ counts: [Int]) -> JSONValue {
            .object(JSONObject(zip(ExceptionAccount.bands, counts).map { .init(key: $0.0, value: int($0.1)) }))
        }
        let workflows: [JSONValue] = rows.map { r in
            [
                "workflow": .string(r.workflow), "materiality": .string(r.materiality.rawValue),
                "syncLagObjectiveSeconds": r.syncLagObjectiveSeconds.map(int) ?? .null,
                "types": .array(r.types.map { .string($0) }), "sourceTopics": .array(r.topics.sorted().map { .string($0) }),
                "inputsPublished": int(r.inputsPublished), "eventsSynced": int(r.eventsSynced),
                "duplicatesDropped": int(r.duplicatesDropped), "filtered": int(r.filtered), "deadLettered": int(r.deadLettered),
                "parked": int(r.parked), "oldestParkedAgeSeconds": age(r.oldestParkedAtMillis),
                "exceptionsOpen": [
                    "total": int(r.openExceptions), "byAge": bands(r.openByBand), "oldestAgeSeconds": age(r.oldestOpenAtMillis),
                    "byCode": .object(JSONObject(r.openByCode.sorted { $0.key < $1.key }.map { .init(key: $0.key, value: int($0.value)) })),
                ],
                "reconciliation": ["status": .string(r.reconciliation), "missing": int64(r.missingOutcomes)],
            ]
        }
        var byMateriality: [JSONObject.Member] = []
        for m in Materiality.allCases {
            var counts = Array(repeating: 0, count: ExceptionAccount.bands.count)
            for r in rows where r.materiality == m { for (i, n) in r.openByBand.enumerated() { counts[i] += n } }
            byMateriality.append(.init(key: m.rawValue, value: bands(counts)))
        }
        let partitionsJSON: [JSONValue] = partitions.map { p in
            ["partition": .string(p.partition.description), "checked": int64(p.checked), "missing": int64(p.missing),
             "holes": .array(p.holes.map { .string("\($0.lowerBound)-\($0.upperBound - 1)") })]
        }
        let slotsJSON: [JSONValue] = slots.map { s in
            var members: [JSONObject.Member] = [.init(key: "at", value: .string(RFC3339.format(milliseconds: s.startMillis)))]
            for o in LedgerEntry.Outcome.allCases { members.append(.init(key: o.rawValue, value: int(s.counts[o] ?? 0))) }
            return .object(JSONObject(members))
        }
        return [
            "since": .string(RFC3339.format(milliseconds: sinceMillis)), "until": .string(RFC3339.format(milliseconds: untilMillis)),
            "workflows": .array(workflows), "exceptionsOpenByMateriality": .object(JSONObject(byMateriality)),
            "reconciliation": ["status": .string(missingOutcomes == 0 ? "ok" : "missing"), "missing": int64(missingOutcomes),
                               "partitions": .array(partitionsJSON)],
            "timeline": ["slotSeconds": int64(slotMillis / 1000), "slots": .array(slotsJSON)],
        ]
    }
}
