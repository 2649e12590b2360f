import Foundation

/// An exclusive lock beside the state file (`STATE.lock`), held for the life of the process.
///
/// Two pollers on one state file would both poll and both notify; the second `run` or `check`
/// refuses to start instead. The kernel releases the lock when the process ends, however it
/// ends (SIGKILL included), so a crash never leaves a stale lock behind.
final class StateLock: Sendable {
    private let descriptor: Int32

    init(statePath: String) throws(CommandError) {
        // `--state state/run.sqlite` on a first run: the folder is part of the path asked for.
        let folder = URL(fileURLWithPath: statePath).deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw CommandError(.configuration, "cannot create the state file's folder '\(folder.path)': \(error.localizedDescription)")
        }
        let path = Self.canonical(statePath) + ".lock"
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

    /// The state file's path with every symbolic link resolved (the file's own when it exists,
    /// else its folder's), so that `alias.sqlite -> state.sqlite`, `./x/../state.sqlite` and the
    /// path itself all lock the same `.lock`: the lock guards the file, not the name typed.
    /// (A hard link is another name for the same inode that no path resolution can see; the lock
    /// file lives beside the name, so two hard-linked names would still lock apart.)
    static func canonical(_ statePath: String) -> String {
        let url = URL(fileURLWithPath: statePath).standardizedFileURL
        if let resolved = realpath(url.path, nil) {
            defer { free(resolved) }
            return String(cString: resolved)
        }
        // Not there yet (a first run) or a dangling link: follow the link by hand, else resolve the folder.
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: url.path) {
            let absolute = target.hasPrefix("/") ? target : url.deletingLastPathComponent().appendingPathComponent(target).path
            return absolute == url.path ? absolute : canonical(absolute)
        }
        let folder = url.deletingLastPathComponent()
        guard let resolved = realpath(folder.path, nil) else { return url.path }
        defer { free(resolved) }
        return URL(fileURLWithPath: String(cString: resolved)).appendingPathComponent(url.lastPathComponent).path
    }

    deinit {
        close(descriptor)
    }
}
