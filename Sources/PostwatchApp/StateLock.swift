import Foundation

/// An exclusive lock beside the state file (`STATE.lock`), held for the life of the process.
///
/// Two pollers on one state file would both poll and both notify; the second `run` or `check`
/// refuses to start instead. The kernel releases the lock when the process ends, however it
/// ends (SIGKILL included), so a crash never leaves a stale lock behind.
final class StateLock: Sendable {
    private let descriptor: Int32

    init(statePath: String) throws(CommandError) {
        let path = statePath + ".lock"
        let fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw CommandError(.configuration, "cannot create the lock file '\(path)': \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw CommandError(
                .configuration,
                "another postwatch is already using the state file '\(statePath)' (lock '\(path)'): run one poller per state file")
        }
        descriptor = fd
    }

    deinit {
        close(descriptor)
    }
}
