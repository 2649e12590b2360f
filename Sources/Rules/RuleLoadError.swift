/// Loading rules failed: every error (and warning) found, in file order.
///
/// Nothing is loaded when this is thrown, so a running daemon keeps its previous rules.
public struct RuleLoadError: Error, Sendable, CustomStringConvertible {
    public let diagnostics: [Diagnostic]

    public init(diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics
    }

    public var errors: [Diagnostic] { diagnostics.filter(\.isError) }

    /// All diagnostics, compiler style, then a count (`2 errors, 1 warning`).
    public var description: String {
        (diagnostics.map(\.description) + [Self.summary(diagnostics)]).joined(separator: "\n")
    }

    /// `1 error`, `2 errors, 1 warning`, or `no problems`.
    public static func summary(_ diagnostics: [Diagnostic]) -> String {
        let errors = diagnostics.filter(\.isError).count
        let warnings = diagnostics.count - errors
        var parts: [String] = []
        if errors > 0 { parts.append("\(errors) error\(errors == 1 ? "" : "s")") }
        if warnings > 0 { parts.append("\(warnings) warning\(warnings == 1 ? "" : "s")") }
        return parts.isEmpty ? "no problems" : parts.joined(separator: ", ")
    }
}
