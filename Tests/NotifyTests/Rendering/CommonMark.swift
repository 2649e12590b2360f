import Foundation
import TestSupport
import Testing

/// A real CommonMark renderer for tests: `render_markdown.py` beside this file, on Debian's
/// `/usr/bin/python3` with markdown-it-py (`python3-markdown-it`, installed by `make deps`).
///
/// What Mattermost and Discord would show is what matters for escaping, and only a renderer
/// knows it (`\&gt;` reads as escaped, but shows `&gt;`).
///
/// ```swift
/// let rendered = try await CommonMark.render(["a \\*b\\*"])
/// // rendered[0].text == "a *b*", rendered[0].nodes == []
/// ```
enum CommonMark {
    /// What a reader sees of one document.
    struct Rendering: Decodable, Equatable {
        /// Text and code content, a newline between blocks and for line breaks.
        let text: String
        /// Every node other than a paragraph of plain text (`em_open`, `link_open`,
        /// `code_inline`, `html_inline`, `heading_open`, …), once per occurrence, sorted.
        let nodes: [String]
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static let python = "/usr/bin/python3"
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("render_markdown.py")

    /// Renders every document in one child process (files, not pipes: a 100 KB document would
    /// fill a pipe while nobody reads it).
    static func render(_ documents: [String]) async throws -> [Rendering] {
        // A missing renderer is a failure, never a skip: the escaping would go unproven.
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw Failure(description: "\(python) is missing: run `make deps` (it installs python3-markdown-it)")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("commonmark-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("in.json")
        let output = directory.appendingPathComponent("out.json")
        let errors = directory.appendingPathComponent("err.txt")
        try JSONEncoder().encode(documents).write(to: input)
        try Data().write(to: errors)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script.path, input.path, output.path]
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        try await process.exited()
        guard process.terminationStatus == 0 else {
            let message = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
            throw Failure(description: "the CommonMark renderer failed (exit \(process.terminationStatus)): \(message)")
        }
        let renderings = try JSONDecoder().decode([Rendering].self, from: Data(contentsOf: output))
        guard renderings.count == documents.count else {
            throw Failure(description: "the renderer answered \(renderings.count) documents for \(documents.count)")
        }
        return renderings
    }
}
