import RumorLedger

/// One thing the monitor found wrong, as a line for people: `log: …`, `site: …` or `entry <slug>: …`.
public struct MonitorProblem: Hashable, Sendable, CustomStringConvertible {
    /// Which check failed.
    public enum Check: String, Hashable, Sendable {
        /// A request the checks needed got no usable answer.
        case fetch
        /// The log's key is missing, malformed, or not the one pinned.
        case key
        /// The checkpoint is malformed, for another log, or its signature fails.
        case checkpoint
        /// The checkpoint does not carry enough valid cosignatures from the trusted witnesses.
        case cosignatures
        /// The checkpoint does not extend the last one seen: the log forked or rewrote history.
        case consistency
        /// A tile or entry bundle is missing or disagrees with the checkpoint's tree.
        case tiles
        /// A leaf is not a valid log record.
        case record
        /// The entries list at `api/v1/entries` is missing, malformed, or disagrees with the entries' own documents.
        case entryList
        /// An entry's document is malformed.
        case entryDocument
        /// A logged entry is no longer served.
        case entryMissing
        /// An entry is served in another version than the log's latest leaf records.
        case entryVersion
        /// An entry's served text does not hash to what the log's latest leaf records.
        case entryHash
        /// An entry is served but the log has no leaf for it: it was published outside the log.
        case unloggedEntry
        /// An entry is served but cannot be checked because the log itself failed verification.
        case unverifiedEntry
    }

    /// Which check failed.
    public let check: Check
    /// The entry concerned, if any.
    public let slug: String?
    /// The entry version concerned (served or logged), if any.
    public let version: Int?
    /// The whole line, beginning with what it is about.
    public let message: String

    /// A problem with the log as a whole.
    public static func log(_ check: Check, _ message: String) -> Self {
        Self(check: check, slug: nil, version: nil, message: "log: " + message)
    }

    /// A problem with the site as a whole.
    public static func site(_ check: Check, _ message: String) -> Self {
        Self(check: check, slug: nil, version: nil, message: "site: " + message)
    }

    /// A problem with one entry.
    public static func entry(_ slug: String, version: Int?, _ check: Check, _ message: String) -> Self {
        Self(check: check, slug: slug, version: version, message: "entry \(slug): " + message)
    }

    /// The line.
    public var description: String { message }
}

/// The latest leaf the log has for one entry.
public struct LoggedEntry: Hashable, Sendable {
    /// The leaf's index.
    public let leafIndex: Int
    /// The record it holds.
    public let record: LogRecord

    /// Pairs a record with its leaf index.
    public init(leafIndex: Int, record: LogRecord) {
        self.leafIndex = leafIndex
        self.record = record
    }
}

/// What one run of ``LogMonitor/verify(state:)`` found.
public struct MonitorReport: Sendable {
    /// The checkpoint whose signature verified; nil if none did.
    public var checkpoint: Checkpoint?
    /// The verified checkpoint as the log served it (a signed note).
    public var signedCheckpoint: String?
    /// The log's verifier key used.
    public var vkey: String?
    /// The log's origin.
    public var origin: String?
    /// The latest leaf for each entry in the log, by slug; filled once the tiles verified.
    public var latestLeaves: [String: LoggedEntry] = [:]
    /// How many entries the site serves (its list and the logged slugs together).
    public var servedEntries = 0
    /// How many entries' documents were fetched and checked.
    public var checkedEntries = 0
    /// Everything wrong, in the order found.
    public var problems: [MonitorProblem] = []
    /// Remarks for people that are not problems, such as trusting a key on first use.
    public var notes: [String] = []

    /// An empty report.
    public init() {}

    /// Whether every check ran and held.
    public var isOK: Bool { problems.isEmpty && checkpoint != nil }

    /// The state to keep for the next run: nil unless every check held.
    public var newState: MonitorState? {
        guard isOK, let vkey, let origin, let signedCheckpoint else { return nil }
        return MonitorState(vkey: vkey, origin: origin, checkpoint: signedCheckpoint)
    }

    /// One line: `log verify: ok: 42 leaves, 19 entries, checkpoint 42 <root>`, or the count of problems.
    public var summary: String {
        let leaves = checkpoint.map { "\($0.size) leaves, \(latestLeaves.count) entries, checkpoint \($0.size) \($0.root.base64)" }
        if isOK { return "log verify: ok: " + (leaves ?? "") }
        let count = problems.count == 1 ? "1 problem" : "\(problems.count) problems"
        return "log verify: FAILED: \(count)" + (leaves.map { " (\($0))" } ?? "")
    }
}
