import ArgumentParser

@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "postwatch-bench",
        abstract: "postwatch's benchmarks; each prints its figures as a Markdown section (docs/benchmarks.md).",
        subcommands: [
            ClientBench.self,
            WatchBench.self,
            WatchBenchCycle.self,
            WatchBenchSandbox.self,
            WatchCrashChild.self,
            RulesBench.self,
            NotifyBench.self,
            RetentionBench.self,
            HABench.self,
        ])
}
