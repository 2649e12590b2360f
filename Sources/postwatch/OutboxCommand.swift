import ArgumentParser
import Foundation
import PostwatchApp
import Watch

/// `postwatch outbox [list|show ID|retry ID|drop ID] [--state PATH]`.
struct OutboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox",
        abstract: "Lists the notifications waiting, delivered or dead; shows, retries or drops one.",
        subcommands: [List.self, Show.self, Retry.self, Drop.self],
        defaultSubcommand: List.self
    )

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
                print(try await options.outboxAdmin(readOnly: true).list(state: state, limit: limit), terminator: "")
            } catch {
                throw error.exit()
            }
        }
    }

    /// A subcommand about one notification: its ID, the state file, and the admin's answer printed.
    struct OneNotification: ParsableArguments {
        @Argument(help: "The notification's ID (see `postwatch outbox list`).")
        var id: Int64
        @OptionGroup var options: StateOption

        func printed(_ answer: (OutboxAdmin, Int64) async throws(CommandError) -> String) async throws {
            do throws(CommandError) {
                print(try await answer(options.outboxAdmin(), id), terminator: "")
            } catch {
                throw error.exit()
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Shows one notification: its attempts, last error, and what became of each email address.")
        @OptionGroup var notification: OneNotification

        func run() async throws {
            try await notification.printed { admin, id throws(CommandError) in try await admin.show(id: id) }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Makes a dead or pending notification due now (an email: to the addresses not yet delivered).")
        @Argument(help: "The notification's ID (see `postwatch outbox list`).")
        var id: Int64?
        @Flag(help: "Every dead notification, once the destination is fixed.")
        var allDead = false
        @OptionGroup var options: StateOption

        func validate() throws {
            guard (id == nil) != (!allDead) else { throw ValidationError("give an ID or --all-dead (one of them)") }
        }

        func run() async throws {
            do throws(CommandError) {
                let admin = try await options.outboxAdmin()
                if let id {
                    print(try await admin.retry(id: id), terminator: "")
                } else {
                    print(try await admin.retryAllDead(), terminator: "")
                }
            } catch {
                throw error.exit()
            }
        }
    }

    struct Drop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Deletes a notification from the outbox.")
        @OptionGroup var notification: OneNotification

        func run() async throws {
            try await notification.printed { admin, id throws(CommandError) in try await admin.drop(id: id) }
        }
    }
}

extension StateOption {
    func outboxAdmin(readOnly: Bool = false) async throws(CommandError) -> OutboxAdmin {
        try await OutboxAdmin.open(statePath: path, passwordFile: passwordFile, readOnly: readOnly)
    }
}
