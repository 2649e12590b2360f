import ArgumentParser
import PostwatchApp

@main
struct Postwatch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "postwatch",
        abstract: "Watches Infinipost posts and tells people when one fails, gets posted, or gets stuck.",
        subcommands: [
            OutboxCommand.self,
            SandboxCommand.self,
            RulesCommand.self,
            CheckCommand.self,
            RunCommand.self,
            DemoCommand.self,
        ]
    )
}
