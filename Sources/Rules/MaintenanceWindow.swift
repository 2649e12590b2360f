import Foundation
import Timekeeping

/// A `window "Name" { … }` of a rule file: when the rules and channels that name it
/// (`mute during "weekend"`) send nothing.
///
/// Each schedule line is a ``TimeWindow`` in the window's timezone; the window is open when any
/// of them is (`every sat, sun` plus `daily 22:00-07:00`: weekends and weeknights).
public struct MaintenanceWindow: Sendable, Hashable {
    public let name: String
    public let parts: [TimeWindow]
    public let timeZone: TimeZone
    /// `notify ops, team`: the channels told when the window opens and when it closes.
    public var notices: [String]

    public init(name: String, parts: [TimeWindow], timeZone: TimeZone, notices: [String] = []) {
        self.name = name
        self.parts = parts
        self.timeZone = timeZone
        self.notices = notices
    }

    public func contains(_ date: Date) -> Bool {
        parts.contains { $0.contains(date) }
    }

    /// When the window, open at `date`, closes: the end of the occurrence holding `date`, or
    /// of the one that begins as it ends (a weekend followed by Monday's night hours); nil when
    /// it is not open at `date`, or never closes within a month (`every day`, all day).
    public func closes(after date: Date) -> Date? {
        var cursor = date
        // Occurrences that touch or overlap chain into one stretch.
        for _ in 0..<32 {
            guard let next = parts.compactMap({ $0.interval(containing: cursor)?.upperBound }).max() else {
                return cursor == date ? nil : cursor
            }
            cursor = next
        }
        return nil
    }
}
