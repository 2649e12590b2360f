import Foundation
import Synchronization
import Watch

/// A first run's listing progress on a terminal: one line every few seconds (posts, pages,
/// rate) instead of minutes of silence over a large account. Nothing when stderr is not a
/// terminal or the logs are JSON (log shippers get the cycle's own lines).
final class ListingProgressLine: Sendable {
    private struct State {
        var started: ContinuousClock.Instant?
        var lastShown: ContinuousClock.Instant?
    }
    private let state = Mutex(State())
    private let every: Duration
    private let write: @Sendable (String) -> Void

    init(every: Duration = .seconds(5), write: @escaping @Sendable (String) -> Void) {
        self.every = every
        self.write = write
    }

    /// The progress callback for `PollerConfiguration`, or nil when nobody would see it.
    static func forTerminal(settings: Settings) -> (@Sendable (ListingProgress) -> Void)? {
        guard settings.logFormat == .text, isatty(STDERR_FILENO) == 1 else { return nil }
        let line = ListingProgressLine { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        return { line.report($0) }
    }

    func report(_ progress: ListingProgress, now: ContinuousClock.Instant = .now) {
        guard progress.firstCycle else { return }
        let text: String? = state.withLock { state in
            let started = state.started ?? now
            state.started = started
            guard now - (state.lastShown ?? started) >= every else { return nil }
            state.lastShown = now
            let seconds = max((now - started).secondsValue, 0.001)
            return "first cycle: \(progress.posts.formatted()) posts listed in \(progress.pages.formatted()) pages "
                + "(\(Int(Double(progress.posts) / seconds).formatted()) posts/s); nothing is reported for them, they are the baseline"
        }
        if let text { write(text) }
    }
}
