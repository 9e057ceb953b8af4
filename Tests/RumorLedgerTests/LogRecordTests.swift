import Foundation
import RumorLedger
import Testing

@Suite("The editorial log's records")
struct LogRecordTests {
    /// SHA-256 of the shipped kb/dead-people-voting.json.
    static let entryHash = "09ef04ad9601e97ba6e97c653fa296f61b1b5c7201838f0d9f2cc12842a61b5d"

    static func record(action: LogRecord.Action = .publish, reason: String? = nil) throws -> LogRecord {
        try LogRecord(
            slug: "dead-people-voting", version: 2, action: action, entrySHA256: entryHash, author: "ana.lima", reviewer: "ben.okafor",
            time: "2024-10-01T12:00:00Z", reason: reason)
    }

    @Test("canonical JSON: keys sorted, no white space, reason only when given")
    func canonical() throws {
        let published = try Self.record()
        let retracted = try Self.record(action: .retract, reason: "merged into election-stolen")

        #expect(
            String(decoding: published.canonicalJSON, as: UTF8.self)
                == #"{"action":"publish","author":"ana.lima","entry_sha256":"\#(Self.entryHash)","reviewer":"ben.okafor","slug":"dead-people-voting","time":"2024-10-01T12:00:00Z","version":2}"#
        )
        #expect(
            String(decoding: retracted.canonicalJSON, as: UTF8.self)
                == #"{"action":"retract","author":"ana.lima","entry_sha256":"\#(Self.entryHash)","reason":"merged into election-stolen","reviewer":"ben.okafor","slug":"dead-people-voting","time":"2024-10-01T12:00:00Z","version":2}"#
        )
    }

    @Test("records parse back from their canonical JSON", arguments: LogRecord.Action.allCases)
    func roundTrip(action: LogRecord.Action) throws {
        for record in [try Self.record(action: action), try Self.record(action: action, reason: "a source was withdrawn")] {
            #expect(try LogRecord(canonicalJSON: record.canonicalJSON) == record)
        }
    }

    @Test("strings are escaped only where JSON requires, and parse back")
    func escaping() throws {
        let record = try Self.record(action: .update, reason: "quote \" backslash \\ newline \n tab \t bell \u{07} é 🗳 / \u{2028}")

        let json = String(decoding: record.canonicalJSON, as: UTF8.self)

        #expect(json.contains(#""reason":"quote \" backslash \\ newline \n tab \t bell \u0007 é 🗳 / \#u{2028}""#))
        #expect(try LogRecord(canonicalJSON: record.canonicalJSON) == record)
    }

    @Test("the time field is RFC 3339 UTC to the second")
    func timestamps() {
        #expect(LogRecord.timestamp(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
        #expect(LogRecord.timestamp(Date(timeIntervalSince1970: 1_730_000_000.9)) == "2024-10-27T03:33:20Z")
        #expect(LogRecord.date(fromTimestamp: "2024-02-29T23:59:59Z") == Date(timeIntervalSince1970: 1_709_251_199))
        for text in [
            "2024-02-30T00:00:00Z", "2023-02-29T00:00:00Z", "2024-10-01T12:00:00+00:00", "2024-10-01 12:00:00Z", "2024-10-01T12:00:00.5Z",
            "2024-10-01T24:00:00Z", "2024-10-01T12:00Z", "2024-10-01t12:00:00z",
        ] {
            #expect(LogRecord.date(fromTimestamp: text) == nil, "\(text)")
        }
    }

    @Test(
        "invalid fields are refused when a record is made",
        arguments: [
            ("Dead-People-Voting", 1, String(repeating: "ab", count: 32), "ana", "ben", "2024-10-01T12:00:00Z", String?.none),
            ("dead--people", 1, String(repeating: "ab", count: 32), "ana", "ben", "2024-10-01T12:00:00Z", nil),
            ("", 1, String(repeating: "ab", count: 32), "ana", "ben", "2024-10-01T12:00:00Z", nil),
            ("dead-people-voting", 0, String(repeating: "ab", count: 32), "ana", "ben", "2024-10-01T12:00:00Z", nil),
            ("dead-people-voting", 1, String(repeating: "AB", count: 32), "ana", "ben", "2024-10-01T12:00:00Z", nil),
            ("dead-people-voting", 1, String(repeating: "ab", count: 31), "ana", "ben", "2024-10-01T12:00:00Z", nil),
            ("dead-people-voting", 1, String(repeating: "xy", count: 32), "ana", "ben", "2024-10-01T12:00:00Z", nil),
            ("dead-people-voting", 1, String(repeating: "ab", count: 32), "", "ben", "2024-10-01T12:00:00Z", nil),
            ("dead-people-voting", 1, String(repeating: "ab", count: 32), "ana", "", "2024-10-01T12:00:00Z", nil),
            ("dead-people-voting", 1, String(repeating: "ab", count: 32), "ana", "ben", "2024-10-01", nil),
            ("dead-people-voting", 1, String(repeating: "ab", count: 32), "ana", "ben", "2024-10-01T12:00:00Z", ""),
        ])
    func invalidFields(slug: String, version: Int, hash: String, author: String, reviewer: String, time: String, reason: String?) {
        expectLedgerError(.malformedRecord) {
            _ = try LogRecord(
                slug: slug, version: version, action: .update, entrySHA256: hash, author: author, reviewer: reviewer, time: time, reason: reason)
        }
    }

    @Test(
        "JSON that is not a canonical record is refused",
        arguments: [
            #"{"action":"publish", "author":"ana.lima","entry_sha256":"HASH","reviewer":"ben.okafor","slug":"dead-people-voting","time":"2024-10-01T12:00:00Z","version":2}"#,
            #"{"author":"ana.lima","action":"publish","entry_sha256":"HASH","reviewer":"ben.okafor","slug":"dead-people-voting","time":"2024-10-01T12:00:00Z","version":2}"#,
            #"{"action":"publish","author":"ana.lima","entry_sha256":"HASH","extra":1,"reviewer":"ben.okafor","slug":"dead-people-voting","time":"2024-10-01T12:00:00Z","version":2}"#,
            #"{"action":"publish","author":"ana.lima","entry_sha256":"HASH","reviewer":"ben.okafor","slug":"dead-people-voting","time":"2024-10-01T12:00:00Z"}"#,
            #"{"action":"publish","author":"ana.lima","entry_sha256":"HASH","reviewer":"ben.okafor","slug":"dead-people-voting","time":"2024-10-01T12:00:00Z","version":"2"}"#,
            #"{"action":"publish","author":"ana.lima","entry_sha256":"HASH","reviewer":"ben.okafor","slug":"dead-people-voting","time":"2024-10-01T12:00:00Z","version":2.0}"#,
            #"{"action":"publish","author":"ana.lima","entry_sha256":"HASH","reviewer":"ben.okafor","slug":"dead-people-voting","time":"2024-10-01T12:00:00Z","version":true}"#,
            #"{"action":"delete","author":"ana.lima","entry_sha256":"HASH","reviewer":"ben.okafor","slug":"dead-people-voting","time":"2024-10-01T12:00:00Z","version":2}"#,
            #"{"action":"publish","author":"ana.lima","entry_sha256":"HASH","reason":null,"reviewer":"ben.okafor","slug":"dead-people-voting","time":"2024-10-01T12:00:00Z","version":2}"#,
            #"{"action":"publish","author":"ana.lim\u0061","entry_sha256":"HASH","reviewer":"ben.okafor","slug":"dead-people-voting","time":"2024-10-01T12:00:00Z","version":2}"#,
            #"{"action":"publish","author":"ana.lima","author":"ana.lima","entry_sha256":"HASH","reviewer":"ben.okafor","slug":"dead-people-voting","time":"2024-10-01T12:00:00Z","version":2}"#,
            #"{"action":"publish","author":"ana.lima","entry_sha256":"HASH","reviewer":"ben.okafor","slug":"dead-people-voting","time":"2024-10-01T12:00:00Z","version":2}\#n"#,
            #"[{"action":"publish"}]"#, "", "not json",
        ])
    func nonCanonical(json: String) {
        expectLedgerError(.malformedRecord) { _ = try LogRecord(canonicalJSON: Array(json.replacing("HASH", with: Self.entryHash).utf8)) }
    }

    @Test("a record's canonical JSON is a log entry whose receipt verifies")
    func inTheLog() throws {
        let signer = try NoteSigner.generate(name: "rumorcontrol.example/log")
        var log = MemoryLog()
        for action in LogRecord.Action.allCases { try log.append(Self.record(action: action, reason: "editorial note").canonicalJSON) }

        let checkpoint = try log.checkpoint(origin: signer.name).signed(by: signer)
        let receipt = try Receipt(index: 1, checkpoint: checkpoint, reader: log)

        let verified = try LogVerifier(vkey: signer.verifier.vkey).checkReceipt(
            receipt.text, entry: Self.record(action: .update, reason: "editorial note").canonicalJSON)
        #expect(verified.size == 3)
        #expect(try LogRecord(canonicalJSON: log.entry(at: 2)).action == .retract)
    }
}
