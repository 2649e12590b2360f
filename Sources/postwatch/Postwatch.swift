import ArgumentParser
import PostwatchApp

@main
struct Postwatch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "postwatch",
        abstract: "Watches Infinipost posts and tells people when one fails, gets posted, or gets stuck.",
        subcommands: [
            CheckCommand.self,
            RunCommand.self,
            DemoCommand.self,
            RulesCommand.self,
            OutboxCommand.self,
            SandboxCommand.self,
        ]
    )
}
