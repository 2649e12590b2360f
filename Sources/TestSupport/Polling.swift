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
