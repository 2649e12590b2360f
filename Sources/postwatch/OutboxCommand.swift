import ArgumentParser
import Foundation
import PostwatchApp
import Watch

/// `postwatch outbox [list|retry ID|drop ID] [--state PATH]`.
struct OutboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox",
        abstract: "Lists the notifications waiting, delivered or dead; retries or drops one.",
        subcommands: [List.self, Retry.self, Drop.self],
        defaultSubcommand: List.self
    )

    struct StateOption: ParsableArguments {
        @Option(help: "State file (POSTWATCH_STATE; default ./postwatch.sqlite).")
        var state: String?

        func admin(readOnly: Bool = false) async throws(CommandError) -> OutboxAdmin {
            let environment = ProcessInfo.processInfo.environment
            let path = state.flatMap { $0.isEmpty ? nil : $0 } ?? environment["POSTWATCH_STATE"].flatMap { $0.isEmpty ? nil : $0 } ?? "./postwatch.sqlite"
            return try await OutboxAdmin.open(statePath: path, readOnly: readOnly)
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
                print(try await options.admin(readOnly: true).list(state: state, limit: limit), terminator: "")
            } catch {
                throw error.exit()
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Makes a dead or pending notification due now.")
        @Argument(help: "The notification's ID (see `postwatch outbox list`).")
        var id: Int64
        @OptionGroup var options: StateOption

        func run() async throws {
            do {
                print(try await options.admin().retry(id: id), terminator: "")
            } catch {
                throw error.exit()
            }
        }
    }

    struct Drop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Deletes a notification from the outbox.")
        @Argument(help: "The notification's ID (see `postwatch outbox list`).")
        var id: Int64
        @OptionGroup var options: StateOption

        func run() async throws {
            do {
                print(try await options.admin().drop(id: id), terminator: "")
            } catch {
                throw error.exit()
            }
        }
    }
}
