import ArgumentParser
import Foundation
import PostwatchApp
import Timekeeping

/// `postwatch silence add|list|show|expire [--state PATH]`.
struct SilenceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "silence",
        abstract: "Mutes matched events for a while without editing the rules; lists, shows or expires silences.",
        discussion: """
            A silence's condition is a rule's `where` (docs/rules.md). A running daemon honours a silence \
            from its next cycle; muted events are recorded, not notified (docs/silences.md).
            """,
        subcommands: [Add.self, List.self, Show.self, Expire.self],
        defaultSubcommand: List.self
    )

    struct OutputOption: ParsableArguments {
        @Option(help: "text (a table) or json.")
        var output: String = "text"

        func isJSON() throws(CommandError) -> Bool {
            guard output == "text" || output == "json" else {
                throw CommandError(.configuration, "--output must be text or json, not '\(output)'")
            }
            return output == "json"
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Mutes the matched events a condition covers, for a while.",
            discussion: #"Example: postwatch silence add 'accountId = "acc_1" and platform = tiktok' --for 2h --comment "TikTok outage""#)

        @Argument(help: ArgumentHelp("The condition, in a rule's `where` syntax.", valueName: "condition"))
        var matcher: String
        @Option(name: .customLong("for"), help: ArgumentHelp("How long it mutes, e.g. 30m, 2h, 1d (at most 31d).", valueName: "duration"))
        var duration: String
        @Option(help: ArgumentHelp("When it starts muting (ISO 8601, e.g. 2026-12-24T18:00:00Z); default now.", valueName: "time"))
        var startsAt: String?
        @Option(help: "Why (required): shown in every list, and to whoever wonders later.")
        var comment: String
        @Option(help: "Who (default $USER, else the process's user).")
        var author: String?
        @Flag(help: "When it ends, tell the muted rules' channels what was muted (one message per rule).")
        var summary = false
        @OptionGroup var options: StateOption

        func run() async throws {
            do throws(CommandError) {
                let request = SilenceRequest(
                    matcher: matcher, startsAt: try startsAt.map(Self.time),
                    duration: try Duration(option: duration, named: "--for"), comment: comment,
                    author: author ?? SilenceRequest.defaultAuthor(environment: Settings.processEnvironment), summary: summary)
                print(try await options.silenceAdmin().addText(request), terminator: "")
            } catch {
                throw error.exit()
            }
        }

        static func time(_ text: String) throws(CommandError) -> Date {
            guard let date = try? Date(text, strategy: .iso8601) else {
                throw CommandError(.configuration, "--starts-at '\(text)' is not an ISO 8601 time like 2026-12-24T18:00:00Z")
            }
            return date
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Shows the active and pending silences as a table.")
        @Flag(help: "Expired silences too.")
        var all = false
        @OptionGroup var output: OutputOption
        @OptionGroup var options: StateOption

        func run() async throws {
            do throws(CommandError) {
                print(try await options.silenceAdmin(readOnly: true).listText(all: all, json: output.isJSON()), terminator: "")
            } catch {
                throw error.exit()
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Shows one silence and how many events it muted.")
        @Argument(help: "The silence's ID (see `postwatch silence list`).")
        var id: Int64
        @OptionGroup var output: OutputOption
        @OptionGroup var options: StateOption

        func run() async throws {
            do throws(CommandError) {
                print(try await options.silenceAdmin(readOnly: true).showText(id: id, json: output.isJSON()), terminator: "")
            } catch {
                throw error.exit()
            }
        }
    }

    struct Expire: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ends a silence now; it stays in `silence list --all` with what it muted.")
        @Argument(help: "The silence's ID (see `postwatch silence list`).")
        var id: Int64
        @OptionGroup var options: StateOption

        func run() async throws {
            do throws(CommandError) {
                print(try await options.silenceAdmin().expireText(id: id), terminator: "")
            } catch {
                throw error.exit()
            }
        }
    }
}

extension StateOption {
    func silenceAdmin(readOnly: Bool = false) async throws(CommandError) -> SilenceAdmin {
        try await SilenceAdmin.open(statePath: path, passwordFile: passwordFile, readOnly: readOnly)
    }
}
