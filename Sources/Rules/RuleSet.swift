import Foundation

/// Every rule and channel of a rules file or directory, checked and ready to evaluate.
///
/// ```swift
/// let rules = try RuleSet.load(path: "rules", environment: ProcessInfo.processInfo.environment)
/// let firing = rules.rules(matching: subject)
/// ```
public struct RuleSet: Sendable {
    /// Declared channels and the ones synthesized for inline destinations, by name.
    public let channels: [String: ChannelDeclaration]
    /// Rules in file order (files in name order).
    public let rules: [Rule]
    /// Warnings found while loading (the set loaded all the same).
    public let warnings: [Diagnostic]
    /// `window "Name" { … }` declarations, by name.
    public let windows: [String: MaintenanceWindow]

    public init(
        channels: [String: ChannelDeclaration], rules: [Rule], warnings: [Diagnostic] = [],
        windows: [String: MaintenanceWindow] = [:]
    ) {
        self.channels = channels
        self.rules = rules
        self.warnings = warnings
        self.windows = windows
    }

    /// Loads a `.rules` file, or every `*.rules` file of a directory in name order.
    ///
    /// `environment` supplies `env:NAME` secrets (the library never reads the process
    /// environment). Throws every diagnostic, warnings included, when any is an error; nothing
    /// is half-loaded.
    public static func load(path: String, environment: [String: String]) throws(RuleLoadError) -> RuleSet {
        try load(path: path, environment: environment, requireSecrets: true)
    }

    /// As `load(path:environment:)`; with `requireSecrets: false` a missing `env:` variable or
    /// unreadable `file:` is no error and the target gets a placeholder (for tools that send
    /// nothing: `rules test`, `rules lint --skip-secrets`).
    public static func load(path: String, environment: [String: String], requireSecrets: Bool) throws(RuleLoadError) -> RuleSet {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw RuleLoadError(diagnostics: [fileError(path, "no such file or directory")])
        }
        var paths = [path]
        if isDirectory.boolValue {
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: path)
            } catch {
                throw RuleLoadError(diagnostics: [fileError(path, "cannot list the directory")])
            }
            paths = names.filter { $0.hasSuffix(".rules") && !$0.hasPrefix(".") }.sorted()
                .map { (path as NSString).appendingPathComponent($0) }
            guard !paths.isEmpty else {
                throw RuleLoadError(diagnostics: [fileError(path, "no *.rules files in this directory")])
            }
        }
        var sources: [(name: String, text: String)] = []
        var problems: [Diagnostic] = []
        for file in paths {
            guard let data = FileManager.default.contents(atPath: file) else {
                problems.append(fileError(file, "cannot read the file"))
                continue
            }
            guard let text = String(data: data, encoding: .utf8) else {
                problems.append(fileError(file, "the file is not UTF-8 text"))
                continue
            }
            sources.append((file, text))
        }
        guard problems.isEmpty else { throw RuleLoadError(diagnostics: problems) }
        return try load(sources: sources, environment: environment, requireSecrets: requireSecrets)
    }

    /// Loads rules from text (`name` is used in diagnostics and for relative `file:` secrets).
    public static func load(source: String, name: String = "<rules>", environment: [String: String] = [:]) throws(RuleLoadError) -> RuleSet {
        try load(sources: [(name, source)], environment: environment)
    }

    /// Loads several files as one set: names are global across them.
    public static func load(
        sources: [(name: String, text: String)], environment: [String: String], requireSecrets: Bool = true
    ) throws(RuleLoadError) -> RuleSet {
        var parsed: [(SourceFile, [Syntax.Item])] = []
        var diagnostics: [Diagnostic] = []
        for (name, text) in sources {
            let file = SourceFile(name: name, text: text)
            let (items, parseDiagnostics) = Parser.parse(file)
            parsed.append((file, items))
            diagnostics += parseDiagnostics
        }
        var checker = Checker(environment: environment)
        checker.requireSecrets = requireSecrets
        checker.check(parsed)
        diagnostics += checker.diagnostics
        let order = Dictionary(uniqueKeysWithValues: sources.enumerated().map { ($1.name, $0) })
        // Stable sort: file order, then position; parse errors before check errors at the same spot.
        let sorted = diagnostics.enumerated().sorted { a, b in
            let fa = order[a.element.location.file] ?? Int.max
            let fb = order[b.element.location.file] ?? Int.max
            if fa != fb { return fa < fb }
            let la = (a.element.location.line, a.element.location.column)
            let lb = (b.element.location.line, b.element.location.column)
            if la != lb { return la < lb }
            return a.offset < b.offset
        }.map(\.element)
        if sorted.contains(where: \.isError) { throw RuleLoadError(diagnostics: sorted) }
        return RuleSet(channels: checker.channels, rules: checker.rules, warnings: sorted, windows: checker.windows)
    }

    private static func fileError(_ path: String, _ message: String) -> Diagnostic {
        Diagnostic(level: .error, message: message, range: .wholeFile(path))
    }

    /// The rules that fire for `subject`, in order.
    public func rules(matching subject: RuleSubject) -> [Rule] {
        rules.filter { $0.matches(subject) }
    }

    /// The rule called `name` (the checker makes names unique), or nil.
    public func rule(named name: String) -> Rule? {
        rules.first { $0.name == name }
    }

    /// Every `overdue` duration used by a rule, in seconds, ascending and distinct.
    public var overdueThresholds: [Int] {
        Array(Set(rules.flatMap(\.overdueThresholds))).sorted()
    }
}
