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

    /// Renders every document in one child process.
    static func render(_ documents: [String]) async throws -> [Rendering] {
        let renderings = try await PythonHelper.run(
            python: python, script: script, input: documents, as: [Rendering].self, what: "the CommonMark renderer",
            install: "run `make deps` (it installs python3-markdown-it)")
        guard renderings.count == documents.count else {
            throw Failure(description: "the renderer answered \(renderings.count) documents for \(documents.count)")
        }
        return renderings
    }
}
