import Foundation

/// The calling thread's name as the kernel knows it (`/proc/<pid>/task/<tid>/comm`): what `top -H`,
/// `ps -L`, `perf` and gdb show, and what the benchmarks' per-thread CPU breakdown reads. On Linux
/// Foundation's `Thread.name` does not reach it, and a new thread inherits its creator's.
public enum ThreadName {
    /// The most bytes the kernel keeps; a longer name is cut.
    public static let maximumBytes = 15

    /// Names the calling thread (cut to `maximumBytes`). Best effort: a failure leaves the name as it was.
    public static func setCurrent(_ name: String) {
        let cut = String(decoding: name.utf8.prefix(maximumBytes), as: UTF8.self)
        try? cut.write(toFile: "/proc/thread-self/comm", atomically: false, encoding: .utf8)
    }
}
