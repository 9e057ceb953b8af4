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
    public static func timestamp(_ date: Date) -> String {
        ISO8601DateFormatter().string(from: date)
    }

    /// The moment a `time` field names; nil unless it is exactly `YYYY-MM-DDTHH:MM:SSZ` and a real date.
    public static func date(fromTimestamp text: String) -> Date? {
        // The formatter accepts other offsets and spellings; only its own output is canonical.
        guard let date = ISO8601DateFormatter().date(from: text), timestamp(date) == text else { return nil }
        return date
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
