import Dispatch
import Foundation

/// Turns signals (SIGTERM and SIGINT by default) into a call of `onSignal`, on a queue of its own
/// (never in a signal handler). For stop signals the default disposition is restored after a
/// second signal, so a stuck shutdown can still be interrupted with a second Ctrl-C; with
/// `repeats` every signal calls `onSignal` (SIGHUP: reload, as often as asked).
public final class SignalWatcher: @unchecked Sendable {
    // @unchecked Sendable: `sources` is written only in init and read in deinit/cancel, which
    // callers must not race (the watcher is created once at start-up and cancelled at exit).
    private var sources: [DispatchSourceSignal] = []
    private let queue = DispatchQueue(label: "eventbridge.signals")

    public init(signals: [Int32] = [SIGTERM, SIGINT], repeats: Bool = false, onSignal: @escaping @Sendable (Int32) -> Void) {
        for sig in signals {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            var seen = 0
            source.setEventHandler {
                seen += 1
                if seen == 1 || repeats {
                    onSignal(sig)
                } else {
                    // A second signal: stop waiting for a graceful shutdown.
                    signal(sig, SIG_DFL)
                    raise(sig)
                }
            }
            source.resume()
            sources.append(source)
        }
    }

    public func cancel() {
        for s in sources { s.cancel() }
        sources.removeAll()
    }

    deinit { cancel() }
}
