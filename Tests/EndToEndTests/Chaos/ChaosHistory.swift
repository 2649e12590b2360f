import Foundation
import Infinipost
import Sandbox

/// The sandbox's changes during a chaos run, drawn from a seed, and what they oblige postwatch
/// to notify, read back from the sandbox's own record of transitions (`Sandbox.transitions`).
///
/// The history is shaped so that what must be notified does not depend on when the replicas
/// happened to take their snapshots (kills and restarts move those around): a post only moves
/// forward, `generated` → `pending_render` → `posted` | `failed`, and reaches at most one of
/// those two final statuses; a post that is deleted was there at the baseline, was never moved,
/// and never comes back. Each such post owes exactly one event (to `failed`, to `posted`, or
/// `deleted`), whatever the `from` the snapshots saw; every other post owes nothing.
struct ChaosHistory {
    /// One event postwatch owes: its post and where it went (`failed`, `posted`, `deleted`).
    struct Owed: Hashable, Comparable, CustomStringConvertible {
        var postId: String
        var to: String
        static func < (a: Owed, b: Owed) -> Bool { (a.postId, a.to) < (b.postId, b.to) }
        var description: String { "\(postId)→\(to)" }
    }

    private var random: SeededRandom
    /// Every post's status when the baseline was taken.
    let baseline: [String: PostStatus]
    /// The sandbox's transition count at the baseline: later ones are this run's.
    let baselineSequence: Int
    /// Baseline posts never moved yet: the only ones that may be deleted.
    private var untouched: [String]
    private(set) var steps = 0
    private(set) var failureBursts = 0

    init(seed: UInt64, sandbox: Sandbox) {
        random = SeededRandom(seed: seed)
        let posts = sandbox.posts()
        baseline = Dictionary(uniqueKeysWithValues: posts.map { ($0.postId, $0.status) })
        baselineSequence = sandbox.transitions().count
        untouched = posts.map(\.postId)
    }

    /// Draws and applies one change.
    mutating func step(_ sandbox: Sandbox) {
        steps += 1
        let roll = Int.random(in: 0..<100, using: &random)
        switch roll {
        case 0..<32:
            if let post = pick(sandbox) { advance(post, in: sandbox) }
        case 32..<40:
            // Several failures in one cycle: more messages at once than the rate-limited
            // destination takes in a burst, for every replica to want to send.
            failureBursts += 1
            for _ in 0..<Int.random(in: 3...6, using: &random) {
                guard let post = pick(sandbox) else { break }
                touch(post.postId)
                sandbox.setStatus(post.postId, to: .failed)
            }
        case 40..<58:
            sandbox.addGenerated(count: Int.random(in: 1...3, using: &random))
        case 58..<65:
            guard !untouched.isEmpty else { return }
            let postId = untouched.remove(at: Int.random(in: 0..<untouched.count, using: &random))
            sandbox.delete(postId)
        case 65..<75:
            // An edit without a status change: no event, nothing to notify.
            if let post = sandbox.posts().randomElement(using: &random) {
                sandbox.update(post.postId) { $0.caption += " (edited)" }
            }
        default:
            break
        }
    }

    /// A post that can still move on.
    private mutating func pick(_ sandbox: Sandbox) -> Post? {
        sandbox.posts().filter { $0.status == .generated || $0.status == .pendingRender }.randomElement(using: &random)
    }

    private mutating func advance(_ post: Post, in sandbox: Sandbox) {
        touch(post.postId)
        let roll = Int.random(in: 0..<100, using: &random)
        let next: PostStatus = switch post.status {
        case .generated: roll < 70 ? .pendingRender : roll < 85 ? .posted : .failed
        default: roll < 55 ? .posted : .failed
        }
        sandbox.setStatus(post.postId, to: next)
    }

    private mutating func touch(_ postId: String) {
        untouched.removeAll { $0 == postId }
    }

    /// What the record of transitions since the baseline obliges postwatch to notify, and the
    /// record's breaches of the shape above (each one a bug of this generator, not of postwatch).
    func owed(_ record: [SandboxTransition]) -> (owed: Set<Owed>, breaches: [String]) {
        var owed: Set<Owed> = []
        var breaches: [String] = []
        let byPost = Dictionary(grouping: record.filter { $0.sequence > baselineSequence }, by: \.postId)
        for (postId, moves) in byPost {
            let finals = moves.compactMap(\.to).filter(\.isFinal)
            if finals.count > 1 { breaches.append("\(postId) reached a final status twice: \(moves)") }
            guard let last = moves.max(by: { $0.sequence < $1.sequence }) else { continue }
            switch last.to {
            case nil:
                guard baseline[postId] != nil, moves.count == 1 else {
                    breaches.append("\(postId) was deleted after moving or without being at the baseline: \(moves)")
                    continue
                }
                owed.insert(Owed(postId: postId, to: "deleted"))
            case let status? where status.isFinal:
                owed.insert(Owed(postId: postId, to: status.rawValue))
            default:
                break
            }
        }
        return (owed, breaches)
    }
}
