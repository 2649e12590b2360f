import ArgumentParser

@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "postwatch-bench", abstract: "postwatch's benchmarks.",
        subcommands: [WatchBench.self, WatchBenchCycle.self, WatchBenchSandbox.self, WatchCrashChild.self])
}
