import Foundation
import TestSupport
import Testing

/// The reference receiver for `signature standard`: the `standardwebhooks` package from PyPI,
/// installed by `make deps` in `.build/webhooks-venv`, running `verify_standard_webhooks.py`
/// beside this file. postwatch's own verifier proves nothing about interoperability; this does.
enum StandardWebhooksClient {
    struct Request: Encodable {
        let secret: String
        let body_b64: String
        let headers: [String: String]

        init(secret: String, body: Data, headers: [String: String]) {
            self.secret = secret
            self.body_b64 = body.base64EncodedString()
            self.headers = headers
        }
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let python = root.appendingPathComponent(".build/webhooks-venv/bin/python")
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("verify_standard_webhooks.py")

    /// The library's verdict on each request: `ok`, or `error: …`.
    static func verify(_ requests: [Request]) async throws -> [String] {
        try await PythonHelper.run(
            python: python.path, script: script, input: requests, as: [String].self, what: "the standardwebhooks verifier",
            install: "run `make deps` (it installs standardwebhooks from PyPI)")
    }
}
