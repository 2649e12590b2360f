import Foundation
import Sandbox

/// What a chaos run does to the replicas and their database.
enum ChaosFault: String, CaseIterable, Sendable {
    /// SIGKILL the leader while its cycle lists (a sandbox request of it is in flight).
    case killLeaderMidCycle = "SIGKILL leader mid-cycle"
    /// SIGKILL the leader while a receiver holds one of its sends unanswered.
    case killLeaderMidDelivery = "SIGKILL leader mid-delivery"
    /// SIGSTOP the leader mid-cycle past its lease and its claims' lease, then SIGCONT it: it
    /// must neither commit what it listed nor send what it had claimed.
    case stopLeaderPastLease = "SIGSTOP leader past its lease"
    /// `pg_terminate_backend` on every connection of one replica (the leader half the time).
    case terminateConnections = "pg_terminate_backend one replica"
    /// Restart PostgreSQL while the leader's cycle lists.
    case restartPostgres = "restart PostgreSQL mid-cycle"

    /// The faults of a run: with `count` nil, each kind once in a seeded order (the default,
    /// short run); else `count` drawn at random, each kind at least once when `count` allows.
    static func plan(count: Int?, random: inout SeededRandom) -> [ChaosFault] {
        var plan = allCases.shuffled(using: &random)
        guard let count else { return plan }
        while plan.count < count { plan.append(allCases.randomElement(using: &random)!) }
        return Array(plan.prefix(count)).shuffled(using: &random)
    }

    /// Whether the leader is taken away (its failover time is measured).
    var removesLeader: Bool { [.killLeaderMidCycle, .killLeaderMidDelivery, .stopLeaderPastLease].contains(self) }
}

/// What one fault did, and how long the replicas took to get over it.
struct FaultRecord: Sendable, CustomStringConvertible {
    var fault: ChaosFault
    /// Seconds since the run started.
    var at: Double
    var target: String
    /// Seconds from the fault until another replica was seen leading (leader faults).
    var takeover: Double?
    /// Seconds from the fault until the next cycle was committed.
    var recovery: Double?
    var note = ""

    var description: String {
        var text = String(format: "%7.2f s  %@ (%@)", at, fault.rawValue, target)
        if let takeover { text += String(format: ": takeover %.2f s", takeover) }
        if let recovery { text += String(format: ", next cycle %.2f s", recovery) }
        return note.isEmpty ? text : text + "; " + note
    }
}
