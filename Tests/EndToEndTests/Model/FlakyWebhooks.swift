import Foundation
import Sandbox
import Synchronization
import TestSupport

/// How the webhook receiver answers during a model run: every request 200 when healthy; when
/// flaky, some 429 with `Retry-After`, some 503, some slow, and some hanging for seconds (long
/// enough for a kill to land while postwatch waits). Accepted requests go to the `DeliveryLog`.
final class FlakyWebhooks: Sendable {
    private let state: Mutex<(random: SeededRandom, flaky: Bool, answers: [String: Int])>
    private let log: DeliveryLog
    /// Channel names by request path.
    private let channels: [String: String]

    init(random: SeededRandom, log: DeliveryLog, channels: [String: String]) {
        state = Mutex((random, false, [:]))
        self.log = log
        self.channels = channels
    }

    /// Flaky or healthy from now on.
    func setFlaky(_ flaky: Bool) { state.withLock { $0.flaky = flaky } }

    /// How many answers of each kind were given (`ok`, `429`, `503`, `slow`, `hang`).
    var answers: [String: Int] { state.withLock { $0.answers } }

    func install(on receiver: HTTPReceiver) {
        receiver.setHandler { [self] request in answer(request) }
    }

    private func answer(_ request: HTTPReceiver.Request) -> HTTPReceiver.Response {
        let response = state.withLock { state -> HTTPReceiver.Response in
            let roll = state.flaky ? Int.random(in: 0..<100, using: &state.random) : 99
            let answer: (String, HTTPReceiver.Response) = switch roll {
            case 0..<15: ("429", .tooManyRequests(retryAfter: "1"))
            case 15..<25: ("503", .status(503, "unavailable"))
            case 25..<31: ("slow", .slow(.milliseconds(700), .status(200, "ok")))
            case 31..<34: ("hang", .slow(.seconds(3), .status(200, "ok")))
            default: ("ok", .status(200, "ok"))
            }
            state.answers[answer.0, default: 0] += 1
            return answer.1
        }
        if (200..<300).contains(response.status), let channel = channels[request.path] {
            log.recordWebhook(channel: channel, body: request.body, header: request.header("Idempotency-Key"))
        } else if channels[request.path] == nil {
            log.recordWebhook(channel: "unknown path \(request.path)", body: request.body, header: nil)
        }
        return response
    }
}
