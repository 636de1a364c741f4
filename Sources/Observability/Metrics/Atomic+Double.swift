import Synchronization

extension Atomic where Value == UInt64 {
    /// Treats the word as a `Double` bit pattern and adds `delta` with a compare-and-swap loop
    /// (lock-free; uncontended when a single thread writes, as the pipeline does).
    func addDouble(_ delta: Double) {
        var old = load(ordering: .relaxed)
        while true {
            let new = (Double(bitPattern: old) + delta).bitPattern
            let (exchanged, original) = compareExchange(expected: old, desired: new, ordering: .relaxed)
            if exchanged { return }
            old = original
        }
    }

    /// The word read as a `Double` bit pattern.
    var doubleValue: Double {
        Double(bitPattern: load(ordering: .relaxed))
    }
}
