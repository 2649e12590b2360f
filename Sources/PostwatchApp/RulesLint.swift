import Foundation
import Rules

/// What a `rules` subcommand prints and how it exits; the executable only writes it out.
public struct RulesCommandOutput: Sendable, Equatable {
    public var stdout: String
    public var stderr: String
    public var exitCode: Int32

    public init(stdout: String = "", stderr: String = "", exitCode: Int32) {
        self.stdout = stdout
        self.stderr = stderr
        self.exitCode = exitCode
    }
}

/// `postwatch rules lint`: loads the rules and reports every diagnostic.
///
/// Exit 0 when there is no error (warnings are printed), 2 on any error. Missing `env:`
/// variables and unreadable `file:` secrets are errors here too (they would stop `run`),
/// unless `skipSecrets` is set.
public enum RulesLint {
    public enum Format: String, Sendable, CaseIterable {
        case text, json
    }

    public struct Options: Sendable {
        public var path: String
        public var format: Format
        /// Supplies `env:NAME` secrets (the CLI passes the process environment).
        public var environment: [String: String]
        /// Do not require `env:`/`file:` secrets to be available (a CI job checking rules in a pull request).
        public var skipSecrets: Bool

        public init(path: String, format: Format = .text, environment: [String: String], skipSecrets: Bool = false) {
            self.path = path
            self.format = format
            self.environment = environment
            self.skipSecrets = skipSecrets
        }
    }

    public static func run(_ options: Options) -> RulesCommandOutput {
        let diagnostics: [Diagnostic]
        var set: RuleSet?
        do {
            let loaded = try RuleSet.load(path: options.path, environment: options.environment, requireSecrets: !options.skipSecrets)
            set = loaded
            diagnostics = loaded.warnings
        } catch {
            diagnostics = error.diagnostics
        }
        let exitCode: Int32 = diagnostics.contains(where: \.isError) ? 2 : 0
        switch options.format {
        case .json:
            return RulesCommandOutput(stdout: json(diagnostics, set: set) + "\n", exitCode: exitCode)
        case .text:
            var text = diagnostics.map { $0.description + "\n" }.joined()
            if let set {
                let channels = set.channels.values.filter { !$0.isInline }.count
                text += "\(options.path): \(count(set.rules.count, "rule")), \(count(channels, "channel")), \(RuleLoadError.summary(diagnostics))\n"
            } else {
                text += "\(options.path): \(RuleLoadError.summary(diagnostics)); nothing loaded\n"
            }
            return RulesCommandOutput(stdout: text, exitCode: exitCode)
        }
    }

    static func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

    /// One object per diagnostic, for editors and CI annotations (columns are 1-based; endColumn exclusive).
    static func json(_ diagnostics: [Diagnostic], set: RuleSet?) -> String {
        struct Note: Encodable {
            let message: String
            let file: String?
            let line: Int?
            let column: Int?
        }
        struct Entry: Encodable {
            let file: String
            let line: Int
            let column: Int
            let endLine: Int
            let endColumn: Int
            let severity: String
            let message: String
            let notes: [Note]
        }
        struct Document: Encodable {
            let ok: Bool
            let errors: Int
            let warnings: Int
            let rules: Int?
            let diagnostics: [Entry]
        }
        let entries = diagnostics.map { d in
            Entry(
                file: d.range.start.file, line: d.range.start.line, column: d.range.start.column,
                endLine: d.range.end.line, endColumn: d.range.end.column, severity: d.level.rawValue, message: d.message,
                notes: d.notes.map { Note(message: $0.message, file: $0.range?.start.file, line: $0.range?.start.line, column: $0.range?.start.column) })
        }
        let errors = diagnostics.filter(\.isError).count
        let document = Document(ok: errors == 0, errors: errors, warnings: diagnostics.count - errors, rules: set?.rules.count, diagnostics: entries)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(document) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
