import ArgumentParser
import PostwatchApp

/// `postwatch history [--post ID] [--rule NAME] [--channel NAME] [--since 24h] [--limit N]
/// [--output text|json] [--state PATH]`.
struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Shows what became of each event that matched a rule: sent where, when, with which answer, or why not.")

    @Option(help: "Only this post's events.")
    var post: String?
    @Option(help: "Only this rule's.")
    var rule: String?
    @Option(help: "Only what was sent to, or held back from, this channel.")
    var channel: String?
    @Option(help: "Only what was recorded this long ago or since (24h, 90m, 7d).")
    var since: String?
    @Option(help: "At most this many rows, the newest (default 100), shown oldest first.")
    var limit: String?
    @Option(help: "text or json (a stable document, see docs/history.md).")
    var output: String = "text"
    @OptionGroup var stateOption: StateOption

    func run() async throws {
        do throws(CommandError) {
            guard let format = History.Output(rawValue: output) else {
                throw CommandError(.configuration, "--output must be text or json, not '\(output)'")
            }
            let parameters = ["post": post, "rule": rule, "channel": channel, "since": since, "limit": limit].compactMapValues { $0 }
            let history = try await History.open(statePath: stateOption.path, passwordFile: stateOption.passwordFile)
            print(try await history.rendered(parameters: parameters, output: format), terminator: "")
        } catch {
            throw error.exit()
        }
    }
}
