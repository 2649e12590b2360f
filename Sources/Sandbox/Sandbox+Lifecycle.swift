import Foundation
import Infinipost

/// The simulated lifecycle: `generated` → `pending_render` → `posted` | `failed`.
extension Sandbox {
    /// Chances per tick, tuned so that a 2 s tick shows a few changes each time.
    enum Odds {
        static let render = 0.15
        static let post = 0.25
        static let fail = 0.03
        /// A post that never moves on (stuck in `generated` or `pending_render`).
        static let stuck = 0.03
    }

    /// Moves the lifecycle on by one step: new posts arrive as `generated`, some move to
    /// `pending_render`, some of those to `posted` or `failed`. Returns the transitions made.
    @discardableResult
    public func tick() -> [SandboxTransition] {
        let at = Self.wholeSeconds(now())
        return state.withLock { state in
            let first = state.transitions.count
            state.ticks += 1
            var stillActive: [String] = []
            stillActive.reserveCapacity(state.active.count)
            for postId in state.active {
                guard let post = state.index.post(postId) else { continue }
                if state.stuck.contains(postId) {
                    stillActive.append(postId)
                    continue
                }
                var next: PostStatus?
                // Following the schedule, a post renders only in the 15 minutes before its slot
                // and is posted or fails only once the slot has come.
                let scheduled = configuration.lifecycle == .schedule
                switch post.status {
                case .generated:
                    if scheduled && at < post.scheduledTime.addingTimeInterval(-15 * 60) { break }
                    if state.random.chance(Odds.render) { next = .pendingRender }
                case .pendingRender:
                    if scheduled && at < post.scheduledTime { break }
                    let roll = Double.random(in: 0..<1, using: &state.random)
                    if roll < Odds.fail {
                        next = .failed
                    } else if roll < Odds.fail + Odds.post {
                        next = .posted
                    }
                default:
                    // A status the lifecycle does not know (set by a test): left alone.
                    break
                }
                if let next { _ = Self.move(&state, postId: postId, to: next, at: at) }
                if !(next ?? post.status).isFinal, state.index.contains(postId) { stillActive.append(postId) }
            }
            state.active = stillActive
            state.arrivalCarry += configuration.arrivalsPerTick
            let arrivals = Int(state.arrivalCarry)
            state.arrivalCarry -= Double(arrivals)
            for _ in 0..<arrivals {
                _ = Self.createPost(&state, at: at, withinMinutes: configuration.lifecycle == .schedule ? 2...120 : 10...2880)
            }
            return Array(state.transitions[first...])
        }
    }

    /// A new `generated` post, scheduled `withinMinutes` ahead (some minutes to days).
    static func createPost(_ state: inout State, at: Date, withinMinutes: ClosedRange<Int> = 10...2880) -> Post {
        let postId = newPostId(&state)
        let scheduled = at.addingTimeInterval(Double(Int.random(in: withinMinutes, using: &state.random) * 60))
        let post = state.generator.makePost(
            postId: postId, status: .generated, scheduled: scheduled, created: at, random: &state.random)
        state.index.upsert(post)
        state.active.append(postId)
        if state.random.chance(Odds.stuck) { state.stuck.insert(postId) }
        record(&state, postId: postId, from: nil, to: .generated, at: at)
        return post
    }

    /// The initial posts: scheduled from a week before `start` to three days after, in the status
    /// such a post would have by then (a few stuck before being posted). Not recorded as transitions.
    static func populate(_ state: inout State, count: Int, start: Date) {
        var posts: [Post] = []
        posts.reserveCapacity(count)
        var ids = Set<String>()
        for _ in 0..<count {
            var postId = "post_" + PostGenerator.token(12, hex: false, random: &state.random)
            while ids.contains(postId) { postId = "post_" + PostGenerator.token(12, hex: false, random: &state.random) }
            ids.insert(postId)
            let offset = Double(Int.random(in: -7 * 24 * 60...3 * 24 * 60, using: &state.random) * 60)
            let scheduled = start.addingTimeInterval(offset)
            let created = min(start, scheduled.addingTimeInterval(-Double(Int.random(in: 1...72, using: &state.random) * 3600)))
            let status: PostStatus
            var stuck = false
            if offset > 3600 {
                status = .generated
            } else if offset > -600 {
                status = state.random.chance(0.5) ? .generated : .pendingRender
            } else {
                let roll = Double.random(in: 0..<1, using: &state.random)
                if roll < 0.07 {
                    status = .failed
                } else if roll < 0.10 {
                    status = roll < 0.085 ? .generated : .pendingRender
                    stuck = true
                } else {
                    status = .posted
                }
            }
            let post = state.generator.makePost(
                postId: postId, status: status, scheduled: scheduled, created: created, random: &state.random)
            posts.append(post)
            if !status.isFinal { state.active.append(postId) }
            if stuck { state.stuck.insert(postId) }
        }
        state.index.load(posts)
        // Creation order for the walk in `tick`, independent of Set/Dictionary ordering.
        state.active.sort()
    }

    /// A long history (``SandboxConfiguration/History``): finished posts scheduled back from
    /// `start` at about a thousand a day, then the active ones, scheduled from 15 minutes ago
    /// (rendering or late) to two hours ahead. Not recorded as transitions.
    static func populate(_ state: inout State, history: SandboxConfiguration.History, start: Date) {
        var posts: [Post] = []
        posts.reserveCapacity(history.posts + history.active)
        var ids = Set<String>(minimumCapacity: history.posts + history.active)
        func newId() -> String {
            while true {
                let postId = "post_" + PostGenerator.token(12, hex: false, random: &state.random)
                if ids.insert(postId).inserted { return postId }
            }
        }
        let span = max(1, Double(history.posts) / SandboxConfiguration.History.postsPerDay) * 86_400
        for _ in 0..<history.posts {
            // At least an hour back: every finished post's slot has passed.
            let scheduled = start.addingTimeInterval(-(3600 + Double.random(in: 0..<span, using: &state.random).rounded()))
            let created = scheduled.addingTimeInterval(-Double(Int.random(in: 1...72, using: &state.random) * 3600))
            let status: PostStatus = state.random.chance(history.failedShare) ? .failed : .posted
            posts.append(state.generator.makePost(
                postId: newId(), status: status, scheduled: scheduled, created: created, random: &state.random))
        }
        for _ in 0..<history.active {
            let offset = Double(Int.random(in: -15...120, using: &state.random) * 60)
            let status: PostStatus = offset > 15 * 60 ? .generated : (state.random.chance(0.5) ? .generated : .pendingRender)
            let postId = newId()
            let scheduled = start.addingTimeInterval(offset)
            let created = min(start, scheduled).addingTimeInterval(-Double(Int.random(in: 1...120, using: &state.random) * 60))
            posts.append(state.generator.makePost(
                postId: postId, status: status, scheduled: scheduled, created: created, random: &state.random))
            state.active.append(postId)
        }
        state.index.load(posts)
        state.active.sort()
    }

    private static func newPostId(_ state: inout State) -> String {
        while true {
            let postId = "post_" + PostGenerator.token(12, hex: false, random: &state.random)
            if !state.index.contains(postId) { return postId }
        }
    }
}
