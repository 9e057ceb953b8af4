import Foundation
import RumorLedger
import Testing

@Suite("Log record times")
struct LogRecordTimeTests {
    @Test("timestamps match ISO 8601 formatting across the calendar, and parse back only in their one canonical spelling")
    func roundTrip() {
        let formatter = ISO8601DateFormatter()
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let date = Date(timeIntervalSince1970: TimeInterval(Int.random(in: -2_000_000_000...4_000_000_000, using: &generator)))
            let text = LogRecord.timestamp(date)
            #expect(text == formatter.string(from: date))
            #expect(LogRecord.date(fromTimestamp: text) == date)
        }
        for bad in ["2020-02-30T00:00:00Z", "2021-02-29T00:00:00Z", "2020-13-01T00:00:00Z", "2020-11-03T24:00:00Z", "2020-11-03T10:00:00+00:00",
                    "2020-11-03 10:00:00Z", "2020-11-03T10:00:00.5Z", "２020-11-03T10:00:00Z", ""] {
            #expect(LogRecord.date(fromTimestamp: bad) == nil, "\(bad)")
        }
        #expect(LogRecord.date(fromTimestamp: "2020-02-29T23:59:59Z") != nil)
    }
}
