import ArgumentParser
import Foundation
import PostwatchApp

/// `postwatch rules lint|test`: arguments only; the work is in PostwatchApp.
struct RulesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Check rule files, and try them on events.",
        subcommands: [Lint.self, Test.self])

    static func emit(_ output: RulesCommandOutput) throws {
        if !output.stdout.isEmpty { FileHandle.standardOutput.write(Data(output.stdout.utf8)) }
        if !output.stderr.isEmpty { FileHandle.standardError.write(Data(output.stderr.utf8)) }
        if output.exitCode != 0 { throw ExitCode(output.exitCode) }
    }

    struct Lint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check rule files: exit 0 when clean (warnings printed), 2 on any error.")

        @Option(help: "A .rules file or a directory of them (POSTWATCH_RULES, default ./rules).")
        var rules: String = Settings.defaultRulesPath()

        @Option(help: "text, or json for editors and CI annotations.")
        var format: String = "text"

        @Flag(help: "Do not require env: and file: secrets to be set (to check rules where they are not available).")
        var skipSecrets = false

        func validate() throws {
            guard RulesLint.Format(rawValue: format) != nil else {
                throw ValidationError("--format must be text or json")
            }
        }

        func run() async throws {
            let options = RulesLint.Options(
                path: rules, format: RulesLint.Format(rawValue: format) ?? .text,
                environment: Settings.processEnvironment, skipSecrets: skipSecrets)
            try RulesCommand.emit(RulesLint.run(options))
        }
    }

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show which rules fire for the events in JSON files, and what they would send (sends nothing).",
            discussion: """
                Each file holds an event or a list: a post as the API gives it, plus "from" (default new), \
                optionally "to" (default the post's status), "kind" (transition, overdue, deleted) and "now". \
                Exit 1 when a rule of severity warning or critical fires.
                """)

        @Option(help: "A .rules file or a directory of them (POSTWATCH_RULES, default ./rules).")
        var rules: String = Settings.defaultRulesPath()

        @Argument(help: "Event files (JSON).")
        var events: [String] = []

        func run() async throws {
            let options = RulesTest.Options(path: rules, eventFiles: events, environment: Settings.processEnvironment)
            try RulesCommand.emit(RulesTest.run(options))
        }
    }
}
