import Foundation

/// Notices when the state file under a running poller is deleted, replaced or emptied.
///
/// SQLite keeps writing to the file it opened: deleted, it is an unlinked inode that vanishes
/// with the process, taking the pending notifications with it, and the next start records a new
/// baseline, so the transitions in between are never reported. Nothing in SQLite says so.
/// The guard compares the path's device and inode (and size) with those seen at start, before
/// every cycle; the daemon then stops applying cycles and fails `/readyz`, loudly.
struct StateFileGuard: Sendable {
    let path: String
    private let device: UInt64
    private let inode: UInt64

    /// Reads the identity of the state file as opened (call after the store opened it).
    init(path: String) throws(CommandError) {
        self.path = path
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw CommandError(.configuration, "cannot stat the state file '\(path)': \(String(cString: strerror(errno)))")
        }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }

    /// What happened to the file since start, or nil while it is the one opened.
    func problem() -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            return "the state file '\(path)' is gone (\(String(cString: strerror(errno)))): "
                + "cycles are no longer applied; restore it, or restart postwatch to begin a new baseline"
        }
        if UInt64(info.st_dev) != device || UInt64(info.st_ino) != inode {
            return "the state file '\(path)' was replaced by another file: cycles are no longer applied; restart postwatch to use the new one"
        }
        if info.st_size == 0 {
            return "the state file '\(path)' was emptied (0 bytes): cycles are no longer applied; restore it, or restart postwatch to begin a new baseline"
        }
        return nil
    }

    /// A warning for a start that is about to record a new baseline where a state file was
    /// before (its lock file is there but the file is not, or it is empty), or nil.
    static func startWarning(statePath: String) -> String? {
        let manager = FileManager.default
        let size = (try? manager.attributesOfItem(atPath: statePath)[.size] as? Int) ?? nil
        if size == 0 {
            return "the state file '\(statePath)' is empty (0 bytes): starting a new baseline; transitions since the old state are not reported"
        }
        if size == nil, manager.fileExists(atPath: StateLock.canonical(statePath) + ".lock") {
            return "the state file '\(statePath)' is missing but its lock file is there: a state was kept here before; "
                + "starting a new baseline, transitions since then are not reported"
        }
        return nil
    }
}

/// Thrown for a cycle the guard stopped.
struct StateFileError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
