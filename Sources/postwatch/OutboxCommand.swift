import ArgumentParser
import Foundation
import PostwatchApp
import Watch

/// `postwatch outbox [list|retry ID|drop ID] [--state PATH]`.
struct OutboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox",
        abstract: "Lists the notifications waiting, delivered or dead; shows, retries or drops one.",
        subcommands: [List.self, Show.self, Retry.self, Drop.self],
        defaultSubcommand: List.self
    )

    struct StateOption: ParsableArguments {
        @Option(help: "State file (POSTWATCH_STATE; default ./postwatch.sqlite).")
        var state: String?

        func admin() async throws(CommandError) -> OutboxAdmin {
            let environment = ProcessInfo.processInfo.environment
            let path = state.flatMap { $0.isEmpty ? nil : $0 } ?? environment["POSTWATCH_STATE"].flatMap { $0.isEmpty ? nil : $0 } ?? "./postwatch.sqlite"
            return try await OutboxAdmin.open(statePath: path)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Shows the outbox as a table, newest first.")
        @OptionGroup var options: StateOption
        @Option(help: "Only entries in this state: pending, delivered or dead.")
        var only: String?
        @Option(help: "At most this many entries.")
        var limit: Int = 100

        func run() async throws {
            do throws(CommandError) {
                var state: OutboxEntry.State?
                if let only {
                    guard let parsed = OutboxEntry.State(rawValue: only) else {
                        throw CommandError(.configuration, "--only must be pending, delivered or dead, not '\(only)'")
                    }
                    state = parsed
                }
                print(try await options.admin().list(state: state, limit: limit), terminator: "")
            } catch {
                throw error.exit()
            }
        }
    }

    /// The ID and `--state` of the commands about one entry, and how they run.
    struct EntryArguments: ParsableArguments {
        @Argument(help: "The notification's ID (see `postwatch outbox list`).")
        var id: Int64
        @OptionGroup var options: StateOption

        /// Prints what `action` answers for the entry; a `CommandError` exits with its code.
        func run(_ action: (OutboxAdmin, Int64) async throws -> String) async throws {
            do {
                print(try await action(try await options.admin(), id), terminator: "")
            } catch let error as CommandError {
                throw error.exit()
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Shows one notification in full, its last error too.")
        @OptionGroup var entry: EntryArguments

        func run() async throws { try await entry.run { try await $0.show(id: $1) } }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Makes a dead or pending notification due now.")
        @OptionGroup var entry: EntryArguments

        func run() async throws { try await entry.run { try await $0.retry(id: $1) } }
    }

    struct Drop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Deletes a notification from the outbox.")
        @OptionGroup var entry: EntryArguments

        func run() async throws { try await entry.run { try await $0.drop(id: $1) } }
    }
}
