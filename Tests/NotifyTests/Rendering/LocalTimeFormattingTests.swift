import Foundation
import Sandbox
import Testing

@testable import Notify

/// `TextFormatting.local` writes by arithmetic what `DateFormatter` writes with
/// `EEE d MMM yyyy HH:mm zzz` (issue 15's render target): checked against the formatter itself
/// over generated instants in zones with every kind of offset and rule, DST days included.
@Suite struct LocalTimeFormattingTests {
    static let zones = [
        "UTC", "America/New_York", "Europe/Berlin", "Europe/Dublin", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Lord_Howe",
        "Pacific/Chatham", "America/St_Johns", "Africa/Casablanca", "America/Sao_Paulo", "Pacific/Kiritimati", "Asia/Tokyo",
        "America/Los_Angeles", "Europe/London", "Australia/Sydney", "not/a_zone",
    ]

    static func formatter(_ zone: String) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: zone) ?? TimeZone(secondsFromGMT: 0)
        formatter.dateFormat = "EEE d MMM yyyy HH:mm zzz"
        return formatter
    }

    @Test(arguments: zones)
    func theArithmeticWritesWhatTheFormatterWrites(zone: String) {
        let formatter = Self.formatter(zone)
        var random = SeededRandom(seed: UInt64(zone.utf8.reduce(0) { $0 &* 31 &+ Int($1) }.magnitude))
        // 2000…2100 at random, and every half hour around 2026's and 2027's clock changes.
        var instants = (0..<400).map { _ in Date(timeIntervalSince1970: Double.random(in: 946_684_800..<4_102_444_800, using: &random)) }
        for start in [1_774_742_400.0, 1_792_886_400.0, 1_805_328_000.0, 1_823_472_000.0, 1_775_347_200.0, 1_791_072_000.0] {
            instants += (0..<96).map { Date(timeIntervalSince1970: start + Double($0) * 1_800 - 86_400) }
        }
        for instant in instants {
            #expect(TextFormatting.local(instant, timezone: zone) == formatter.string(from: instant), "\(instant) in \(zone)")
        }
    }

    /// Before 1582 the formatter counts Julian days, which the arithmetic (proleptic Gregorian)
    /// does not: this fails if those dates stop going through the formatter.
    @Test func farDatesGoThroughTheFormatter() {
        for instant in [Date(timeIntervalSince1970: -15_000_000_000), Date(timeIntervalSince1970: 9_000_000_000)] {
            #expect(TextFormatting.local(instant, timezone: "Europe/Berlin") == Self.formatter("Europe/Berlin").string(from: instant))
        }
    }
}
