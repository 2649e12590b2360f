import Foundation

extension Process {
    /// Waits for the process to end without holding a thread. `waitUntilExit()` blocks one of
    /// the few cooperative threads (2 on a 2-core machine): a child that talks to a server in
    /// the test process, or any other test running in parallel, then waits for nothing.
    public func exited(polling interval: Duration = .milliseconds(10)) async throws {
        while isRunning { try await Task.sleep(for: interval) }
    }
}
