import ArgumentParser
import Foundation
import Infinipost
import Logging
import Sandbox
import Timekeeping

/// `postwatch sandbox`: an Infinipost-compatible API on this machine, with a simulated lifecycle
/// and fault knobs, to try postwatch without an account.
struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Serve an Infinipost-compatible posts API with simulated posts and faults.",
        discussion: """
            Posts move generated -> pending_render -> posted | failed every --tick. Try:
              curl -H 'Authorization: Bearer sandbox-key' 'http://127.0.0.1:8080/v1/posts?limit=2'
            """)

    @Option(help: "Port to listen on (0 picks a free one).")
    var port: Int = 8080

    @Option(help: "Address to listen on.")
    var host: String = "127.0.0.1"

    @Option(help: "Posts created at start.")
    var posts: Int = 500

    @Option(help: "A long history instead of --posts: this many finished posts (5% failed), about 1,000 a day back from now.")
    var history: Int?

    @Option(help: "With --history: posts still to go out, scheduled in the next two hours (kept steady as they finish).")
    var active: Int = 1_000

    @Option(name: .customLong("api-key"), help: "The Bearer key clients must send.")
    var apiKey: String = "sandbox-key"

    @Option(help: "How often the lifecycle moves on (e.g. 2s, 500ms; 0 never).")
    var tick: String = "2s"

    @Option(help: "schedule (default): posts render shortly before their scheduledTime and are posted or fail at it; fast: any post may move on at every tick.")
    var lifecycle: String = "schedule"

    @Option(help: "Seed of the post generator (the same seed gives the same posts).")
    var seed: UInt64 = 1

    @Option(help: "Accounts the posts are spread over.")
    var accounts: Int = 6

    @Option(help: "Delay added to every response (e.g. 0ms, 200ms).")
    var latency: String = "0ms"

    @Option(name: .customLong("fail-rate"), help: "Share of requests answered 500 internal (0 to 1).")
    var failRate: Double = 0

    @Option(name: .customLong("rate-limit"), help: "Requests allowed per second (e.g. 5/s); over it, 429 with Retry-After.")
    var rateLimit: String?

    @Option(name: .customLong("truncate-rate"), help: "Share of responses whose connection is cut mid-body (0 to 1).")
    var truncateRate: Double = 0

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard posts >= 0 else { throw ValidationError("--posts must not be negative") }
        if let history, history < 0 { throw ValidationError("--history must not be negative") }
        guard active >= 0 else { throw ValidationError("--active must not be negative") }
        guard accounts >= 1 else { throw ValidationError("--accounts must be at least 1") }
        guard Duration(parsing: tick) != nil else { throw ValidationError("--tick: not a duration: '\(tick)' (e.g. 2s, 500ms)") }
        guard Duration(parsing: latency) != nil else {
            throw ValidationError("--latency: not a duration: '\(latency)' (e.g. 0ms, 200ms)")
        }
        guard SandboxConfiguration.Lifecycle(rawValue: lifecycle) != nil else {
            throw ValidationError("--lifecycle must be schedule or fast, not '\(lifecycle)'")
        }
        guard (0...1).contains(failRate) else { throw ValidationError("--fail-rate must be between 0 and 1") }
        guard (0...1).contains(truncateRate) else { throw ValidationError("--truncate-rate must be between 0 and 1") }
        if let rateLimit, SandboxFaults.requestsPerSecond(parsing: rateLimit) == nil {
            throw ValidationError("--rate-limit: expected requests per second like 5/s or 5, got '\(rateLimit)'")
        }
    }

    func run() async throws {
        let tickDuration = Duration(parsing: tick) ?? .seconds(2)
        let faults = SandboxFaults(
            latency: Duration(parsing: latency) ?? .zero, failRate: failRate,
            rateLimit: rateLimit.flatMap(SandboxFaults.requestsPerSecond(parsing:)), truncateRate: truncateRate)
        let sandbox = Sandbox(
            configuration: SandboxConfiguration(
                initialPosts: posts, apiKey: apiKey, tick: tickDuration > .zero ? tickDuration : nil, seed: seed,
                accounts: accounts, faults: faults, lifecycle: SandboxConfiguration.Lifecycle(rawValue: lifecycle) ?? .schedule,
                history: history.map { SandboxConfiguration.History(posts: $0, active: active) }))
        let server = SandboxHTTPServer(sandbox: sandbox, host: host, port: port)
        let host = host
        try await server.run { port in
            // The key is the user's own sandbox key, but it is still a key: never printed.
            // Written unbuffered: a script waiting for this line must see it at once.
            let line = "sandbox: \(sandbox.count) posts on http://\(host):\(port)/v1/posts (tick \(tickDuration.compactDescription))\n"
            FileHandle.standardOutput.write(Data(line.utf8))
        }
    }
}
