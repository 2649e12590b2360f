/// How much a rule's event matters; `check` and `rules test` exit 1 when a `warning` or
/// `critical` rule fires.
public enum Severity: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case info, warning, critical

    private var rank: Int {
        switch self {
        case .info: 0
        case .warning: 1
        case .critical: 2
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}
