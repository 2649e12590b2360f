import Crypto
import Foundation

extension Channel {
    /// The destination as ``Watch/SendPermits`` keys it: the SHA-256 of ``destination``, which
    /// may hold a token and must not reach a store (a shared store's rows are an output too).
    var permitKey: String {
        "sha256:" + SHA256.hash(data: Data(destination.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
