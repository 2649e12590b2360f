import Foundation
import Infinipost
import Sandbox

/// Draws a random history for the sandbox, one step at a time, from a seed: posts created in any
/// status (undocumented ones and a platform the API "adds" a third of the way in included),
/// moved through the lifecycle, failing, retried and failing again, posted, edited without a
/// status change, deleted and reappearing; and, between those, cycles with their fault plan.
struct HistoryGenerator {
    /// What one cycle runs into.
    struct CyclePlan: Sendable {
        /// Answers queued for the next API requests (retried by the client, or aborting the cycle).
        var apiFaults: [SandboxFault] = []
        /// Random 500s and cut bodies on every request of the cycle (hitting it mid-listing).
        var failRate = 0.0
        var truncateRate = 0.0
        /// Whether the injected faults may abort the cycle (exit 3 is then no discrepancy).
        var mayAbort = false
        /// Webhook receivers answer some requests 429/503, slowly, or hang for a while.
        var flakyReceivers = false
        /// SIGKILL postwatch this long after it started (or after its first webhook request,
        /// with `killDuringDelivery`); nil: let it finish.
        var killAfter: Duration?
        /// Aim the kill at the delivery: after the commit, between a receiver taking a
        /// notification and postwatch marking it delivered.
        var killDuringDelivery = false
    }

    enum Step {
        case mutation
        case cycle(CyclePlan)
    }

    /// Statuses the API does not document (it may add some: kept raw, never a crash).
    static let undocumentedStatuses = ["archived", "in_review"]
    /// The platform the API "adds" during the run.
    static let laterPlatform = "youtube"

    private var random: SeededRandom
    let steps: Int
    private(set) var step = 0
    /// Posts deleted from the sandbox, to bring back later.
    private var deleted: [Post] = []
    private(set) var faultsInjected = 0
    private(set) var kills = 0
    private(set) var mutations = 0

    init(random: SeededRandom, steps: Int) {
        self.random = random
        self.steps = steps
    }

    var isFinished: Bool { step >= steps }

    /// Draws and applies the next step to `sandbox`; a cycle is returned for the test to run.
    mutating func next(_ sandbox: Sandbox) -> Step {
        step += 1
        let roll = Int.random(in: 0..<100, using: &random)
        if roll < 9 { return .cycle(drawCycle()) }
        mutations += 1
        let posts = sandbox.posts()
        switch roll {
        case 9..<24 where posts.count < 90: create(in: sandbox)
        case 9..<55: advance(pick(posts) { !$0.status.isFinal }, in: sandbox)
        case 55..<65: retry(pick(posts) { $0.status == .failed }, in: sandbox)
        case 65..<71: setAnyStatus(pick(posts) { _ in true }, in: sandbox)
        case 71..<79: delete(pick(posts) { _ in true }, in: sandbox)
        case 79..<87: reappear(in: sandbox)
        case 87..<90 where posts.count < 90: sandbox.tick()
        default:
            // An edit that is no transition: it must notify nobody.
            if let post = pick(posts, { _ in true }) {
                sandbox.update(post.postId) { $0.caption += " (edited)" }
            }
        }
        return .mutation
    }

    private mutating func pick(_ posts: [Post], _ filter: (Post) -> Bool) -> Post? {
        posts.filter(filter).randomElement(using: &random)
    }

    private mutating func anyStatus() -> PostStatus {
        let all = PostStatus.documented + Self.undocumentedStatuses.map(PostStatus.init(rawValue:))
        return all.randomElement(using: &random)!
    }

    /// A new post, usually `generated`, sometimes first seen in a later or unknown status.
    private mutating func create(in sandbox: Sandbox) {
        guard let post = sandbox.addGenerated(count: 1).first else { return }
        let status: PostStatus? = random.chance(0.3) ? anyStatus() : nil
        let laterPlatform = step > steps / 3 && random.chance(0.25)
        guard status != nil || laterPlatform else { return }
        sandbox.update(post.postId) { post in
            if let status {
                post.status = status
                if status == .posted { post.postedAt = post.scheduledTime }
            }
            if laterPlatform { post.platform = Platform(rawValue: Self.laterPlatform) }
        }
    }

    /// `generated` → `pending_render` → `posted` | `failed`, now and then skipping a step.
    private mutating func advance(_ post: Post?, in sandbox: Sandbox) {
        guard let post else { return }
        let next: PostStatus
        switch post.status {
        case .generated: next = random.chance(0.8) ? .pendingRender : (random.chance(0.5) ? .posted : .failed)
        case .pendingRender: next = random.chance(0.55) ? .posted : .failed
        default: next = anyStatus()
        }
        sandbox.setStatus(post.postId, to: next)
    }

    /// A failed post retried: back to rendering (it may fail again).
    private mutating func retry(_ post: Post?, in sandbox: Sandbox) {
        guard let post else { return }
        sandbox.setStatus(post.postId, to: random.chance(0.7) ? .pendingRender : .generated)
    }

    /// Any status at all, documented or not, even leaving `posted`.
    private mutating func setAnyStatus(_ post: Post?, in sandbox: Sandbox) {
        guard let post else { return }
        let status = anyStatus()
        sandbox.update(post.postId) { $0.status = status }
    }

    private mutating func delete(_ post: Post?, in sandbox: Sandbox) {
        guard let post, sandbox.delete(post.postId) else { return }
        deleted.append(post)
    }

    /// A deleted post comes back, as it was or in another status.
    private mutating func reappear(in sandbox: Sandbox) {
        guard !deleted.isEmpty else { return }
        var post = deleted.remove(at: Int.random(in: 0..<deleted.count, using: &random))
        if random.chance(0.5) { post.status = anyStatus() }
        sandbox.add(post)
    }

    private mutating func drawCycle() -> CyclePlan {
        var plan = CyclePlan()
        let roll = Int.random(in: 0..<100, using: &random)
        switch roll {
        case 0..<9:
            // One transient bad answer: the client retries it, the cycle must complete.
            let fault: SandboxFault = [
                .internalError, .badGatewayHTML, .serviceUnavailableText, .rateLimited(retryAfterSeconds: 1),
            ].randomElement(using: &random)!
            plan.apiFaults = [fault]
        case 9..<12:
            // A broken body: retried or not, the snapshot must never be applied half.
            let fault: SandboxFault = [.cutConnection, .truncatedJSON, .wrongShape].randomElement(using: &random)!
            plan.apiFaults = [fault]
            plan.mayAbort = true
        case 12..<18:
            // A Retry-After beyond what the client waits for: the cycle aborts, nothing applied.
            plan.apiFaults = [.rateLimited(retryAfterSeconds: 3600)]
            plan.mayAbort = true
        case 18..<26:
            // Faults on random requests, in the middle of the listing.
            plan.failRate = 0.25
            plan.truncateRate = 0.15
            plan.mayAbort = true
        default:
            break
        }
        faultsInjected += plan.apiFaults.count + (plan.failRate > 0 ? 1 : 0)
        plan.flakyReceivers = random.chance(0.3)
        if random.chance(0.14) {
            kills += 1
            plan.killDuringDelivery = random.chance(0.4)
            plan.killAfter = .milliseconds(Int.random(in: 0...(plan.killDuringDelivery ? 40 : 1500), using: &random))
        }
        return plan
    }
}
