import ArgumentParser
import Foundation
import PostwatchApp

@main
struct Postwatch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "postwatch",
        abstract: "Watches Infinipost posts and tells people when one fails, gets posted, or gets stuck.",
        version: BuildInfo.description,
        subcommands: [
            CheckCommand.self,
            RunCommand.self,
            DemoCommand.self,
            RulesCommand.self,
            ConfigCommand.self,
            ChannelCommand.self,
            OutboxCommand.self,
            SilenceCommand.self,
            HistoryCommand.self,
            SandboxCommand.self,
        ]
    )

    /// ArgumentParser's own `main`, except that a usage error (an unknown option, a bad value,
    /// a missing argument) exits 2 as documented, not 64: the systemd unit, the CronJob and the
    /// CI workflow all treat 2 as "the configuration is wrong, do not retry".
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            exit(withError: ExitCode(ExitStatus.configuration.rawValue))
        }
    }
}
