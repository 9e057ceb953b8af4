import Foundation

/// One change to the knowledge base as RumorControl's log records it; its canonical JSON is the leaf data.
///
/// The canonical form is a JSON object with the keys sorted, no white space, strings escaped only where JSON requires
/// (as RFC 8785 does), and `reason` left out when there is none:
/// `{"action":"publish","author":"ana","entry_sha256":"…","reviewer":"ben","slug":"dead-people-voting","time":"2024-10-01T12:00:00Z","version":1}`.
public struct LogRecord: Hashable, Sendable {
    /// What happened to the entry.
    public enum Action: String, Sendable, CaseIterable {
        /// The entry's first public version.
        case publish
        /// A new version of a published entry.
        case update
        /// The entry was withdrawn.
        case retract
    }

    /// The entry's slug: lower-case letters and digits in groups joined by hyphens.
    public let slug: String
    /// The entry's version number, from 1.
    public let version: Int
    /// What happened.
    public let action: Action
    /// SHA-256 of the entry version's canonical file, as 64 lower-case hex digits.
    public let entrySHA256: String
    /// Who wrote the change.
    public let author: String
    /// Who approved it.
    public let reviewer: String
    /// When it was published: RFC 3339 in UTC to the second, `YYYY-MM-DDTHH:MM:SSZ`.
    public let time: String
    /// Why, when the editors said (required by policy for retractions, but not by the log).
    public let reason: String?

    /// Assembles a record, checking every field.
    ///
    /// - Throws: ``LedgerError/Code/malformedRecord`` naming the first field that breaks its rule.
    public init(
        slug: String, version: Int, action: Action, entrySHA256: String, author: String, reviewer: String, time: String, reason: String? = nil
    ) throws {
        guard Self.isSlug(slug) else { throw LedgerError.malformedRecord("slug '\(slug)' is not lower-case letters and digits joined by hyphens") }
        guard version >= 1 else { throw LedgerError.malformedRecord("version \(version) is below 1") }
        guard entrySHA256.utf8.count == 64, entrySHA256 == entrySHA256.lowercased(), ByteEncoding.bytes(hex: entrySHA256) != nil else {
            throw LedgerError.malformedRecord("entry_sha256 must be 64 lower-case hex digits")
        }
        for (field, value) in [("author", author), ("reviewer", reviewer), ("reason", reason ?? "-")] where value.isEmpty {
            throw LedgerError.malformedRecord("\(field) is empty")
        }
        guard Self.date(fromTimestamp: time) != nil else {
            throw LedgerError.malformedRecord("time '\(time)' is not an RFC 3339 UTC time to the second (YYYY-MM-DDTHH:MM:SSZ)")
        }
        self.slug = slug
        self.version = version
        self.action = action
        self.entrySHA256 = entrySHA256
        self.author = author
        self.reviewer = reviewer
        self.time = time
        self.reason = reason
    }

    /// The `time` field's spelling of a moment: RFC 3339, UTC, whole seconds.
    ///
    /// Written by hand rather than with a date formatter: a monitor parses every leaf of the log, and a formatter costs
    /// hundreds of microseconds each.
    public static func timestamp(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let (days, secondOfDay) = seconds.quotientAndRemainder(dividingBy: 86_400)
        let (day, adjustedSecond) = secondOfDay < 0 ? (days - 1, secondOfDay + 86_400) : (days, secondOfDay)
        let (year, month, dayOfMonth) = CivilDate.from(daysSinceEpoch: day)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }
        let yearText = String(repeating: "0", count: max(0, 4 - String(year).count)) + String(year)
        return "\(yearText)-\(two(month))-\(two(dayOfMonth))T\(two(adjustedSecond / 3600)):\(two(adjustedSecond / 60 % 60)):\(two(adjustedSecond % 60))Z"
    }

    /// The moment a `time` field names; nil unless it is exactly `YYYY-MM-DDTHH:MM:SSZ` and a real date.
    public static func date(fromTimestamp text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count == 20, bytes[4] == 0x2D, bytes[7] == 0x2D, bytes[10] == 0x54, bytes[13] == 0x3A, bytes[16] == 0x3A, bytes[19] == 0x5A
        else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard (0x30...0x39).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
            let minute = number(14..<16), let second = number(17..<19), (1...12).contains(month), hour < 24, minute < 60, second < 60,
            (1...CivilDate.daysIn(month: month, year: year)).contains(day)
        else { return nil }
        let days = CivilDate.daysSinceEpoch(year: year, month: month, day: day)
        return Date(timeIntervalSince1970: TimeInterval(days * 86_400 + hour * 3600 + minute * 60 + second))
    }

    /// The canonical JSON: the log's leaf data.
    public var canonicalJSON: [UInt8] {
        var fields = [
            ("action", Self.quoted(action.rawValue)), ("author", Self.quoted(author)), ("entry_sha256", Self.quoted(entrySHA256)),
            ("reviewer", Self.quoted(reviewer)), ("slug", Self.quoted(slug)), ("time", Self.quoted(time)), ("version", String(version)),
        ]
        if let reason { fields.append(("reason", Self.quoted(reason))) }
        return Array(("{" + fields.sorted { $0.0 < $1.0 }.map { "\"\($0)\":\($1)" }.joined(separator: ",") + "}").utf8)
    }

    /// Parses a record from its canonical JSON, as read back from the log.
    ///
    /// - Parameter json: the leaf data.
    /// - Throws: ``LedgerError/Code/malformedRecord`` if it is not JSON, lacks or adds a field, breaks a field's rule, or
    ///   is not in canonical form (so that the same record always has the same leaf hash).
    public init(canonicalJSON json: [UInt8]) throws {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json)), let fields = object as? [String: Any] else {
            throw LedgerError.malformedRecord("it is not a JSON object")
        }
        let known: Set = ["action", "author", "entry_sha256", "reason", "reviewer", "slug", "time", "version"]
        if let unknown = fields.keys.sorted().first(where: { !known.contains($0) }) {
            throw LedgerError.malformedRecord("unknown field '\(unknown)'")
        }
        func string(_ key: String) throws -> String {
            guard let value = fields[key] as? String else { throw LedgerError.malformedRecord("field '\(key)' is missing or not a string") }
            return value
        }
        guard let version = fields["version"] as? Int else { throw LedgerError.malformedRecord("field 'version' is missing or not an integer") }
        guard let action = Action(rawValue: try string("action")) else {
            throw LedgerError.malformedRecord("action must be one of \(Action.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        try self.init(
            slug: string("slug"), version: version, action: action, entrySHA256: string("entry_sha256"), author: string("author"),
            reviewer: string("reviewer"), time: string("time"), reason: fields["reason"] == nil ? nil : string("reason"))
        guard canonicalJSON == json else {
            throw LedgerError.malformedRecord("it is not in canonical form (sorted keys, no white space, minimal escapes)")
        }
    }

    private static func quoted(_ text: String) -> String {
        var quoted = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\u{08}": quoted += "\\b"
            case "\u{0C}": quoted += "\\f"
            case "\n": quoted += "\\n"
            case "\r": quoted += "\\r"
            case "\t": quoted += "\\t"
            case ..<"\u{20}": quoted += "\\u00" + ByteEncoding.hex([UInt8(scalar.value)])
            default: quoted.unicodeScalars.append(scalar)
            }
        }
        return quoted + "\""
    }

    private static func isSlug(_ text: String) -> Bool {
        text.split(separator: "-", omittingEmptySubsequences: false).allSatisfy { group in
            !group.isEmpty
                && group.utf8.allSatisfy {
                    (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                }
        }
    }
}

/// Proleptic Gregorian calendar arithmetic (H. Hinnant's days-from-civil algorithms), for the log's timestamps.
enum CivilDate {
    static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func from(daysSinceEpoch days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
