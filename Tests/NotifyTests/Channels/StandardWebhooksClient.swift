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

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let python = root.appendingPathComponent(".build/webhooks-venv/bin/python")
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("verify_standard_webhooks.py")

    /// The library's verdict on each request: `ok`, or `error: …`.
    static func verify(_ requests: [Request]) async throws -> [String] {
        // A missing library is a failure, never a skip: the signature would go unproven.
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw Failure(description: "\(python.path) is missing: run `make deps` (it installs standardwebhooks from PyPI)")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("standardwebhooks-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("in.json")
        let output = directory.appendingPathComponent("out.json")
        let errors = directory.appendingPathComponent("err.txt")
        try JSONEncoder().encode(requests).write(to: input)
        try Data().write(to: errors)
        let process = Process()
        process.executableURL = python
        process.arguments = [script.path, input.path, output.path]
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        try await process.exited()
        guard process.terminationStatus == 0 else {
            let message = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
            throw Failure(description: "the standardwebhooks verifier failed (exit \(process.terminationStatus)): \(message)")
        }
        return try JSONDecoder().decode([String].self, from: Data(contentsOf: output))
    }
}
