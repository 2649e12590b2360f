/// Polls `current` (never blocking a thread) until it holds at least `count` items, and returns
/// them all; throws `FixtureError` saying how many of what arrived when `timeout` passes.
func waitForCount<Item>(
    _ count: Int, of what: String, in owner: String, timeout: Duration, every interval: Duration,
    _ current: () -> [Item]
) async throws -> [Item] {
    let deadline = ContinuousClock.now + timeout
    while true {
        let received = current()
        if received.count >= count { return received }
        guard ContinuousClock.now < deadline else {
            throw FixtureError("\(owner): \(received.count) of \(count) \(what) arrived within \(timeout)")
        }
        try await Task.sleep(for: interval)
    }
}

/// Polls `condition` until it holds; throws `FixtureError` naming `what` when `timeout` passes.
///
/// For a test that waits on a real peer or a real-time loop: the timeout only bounds a hang, so
/// make it generous (a loaded 2-core machine running the suite in parallel is slow), and never
/// assert on how long the wait took.
public func waitUntil(
    _ what: String, timeout: Duration, every interval: Duration = .milliseconds(10), _ condition: () async -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while await !condition() {
        guard ContinuousClock.now < deadline else { throw FixtureError("\(what) did not happen within \(timeout)") }
        try await Task.sleep(for: interval)
    }
}
