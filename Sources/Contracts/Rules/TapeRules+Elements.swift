/// The element pass of `TapeRules` (docs/decisions.md, 2026-12-05): the per-element work of the
/// rules that run over the elements of one array — item sums, currency scales, non-negative
/// amounts — done in one walk of each array, every rule's checks of an element together, instead
/// of one walk per rule through a path cursor per value.
///
/// A rule takes part when every value it reads per element is one wildcard-free path from the
/// element, and the array is named by a wildcard-free path: `items` with wildcard-free amounts, or,
/// at the document, an amount path `I/*/S`; a currency scale or sign check also with amounts at
/// the document only, read by one path each without a cursor. The verdict is unchanged — the rules only ever answer
/// "no violation" or not, so the order of the checks does not matter — with one exception the pass
/// does not take on: where the value at `I` is there but no array (`*` then walks an object's
/// members, `items` takes the value itself as its one place), the document is checked rule by rule.
extension TapeRules {
    struct ElementPass {
        /// The wildcard-free path of the array, from the document.
        var items: Int32
        var checkStart: Int32
        var checkCount: Int32
        /// The distinct paths the checks read from an element (in `lookups`), each read once.
        var lookupStart: Int32
        var lookupCount: Int32
    }

    struct ElementCheck {
        enum Kind: UInt8 { case sum, scale, nonNegative }
        var kind: Kind
        /// The value's wildcard-free path from the element, as an index into its pass's lookups.
        var value: Int32
        /// `sum`: the accumulator; `scale`: the rule (its document-level minor unit).
        var target: Int32
        /// `scale` with the currency of each item: its path from the element; else -1.
        var currency: Int32
    }

    /// How a rule takes part in the element pass: not at all, through an accumulator (`sumEquals`:
    /// the item sum, compared with its total afterwards), or with its per-element checks in the
    /// pass and its document-level amounts (`rootStart`/`rootCount` in `lists`) checked afterwards.
    struct ElementRole {
        enum Mode: UInt8 { case none, sum, values }
        var mode: Mode
        var accumulator: Int32
        var rootStart: Int32
        var rootCount: Int32
        /// `currencyScale`: its minor unit is read once, at the document.
        var documentMinor: Bool

        static let none = ElementRole(mode: .none, accumulator: -1, rootStart: 0, rootCount: 0, documentMinor: false)
    }

    struct ElementPlan {
        let passes: FlatBuffer<ElementPass>
        let checks: FlatBuffer<ElementCheck>
        let lookups: FlatBuffer<Int32>
        /// Per lookup, the step of a one-step path (read from the element's slot map), else -1.
        let steps: FlatBuffer<Int32>
        let roles: FlatBuffer<ElementRole>
        let accumulators: Int
        /// The most lookups of one pass.
        let width: Int

        func free() {
            passes.free()
            checks.free()
            lookups.free()
            steps.free()
            roles.free()
        }
    }

    /// Plans the element pass of `set`; nil when no rule takes part.
    static func planElements(_ set: RuleSet, _ builder: inout TapePathBuilder, lists: inout [Int32]) -> ElementPlan? {
        var passKeys: [[String]] = []
        var checksByPass: [[ElementCheck]] = []
        var sumKeys: [[String]] = []
        var roles: [ElementRole] = []

        /// A wildcard-free pattern's tokens, or nil.
        func plain(_ p: PathPattern) -> [String]? {
            p.tokens.allSatisfy { $0 != nil } ? p.tokens.map { $0 ?? "" } : nil
        }
        /// `I/*/S`, both wildcard-free, as (I, S); nil for any other pattern.
        func split(_ p: PathPattern) -> ([String], [String])? {
            guard let star = p.tokens.firstIndex(of: nil) else { return nil }
            let before = Array(p.tokens[..<star]), after = Array(p.tokens[(star + 1)...])
            guard before.allSatisfy({ $0 != nil }), after.allSatisfy({ $0 != nil }) else { return nil }
            return (before.map { $0 ?? "" }, after.map { $0 ?? "" })
        }
        // One id per distinct path, so that a pass reads each value once (`ElementPass.lookupStart`).
        var pathIDs: [[String]: Int32] = [:]
        func path(_ tokens: [String]) -> Int32? {
            if let id = pathIDs[tokens] { return id }
            guard let id = builder.add(tokens.map { Optional($0) }) else { return nil }
            pathIDs[tokens] = id
            return id
        }
        func pass(_ items: [String]) -> Int? {
            if let k = passKeys.firstIndex(of: items) { return k }
            guard path(items) != nil else { return nil }
            passKeys.append(items)
            checksByPass.append([])
            return passKeys.count - 1
        }

        func values(_ sites: [([String], [String])], _ roots: [[String]], kind: ElementCheck.Kind, rule: Int, currency: Int32) -> ElementRole? {
            var checks: [(Int, ElementCheck)] = []
            for (items, s) in sites {
                guard let p = pass(items), let sPath = path(s) else { return nil }
                checks.append((p, ElementCheck(kind: kind, value: sPath, target: Int32(rule), currency: currency)))
            }
            var rootIDs: [Int32] = []
            for r in roots {
                guard let id = path(r) else { return nil }
                rootIDs.append(id)
            }
            for (p, check) in checks { checksByPass[p].append(check) }
            lists += rootIDs
            return ElementRole(mode: .values, accumulator: -1, rootStart: Int32(lists.count - rootIDs.count), rootCount: Int32(rootIDs.count), documentMinor: false)
        }

        for (i, rule) in set.rules.enumerated() {
            var role = ElementRole.none
            // The sites of the rule's per-value checks: (array, path from its element); root paths.
            var sites: [([String], [String])] = []
            var roots: [[String]] = []
            var fusable = true
            func sitesOf(_ amounts: [PathPattern]) {
                if let items = rule.items {
                    guard let i = plain(items) else { fusable = false; return }
                    for a in amounts {
                        guard let s = plain(a) else { fusable = false; return }
                        sites.append((i, s))
                    }
                } else {
                    for a in amounts {
                        if let r = plain(a) {
                            roots.append(r)
                        } else if let site = split(a) {
                            sites.append(site)
                        } else {
                            fusable = false
                            return
                        }
                    }
                }
            }
            switch rule.spec {
            case .sumEquals(let amount, _, _, let currency, _):
                guard currency == nil else { break }
                sitesOf([amount])
                guard fusable, roots.isEmpty, let (items, s) = sites.first, let p = pass(items), let sPath = path(s) else { break }
                let key = items + ["*"] + s
                var accumulator = sumKeys.firstIndex(of: key) ?? -1
                if accumulator < 0 {
                    sumKeys.append(key)
                    accumulator = sumKeys.count - 1
                    checksByPass[p].append(ElementCheck(kind: .sum, value: sPath, target: Int32(accumulator), currency: -1))
                }
                role = ElementRole(mode: .sum, accumulator: Int32(accumulator), rootStart: 0, rootCount: 0, documentMinor: false)
            case .currencyScale(let amounts, let currency):
                sitesOf(amounts)
                var itemCurrency: Int32 = -1
                if rule.items != nil, case .item(let c) = currency {
                    guard let t = plain(c), let id = path(t) else { break }
                    itemCurrency = id
                }
                guard fusable,
                      let role1 = values(sites, roots, kind: .scale, rule: i, currency: itemCurrency)
                else { break }
                role = role1
                role.documentMinor = itemCurrency < 0
            case .nonNegative(let amounts):
                sitesOf(amounts)
                guard fusable, let role1 = values(sites, roots, kind: .nonNegative, rule: i, currency: -1) else { break }
                role = role1
            default:
                break
            }
            roles.append(role)
        }

        guard roles.contains(where: { $0.mode != .none }) else { return nil }
        var passes: [ElementPass] = []
        var checks: [ElementCheck] = []
        var lookups: [Int32] = []
        var width = 0
        for (k, items) in passKeys.enumerated() where !checksByPass[k].isEmpty {
            guard let id = path(items) else { return nil }
            // Checks name their value by path id until here; now by the pass's lookup index.
            var distinct: [Int32] = []
            for var check in checksByPass[k] {
                let index = distinct.firstIndex(of: check.value) ?? {
                    distinct.append(check.value)
                    return distinct.count - 1
                }()
                check.value = Int32(index)
                checks.append(check)
            }
            passes.append(ElementPass(items: id, checkStart: Int32(checks.count - checksByPass[k].count), checkCount: Int32(checksByPass[k].count),
                                      lookupStart: Int32(lookups.count), lookupCount: Int32(distinct.count)))
            lookups += distinct
            width = max(width, distinct.count)
        }
        let steps = lookups.map { id in builder.paths[Int(id)].count == 1 && !builder.paths[Int(id)].hasWildcard ? builder.paths[Int(id)].start : -1 }
        return ElementPlan(passes: FlatBuffer(passes), checks: FlatBuffer(checks), lookups: FlatBuffer(lookups), steps: FlatBuffer(steps),
                           roles: FlatBuffer(roles), accumulators: sumKeys.count, width: width)
    }
}

extension TapeRulesRun {
    /// The element pass: false at the first element check that fails; nil where an array's path
    /// names a value that is no array (the rules are then checked one by one); else true, with
    /// the item sums in `sums` and the document-level minor units in `minors` (-1: none).
    func elements(_ plan: TapeRules.ElementPlan, sums: UnsafeMutablePointer<ItemSum>, minors: UnsafeMutablePointer<Int>) -> Bool? {
        for k in 0..<plan.roles.count {
            let role = plan.roles[k]
            minors[k] = -1
            if role.mode == .values && role.documentMinor {
                minors[k] = Self.minorUnit(tape, first(rules.compiled[k].c, root)) ?? -1
            }
        }
        // Noted amounts are added up here, in plain `SmallDecimal`s, and folded into `sums` once
        // at the end: exact sums, so the order of the additions does not change them.
        return withUnsafeTemporaryAllocation(of: SmallDecimal.self, capacity: max(plan.accumulators, 1)) { fast in
            let fast = fast.baseAddress.unsafelyUnwrapped
            fast.initialize(repeating: .zero, count: plan.accumulators)
            defer {
                for t in 0..<plan.accumulators where fast[t].value != 0 { sums[t].sum += .small(fast[t]) }
            }
            return elements(plan, sums: sums, minors: minors, fast: fast)
        }
    }

    private func elements(_ plan: TapeRules.ElementPlan, sums: UnsafeMutablePointer<ItemSum>, minors: UnsafeMutablePointer<Int>,
                          fast: UnsafeMutablePointer<SmallDecimal>) -> Bool? {
        withUnsafeTemporaryAllocation(of: Int.self, capacity: max(plan.width, 1)) { buffer in
            let values = buffer.baseAddress.unsafelyUnwrapped
            for p in 0..<plan.passes.count {
                let pass = plan.passes[p]
                guard let array = walker.first(pass.items, from: root) else { continue }
                guard tape.kind(array) == .array else { return nil }
                var element = array &+ 1
                let end = tape.next(array)
                let checks = Int(pass.checkStart)..<Int(pass.checkStart &+ pass.checkCount)
                while element < end {
                    let map = walker.slotMap(element)
                    for j in 0..<Int(pass.lookupCount) {
                        let l = Int(pass.lookupStart) &+ j
                        let step = plan.steps[l]
                        values[j] = (step >= 0 ? walker.child(element, Int(step), map: map) : walker.first(plan.lookups[l], from: element)) ?? -1
                    }
                    for c in checks {
                        let check = plan.checks[c]
                        let v = values[Int(check.value)]
                        guard v >= 0 else { continue }
                        switch check.kind {
                        case .sum:
                            let t = Int(check.target)
                            // A noted amount added to the plain accumulator: no `RuleAmount` built and
                            // dropped per value.
                            if let noted = tape.noted(amount: v), let value = noted.value,
                               let next = fast[t].adding(SmallDecimal(value: value, scale: noted.decimals)) {
                                fast[t] = next
                            } else if let d = Self.amount(tape, v) {
                                sums[t].sum += d
                            } else {
                                sums[t].malformed = true
                            }
                        case .scale:
                            let minor = check.currency >= 0 ? Self.minorUnit(tape, walker.first(check.currency, from: element)) ?? -1
                                : minors[Int(check.target)]
                            guard minor >= 0 else { continue }
                            if ((tape.noted(amount: v)?.decimals ?? Self.decimals(tape, v)) ?? 0) > minor { return false }
                        case .nonNegative:
                            if Self.isNegative(tape, v) { return false }
                        }
                    }
                    element = tape.next(element)
                }
            }
            return true
        }
    }

    /// A rule with its element checks done in the pass: its document-level amounts.
    func rootValuesHold(_ i: Int, _ role: TapeRules.ElementRole, minor: Int) -> Bool {
        let roots = Int(role.rootStart)..<Int(role.rootStart &+ role.rootCount)
        switch rules.rules[i].kind {
        case .currencyScale:
            guard minor >= 0 else { return true }
            for k in roots {
                if let v = first(rules.lists[k], root), (Self.decimals(tape, v) ?? 0) > minor { return false }
            }
        case .nonNegative:
            for k in roots {
                if let v = first(rules.lists[k], root), Self.isNegative(tape, v) { return false }
            }
        default:
            break
        }
        return true
    }
}
