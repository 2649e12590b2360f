import Foundation
import Infinipost
import Sandbox
import Testing
import TestSupport

/// A sandbox API, a webhook receiver, (optionally) an SMTP server, a workspace and the secrets:
/// what every end-to-end test runs `postwatch` against.
final class Fixture: @unchecked Sendable {
    // Unchecked: the stored properties are set once in `start` and read afterwards.
    let binary: PostwatchBinary
    let server: SandboxServer
    let receiver: HTTPReceiver
    let smtp: SMTPServer?
    let workspace: Workspace
    let secrets: Secrets
    /// Everything postwatch printed in this test, for the "no secret" check at the end.
    private let printed = LockedText()

    private init(
        binary: PostwatchBinary, server: SandboxServer, receiver: HTTPReceiver, smtp: SMTPServer?, workspace: Workspace,
        secrets: Secrets
    ) {
        self.binary = binary
        self.server = server
        self.receiver = receiver
        self.smtp = smtp
        self.workspace = workspace
        self.secrets = secrets
    }

    static func start(smtp: Bool = false, posts: Int = 40, seed: UInt64 = 42) async throws -> Fixture {
        let binary = try PostwatchBinary()
        let server = try await SandboxServer.start(SandboxServer.testConfiguration(posts: posts, seed: seed))
        let receiver = try HTTPReceiver.start()
        let secrets = Secrets(apiKey: server.apiKey, receiver: receiver)
        // The server requires this login: the password must really reach it.
        let mail = smtp ? try await SMTPServer.start(.init(credentials: ("postwatch", secrets.smtpPassword))) : nil
        return Fixture(
            binary: binary, server: server, receiver: receiver, smtp: mail, workspace: try Workspace(), secrets: secrets)
    }

    /// Stops every peer and checks that no secret was printed by any run of the test.
    func finish(sourceLocation: SourceLocation = #_sourceLocation) async {
        secrets.expectAbsent(from: printed.text, sourceLocation: sourceLocation)
        receiver.stop()
        smtp?.stop()
        await server.shutdown()
        workspace.remove()
    }

    var sandbox: Sandbox { server.sandbox }

    /// The environment postwatch gets: the secrets travel here, never on the command line.
    var environment: [String: String] {
        [
            "INFINIPOST_API_KEY": secrets.apiKey, "HOOK": secrets.hookURL, "HOOK_SECRET": secrets.hmacSecret,
            "POSTWATCH_SMTP_PASSWORD": secrets.smtpPassword, "TEAM_HOOK": receiver.url("/team"),
        ]
    }

    /// The common options: this sandbox, this workspace's rules and state, the SMTP server.
    var common: [String] {
        var arguments = ["--api-url", server.baseURL, "--rules", workspace.rules, "--state", workspace.state]
        if let smtp {
            arguments += [
                "--smtp-url", smtp.url, "--smtp-tls", "none", "--smtp-from", "postwatch@example.com",
                "--smtp-user", "postwatch",
            ]
        }
        return arguments
    }

    /// Runs `postwatch ARGS` to completion; what it printed is kept for the secret check.
    func run(
        _ arguments: [String], environment extra: [String: String] = [:], timeout: Duration = .seconds(60)
    ) async throws -> PostwatchBinary.Result {
        let result = try await binary.run(
            arguments, environment: environment.merging(extra) { $1 }, directory: workspace.path, timeout: timeout)
        printed.append(result.output)
        return result
    }

    /// `postwatch check` with the common options.
    func check(_ arguments: [String] = [], environment extra: [String: String] = [:]) async throws -> PostwatchBinary.Result {
        try await run(["check"] + common + arguments, environment: extra)
    }

    /// Starts `postwatch ARGS` in the background; call `collect` on it before finishing.
    func start(_ arguments: [String], environment extra: [String: String] = [:]) throws -> LiveProcess {
        try LiveProcess(binary, arguments, environment: environment.merging(extra) { $1 }, directory: workspace.path)
    }

    func collect(_ process: LiveProcess) {
        process.stop()
        printed.append(process.stdout + process.stderr)
    }

    /// A post that can still move on (generated or pending_render), other than `excluding`.
    func movablePost(excluding: Set<String> = []) throws -> Post {
        guard let post = sandbox.posts().first(where: {
            ($0.status == .generated || $0.status == .pendingRender) && !excluding.contains($0.postId)
        }) else { throw TestSupportError("the sandbox has no generated or pending_render post") }
        return post
    }

    /// The rules most tests use: failures go to the signed webhook (and email when asked).
    func writeFailureRules(email: Bool, severity: String = "critical") throws {
        try workspace.writeRules(
            """
            channel hook = webhook env:HOOK secret env:HOOK_SECRET
            \(email ? "channel mail = email \"oncall@example.com\"" : "")

            rule "Failed posts" {
              when failed
              notify hook\(email ? ", mail" : "")
              severity \(severity)
              title "{{count}} post(s) failed"
            }
            """)
    }
}

/// Text appended from several places.
final class LockedText: @unchecked Sendable {
    // Unchecked: every access holds `lock`.
    private let lock = NSLock()
    private var value = ""
    func append(_ text: String) { lock.withLock { value += text + "\n" } }
    var text: String { lock.withLock { value } }
}
