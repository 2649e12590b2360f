import Synchronization

/// The SMTP connections of one transport on which the server accepted AUTH (`235`).
///
/// libcurl keeps an SMTP connection open after a transfer and hands it to the next transfer
/// with the same credentials, which then sends no EHLO and no AUTH and so sees no `235` of its
/// own. The refusal to send unauthenticated mail (`CurlTransfer.fillUpload`) asks here whether
/// the reused connection authenticated earlier, instead of trusting libcurl's reuse rules.
///
/// A connection is known by its two addresses and ports, unique among open connections. The
/// entry of a closed one may linger, so a *new* connection clears its entry at the server's
/// first reply, before any transfer can reuse it: an entry is only ever the word of the
/// connection that now holds that address pair. Lingering entries are bounded by the local
/// ports in use towards the mail servers.
final class AuthenticatedConnections: Sendable {
    struct Key: Hashable, Sendable {
        var localIP: String
        var localPort: Int
        var remoteIP: String
        var remotePort: Int
    }

    private let keys = Mutex<Set<Key>>([])

    func insert(_ key: Key) {
        _ = keys.withLock { $0.insert(key) }
    }

    func remove(_ key: Key) {
        _ = keys.withLock { $0.remove(key) }
    }

    func contains(_ key: Key) -> Bool {
        keys.withLock { $0.contains(key) }
    }
}
