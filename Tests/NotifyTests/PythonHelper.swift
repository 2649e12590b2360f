import Foundation
import TestSupport

/// A Python script beside a test, run once over a JSON input: the real renderers and clients
/// postwatch's output is proven with (`render_markdown.py`, `verify_standard_webhooks.py`).
///
/// Files, not pipes: a 100 KB document would fill a pipe while nobody reads it. A missing
/// interpreter or library is a failure, never a skip: what it proves would go unproven.
enum PythonHelper {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs `script INPUT OUTPUT` with `python` and decodes what it wrote to OUTPUT.
    /// - Parameters:
    ///   - what: the helper's name in errors (`the CommonMark renderer`).
    ///   - install: what installs the interpreter or library (`make deps` installs …).
    static func run<Input: Encodable, Output: Decodable>(
        python: String, script: URL, input: Input, as output: Output.Type, what: String, install: String
    ) async throws -> Output {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw Failure(description: "\(python) is missing: \(install)")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("python-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let inputFile = directory.appendingPathComponent("in.json")
        let outputFile = directory.appendingPathComponent("out.json")
        let errors = directory.appendingPathComponent("err.txt")
        try JSONEncoder().encode(input).write(to: inputFile)
        try Data().write(to: errors)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script.path, inputFile.path, outputFile.path]
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        try await process.exited()
        guard process.terminationStatus == 0 else {
            let message = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
            throw Failure(description: "\(what) failed (exit \(process.terminationStatus)): \(message)")
        }
        return try JSONDecoder().decode(Output.self, from: Data(contentsOf: outputFile))
    }
}
