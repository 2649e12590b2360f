import Synchronization

/// A hint that there is work: ``Delivery``'s loop naps between polls in ``wait()``, and a
/// ``ring()`` (a PostgreSQL `NOTIFY` that a cycle queued notifications) ends the nap early.
/// A ring while nobody waits is kept, once: the next nap ends at once, so a hint that comes
/// while a pass is running is not lost.
final class Wakeup: Sendable {
    private struct State {
        var rung = false
        var sleeper: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    /// Ends the current wait, or the next one.
    func ring() {
        let sleeper = state.withLock { state in
            guard let sleeper = state.sleeper else {
                state.rung = true
                return nil as CheckedContinuation<Void, Never>?
            }
            state.sleeper = nil
            return sleeper
        }
        sleeper?.resume()
    }

    /// Returns at the next ring (at once if one came since the last wait), or when the task
    /// is cancelled. One waiter at a time: the delivery loop.
    func wait() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                // The cancellation flag is read under the lock the handler takes: a cancel
                // either comes before (returned here) or finds the sleeper stored.
                let now = state.withLock { state in
                    if state.rung || Task.isCancelled {
                        state.rung = false
                        return true
                    }
                    state.sleeper = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            let sleeper = state.withLock { state in
                defer { state.sleeper = nil }
                return state.sleeper
            }
            sleeper?.resume()
        }
    }
}
