import Foundation
import Testing

@testable import Infinipost

@Suite struct InfinipostTimeTests {
    @Test func theFastPathAgreesWithFoundation() {
        var random = SystemRandomNumberGenerator()
        var dates = [
            Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: -1), Date(timeIntervalSince1970: 951_782_400),  // 2000-02-29
            Date(timeIntervalSince1970: 1_713_801_600.75), Date(timeIntervalSince1970: -2_208_988_800),  // 1900-01-01
        ]
        for _ in 0..<2000 { dates.append(Date(timeIntervalSince1970: Double(Int64.random(in: -5_000_000_000...5_000_000_000, using: &random)))) }
        for date in dates {
            let foundation = date.formatted(.iso8601)
            #expect(InfinipostTime.formatBasic(date) == foundation)
            let parsed = InfinipostTime.parseBasic(foundation)
            #expect(parsed == (try? Date(foundation, strategy: .iso8601)), "\(foundation)")
        }
    }

    @Test func otherFormsStillParse() {
        #expect(InfinipostTime.parse("2024-04-22T16:00:00.250Z") == Date(timeIntervalSince1970: 1_713_801_600.25))
        #expect(InfinipostTime.parse("2024-04-22T18:00:00+02:00") == Date(timeIntervalSince1970: 1_713_801_600))
        for bad in ["2024-02-30T00:00:00Z", "2024-13-01T00:00:00Z", "2024-04-22T24:00:00Z", "2024-04-22 16:00:00Z", "yesterday"] {
            #expect(InfinipostTime.parseBasic(bad) == nil, "\(bad)")
        }
        #expect(InfinipostTime.parse("yesterday") == nil)
    }
}
