import Foundation
import Sandbox
import Synchronization
import TestSupport

/// The destinations of a chaos run, on one real HTTP receiver: `/audit`, a webhook every rule
/// notifies (postwatch's JSON: rule, idempotency key, events), and `/ops` and `/ops2`, two
/// Slack-compatible hooks postwatch sends at most 1/s each (burst 3, `RateLimit.slackCompatible`),
/// whichever replica sends. Every request is kept with when it arrived and which replica sent it.
///
/// Answers are mostly 200; from a seed, some 503 on `/audit` and some 429 with `Retry-After`
/// on the hooks (a pause every replica must honour); and, while `slowAudit` is set, `/audit`
/// answers after 800 ms, for a kill to land mid-delivery.
final class ChaosReceivers: Sendable {
    /// One request as it arrived.
    struct Arrival: Sendable {
        /// Seconds since the run started.
        var at: Double
        var path: String
        /// The replica that sent it, read from its socket; nil when it could not be told.
        var sender: String?
        var status: Int
        /// The notification's identity: the `Idempotency-Key` on `/audit`; the text itself on
        /// the hooks, which carry no key (a resend of one outbox entry is the same text).
        var key: String
        /// The events it carries.
        var events: [ChaosHistory.Owed]
        var accepted: Bool { (200..<300).contains(status) }
    }

    static let audit = "/audit"
    /// The rate-limited hooks, and the status each one's rule notifies.
    static let hooks = ["/ops": "failed", "/ops2": "posted"]

    let receiver: HTTPReceiver
    private let started: ContinuousClock.Instant
    private let state: Mutex<(arrivals: [Arrival], random: SeededRandom, slowAudit: Bool, unreadable: [String], unattributed: [String])>
    /// The replicas' process ids by replica id, to tell senders apart.
    private let replicas = Mutex<@Sendable () -> [(id: String, pid: Int32)]>({ [] })

    init(seed: UInt64, started: ContinuousClock.Instant) throws {
        receiver = try HTTPReceiver.start()
        self.started = started
        state = Mutex(([], SeededRandom(seed: seed), false, [], []))
        receiver.setHandler { [self] request in answer(request) }
    }

    /// Where the senders' process ids come from (the replicas, started after the receiver).
    func tellSenders(_ replicas: @escaping @Sendable () -> [(id: String, pid: Int32)]) {
        self.replicas.withLock { $0 = replicas }
    }

    func url(_ path: String) -> String { receiver.url(path) }

    /// `/audit` answers slowly (800 ms) from now on, or not.
    func setSlowAudit(_ slow: Bool) { state.withLock { $0.slowAudit = slow } }

    var arrivals: [Arrival] { state.withLock { $0.arrivals } }
    /// The first requests whose sender could not be told, with what was looked up.
    var unattributed: [String] { state.withLock { $0.unattributed } }
    /// Accepted requests that could not be read as a notification.
    var unreadable: [String] { state.withLock { $0.unreadable } }

    private func answer(_ request: HTTPReceiver.Request) -> HTTPReceiver.Response {
        let at = (ContinuousClock.now - started).secondsValue
        // Asked now, while the sender's connection is open and waiting for this answer.
        let candidates = replicas.withLock { $0 }()
        let sender = request.peerPort.flatMap { port in
            SocketOwner.process(localPort: port, remotePort: receiver.port, among: candidates.map(\.pid))
        }.flatMap { pid in candidates.first { $0.pid == pid }?.id }
        let path = request.path
        let (response, key, events, unreadable): (HTTPReceiver.Response, String, [ChaosHistory.Owed], String?)
        if path == Self.audit {
            let delivery = DeliveryLog.webhook(channel: "audit", body: request.body)
            key = request.header("Idempotency-Key") ?? "none"
            events = delivery?.events.map { ChaosHistory.Owed(postId: $0.postId, to: $0.to) } ?? []
            unreadable = delivery == nil || delivery?.key != key ? "\(path): \(request.text.prefix(300))" : nil
            response = state.withLock { state in
                if Int.random(in: 0..<100, using: &state.random) < 4 { return .status(503, "unavailable") }
                return state.slowAudit ? .slow(.milliseconds(800), .status(200, "ok")) : .status(200, "ok")
            }
        } else if let status = Self.hooks[path] {
            key = request.text
            events = Self.postIds(in: request.text).map { ChaosHistory.Owed(postId: $0, to: status) }
            unreadable = events.isEmpty ? "\(path): \(request.text.prefix(300))" : nil
            response = state.withLock { state in
                Int.random(in: 0..<100, using: &state.random) < 3 ? .tooManyRequests(retryAfter: "1") : .status(200, "ok")
            }
        } else {
            (key, events, unreadable) = ("", [], "unknown path \(path)")
            response = .status(404, "no such hook")
        }
        let arrival = Arrival(at: at, path: path, sender: sender, status: response.status, key: key, events: events)
        state.withLock { state in
            if sender == nil, state.unattributed.count < 5 {
                let inode = request.peerPort.flatMap { SocketOwner.inode(localPort: $0, remotePort: receiver.port) }
                state.unattributed.append("port \(request.peerPort ?? -1) inode \(inode ?? "none") among \(candidates.map { "\($0.id):\($0.pid)" })")
            }
            state.arrivals.append(arrival)
            if arrival.accepted, let unreadable { state.unreadable.append(unreadable) }
        }
        return response
    }

    /// The sandbox's post ids (`post_` and 12 letters or digits) in a text.
    static func postIds(in text: String) -> [String] {
        text.matches(of: /post_[A-Za-z0-9]{12}/).map { String($0.output) }
    }

    /// Every breach of `perSecond` (burst `burst`) on `path`, as the receiver saw the requests
    /// arrive: no stretch of arrivals may hold more than `burst + ⌊(span + tolerance) × rate⌋`
    /// of them (a GCRA's bound). `tolerance` absorbs a send that left late and so arrived close
    /// to the next one: on a loaded 2-core machine, a sleep ends late by up to a few hundred ms.
    /// Also returns the most requests seen in any one-second window.
    func rateBreaches(path: String, perSecond rate: Double, burst: Int, tolerance: Double) -> (breaches: [String], peak: Int) {
        let times = arrivals.filter { $0.path == path }.map(\.at).sorted()
        var breaches: [String] = []
        var peak = 0
        for i in times.indices {
            var j = i
            while j + 1 < times.count, times[j + 1] - times[i] < 1 { j += 1 }
            peak = max(peak, j - i + 1)
            for k in i..<times.count {
                let allowed = burst + Int(((times[k] - times[i] + tolerance) * rate).rounded(.down))
                if k - i + 1 > allowed {
                    breaches.append(
                        String(format: "%@: %d requests between %.2f s and %.2f s, at most %d allowed", path, k - i + 1, times[i], times[k], allowed))
                    break
                }
            }
        }
        return (breaches, peak)
    }
}
