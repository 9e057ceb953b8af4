import Crypto
import Foundation
import GRDB
import RumorCore
import RumorLedger

/// Appends leaves to the public log inside a write transaction: the leaf, the tree nodes it completes and the entry
/// change it records commit together or not at all.
struct LogAppender {
    private let db: Database
    private var range: CompactRange

    /// Reads the log's right edge; one per transaction.
    init(_ db: Database) throws {
        self.db = db
        let size = try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(leaf_index) + 1, 0) FROM log_leaf") ?? 0
        range = try CompactRange(size: size, reader: LogView(db: db, size: size))
    }

    /// Appends one record; returns its leaf index.
    @discardableResult
    mutating func append(_ record: LogRecord) throws -> Int {
        let data = record.canonicalJSON
        let index = range.size
        let nodes = try range.append(entry: data)
        try db.execute(sql: "INSERT INTO log_leaf (leaf_index, slug, version, action, data) VALUES (?, ?, ?, ?, ?)",
                       arguments: [index, record.slug, record.version, record.action.rawValue, Data(data)])
        for node in nodes {
            try db.execute(sql: "INSERT INTO log_node (level, node_index, hash) VALUES (?, ?, ?)",
                           arguments: [node.node.level, node.node.index, Data(node.hash.bytes)])
        }
        return index
    }

    /// The record of an entry version as it is recorded now.
    /// - Parameter time: the record's time, from ``LogRecord/timestamp(_:)`` (formatted once per transaction: it is costly).
    static func record(
        for entry: Entry, canonicalJSON: Data? = nil, author: String, reviewer: String, reason: String? = nil, time: String
    ) throws -> LogRecord {
        let action: LogRecord.Action = entry.status == .retracted ? .retract : (entry.version == 1 ? .publish : .update)
        let digest = Hex.encode(SHA256.hash(data: canonicalJSON ?? entry.canonicalJSON()))
        return try LogRecord(
            slug: entry.slug, version: entry.version, action: action, entrySHA256: digest, author: author, reviewer: reviewer,
            time: time, reason: reason)
    }
}

/// The public log as one read transaction sees it: a consistent tree size, its node hashes and its leaves.
public struct LogView: HashReader {
    let db: Database
    /// The number of leaves.
    public let size: Int

    /// The hashes of complete subtrees, in the order asked.
    public func hashes(at indices: [NodeIndex]) throws -> [Hash] {
        try indices.map { node in
            guard let bytes = try Data.fetchOne(db, sql: "SELECT hash FROM log_node WHERE level = ? AND node_index = ?", arguments: [node.level, node.index])
            else { throw StoreError.make(.databaseFailure, "the public log is missing the hash of node \(node); the log tables were changed outside RumorControl") }
            return try Hash(bytes: Array(bytes))
        }
    }

    /// The leaves' data for indices in `range` (clamped to the tree), in order.
    public func leaves(_ range: Range<Int>) throws -> [[UInt8]] {
        try Data.fetchAll(db, sql: "SELECT data FROM log_leaf WHERE leaf_index >= ? AND leaf_index < ? ORDER BY leaf_index",
                          arguments: [range.lowerBound, min(range.upperBound, size)]).map { Array($0) }
    }

    /// The leaf index recording a version of an entry, if it is logged.
    public func leafIndex(slug: String, version: Int) throws -> Int? {
        try Int.fetchOne(db, sql: "SELECT leaf_index FROM log_leaf WHERE slug = ? AND version = ? AND leaf_index < ?", arguments: [slug, version, size])
    }

    /// The latest record about an entry, if it is logged.
    public func latestRecord(slug: String) throws -> LogRecord? {
        try Data.fetchOne(db, sql: "SELECT data FROM log_leaf WHERE slug = ? AND leaf_index < ? ORDER BY leaf_index DESC LIMIT 1", arguments: [slug, size])
            .map { try LogRecord(canonicalJSON: Array($0)) }
    }

    /// The root hash of the whole log.
    public func root() throws -> Hash { try rootHash(treeSize: size) }
}

extension SQLiteEntryStore {
    /// The schema of the public log and of the editorial workflow.
    static func registerLedgerMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v2-log-and-editors") { db in
            try db.execute(sql: """
                CREATE TABLE log_leaf (
                    leaf_index INTEGER PRIMARY KEY NOT NULL CHECK (leaf_index >= 0),
                    slug TEXT NOT NULL,
                    version INTEGER NOT NULL CHECK (version >= 1),
                    action TEXT NOT NULL CHECK (action IN ('publish', 'update', 'retract')),
                    data BLOB NOT NULL CHECK (length(data) BETWEEN 1 AND 65535),
                    UNIQUE (slug, version)
                );
                CREATE TABLE log_node (
                    level INTEGER NOT NULL CHECK (level >= 0),
                    node_index INTEGER NOT NULL CHECK (node_index >= 0),
                    hash BLOB NOT NULL CHECK (length(hash) = 32),
                    PRIMARY KEY (level, node_index)
                ) WITHOUT ROWID;
                CREATE TRIGGER log_leaf_is_append_only_update BEFORE UPDATE ON log_leaf
                    BEGIN SELECT RAISE(ABORT, 'the public log is append-only'); END;
                CREATE TRIGGER log_leaf_is_append_only_delete BEFORE DELETE ON log_leaf
                    BEGIN SELECT RAISE(ABORT, 'the public log is append-only'); END;
                CREATE TRIGGER log_node_is_append_only_update BEFORE UPDATE ON log_node
                    BEGIN SELECT RAISE(ABORT, 'the public log is append-only'); END;
                CREATE TRIGGER log_node_is_append_only_delete BEFORE DELETE ON log_node
                    BEGIN SELECT RAISE(ABORT, 'the public log is append-only'); END;
                CREATE TABLE account (
                    name TEXT PRIMARY KEY NOT NULL CHECK (length(name) BETWEEN 1 AND 64 AND name NOT GLOB '*[^a-zA-Z0-9._-]*'),
                    role TEXT NOT NULL CHECK (role IN ('author', 'reviewer', 'admin')),
                    password_hash TEXT NOT NULL,
                    created_at TEXT NOT NULL
                );
                CREATE TABLE session (
                    token_hash BLOB PRIMARY KEY NOT NULL,
                    account TEXT NOT NULL REFERENCES account(name),
                    csrf_token TEXT NOT NULL,
                    expires_at REAL NOT NULL
                );
                CREATE TABLE api_token (
                    name TEXT PRIMARY KEY NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
                    token_hash BLOB NOT NULL UNIQUE,
                    scope TEXT NOT NULL CHECK (scope IN ('label', 'edit')),
                    created_at TEXT NOT NULL,
                    revoked_at TEXT
                );
                CREATE TABLE draft (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    slug TEXT NOT NULL CHECK (length(slug) BETWEEN 1 AND 80 AND slug NOT GLOB '*[^a-z0-9-]*'),
                    kind TEXT NOT NULL CHECK (kind IN ('publish', 'retract')),
                    document TEXT CHECK (document IS NULL OR json_valid(document)),
                    reason TEXT,
                    author TEXT NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('draft', 'in_review', 'returned', 'approved')),
                    comment TEXT,
                    reviewer TEXT,
                    created_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL
                );
                """)
            // Versions recorded before the log existed are logged now, oldest first, so the record covers them all.
            var appender = try LogAppender(db)
            let time = LogRecord.timestamp(Date())
            let rows = try Row.fetchAll(db, sql: "SELECT document, recorded_by FROM entry_version ORDER BY recorded_at, slug, version")
            for row in rows {
                let entry = try JSONDecoder().decode(Entry.self, from: Data((row["document"] as String).utf8))
                let actor: String = row["recorded_by"]
                try appender.append(try LogAppender.record(for: entry, author: actor, reviewer: actor, time: time))
            }
        }
    }

    /// A counter that changes whenever anyone (this process, another `rumorctl`, or a tool editing the file) commits a
    /// change to the database; the server polls it to re-render the site.
    func changeCounter() throws -> DatabaseChangeCounter {
        var configuration = Configuration()
        configuration.readonly = true
        return DatabaseChangeCounter(queue: try DatabaseQueue(path: path, configuration: configuration))
    }

    /// Runs `body` on the public log as of one consistent moment.
    public func readLog<T: Sendable>(_ body: @escaping @Sendable (LogView) throws -> T) async throws -> T {
        do {
            return try await pool.read { db in
                let size = try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(leaf_index) + 1, 0) FROM log_leaf") ?? 0
                return try body(LogView(db: db, size: size))
            }
        } catch {
            throw Self.storeError(error, path: path)
        }
    }
}

/// SQLite's `data_version` on a connection of its own: it changes when any other connection commits.
struct DatabaseChangeCounter: Sendable {
    let queue: DatabaseQueue

    /// The current value; compare with an earlier one.
    func value() throws -> Int {
        try queue.read { db in try Int.fetchOne(db, sql: "PRAGMA data_version") ?? 0 }
    }

    /// A cheap fingerprint of the record (the log's size, the entries' latest versions and states, the versions'
    /// count and length), which changes with a change to them but not with one to sessions or the queue.
    func recordFingerprint() throws -> String {
        try queue.read { db in
            try String.fetchOne(db, sql: """
                SELECT (SELECT count(*) FROM log_leaf) || ':' || (SELECT count(*) || ':' || total(latest_version) || ':' || group_concat(status, '') FROM entry)
                    || ':' || (SELECT count(*) || ':' || total(length(document)) FROM entry_version)
                """) ?? ""
        }
    }
}

extension SQLiteEntryStore {
    public func logSize() async throws -> Int { try await readLog { $0.size } }

    public func logHashes(at indices: [NodeIndex]) async throws -> [Hash] { try await readLog { try $0.hashes(at: indices) } }

    /// Runs `body` in one read transaction, reading each node as it asks (no second pass to learn which).
    public func withLogHashes<T: Sendable>(_ body: @escaping @Sendable (any HashReader) throws -> T) async throws -> T {
        try await readLog { try body($0) }
    }

    public func logLeaves(_ range: Range<Int>) async throws -> [[UInt8]] { try await readLog { try $0.leaves(range) } }

    public func logLeafIndex(slug: String, version: Int) async throws -> Int? { try await readLog { try $0.leafIndex(slug: slug, version: version) } }

    public func latestLogRecords(slugs: [String]) async throws -> [String: LogRecord] {
        try await readLog { log in
            var records: [String: LogRecord] = [:]
            for slug in slugs { records[slug] = try log.latestRecord(slug: slug) }
            return records
        }
    }

    /// Polls SQLite's `data_version` four times a second: it changes when any other connection, in any process, commits.
    public func changes() -> AsyncStream<Void> {
        // A burst of commits comes out as one change: whoever listens refreshes once.
        AsyncStream(Void.self, bufferingPolicy: .bufferingNewest(1)) { continuation in
            let task = Task {
                guard let counter = try? changeCounter(), var seen = try? counter.value() else { return continuation.finish() }
                var record = try? counter.recordFingerprint()
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(250))
                    guard let value = try? counter.value(), value != seen else { continue }
                    seen = value
                    // Sessions, drafts and the moderation queue commit too; only a change to the record is one.
                    guard let fingerprint = try? counter.recordFingerprint(), fingerprint != record else { continue }
                    record = fingerprint
                    continuation.yield()
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
