import Foundation
import GRDB
import RumorCore
import RumorLedger

/// The embedded default store: one SQLite file in WAL mode, through GRDB.
///
/// Every version of every entry is kept as canonical JSON in `entry_version`, which triggers make append-only;
/// `entry` holds one row per slug pointing at its latest version.
public struct SQLiteEntryStore: SiteStore {
    /// The database file.
    public let path: String
    public var location: String { path }
    let pool: DatabasePool

    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    ///
    /// A database that has never been seeded gets `seed` recorded in the same transaction that marks it seeded,
    /// so a fresh database starts with the shipped knowledge base and a crash cannot leave it half seeded.
    /// - Parameters:
    ///   - path: the SQLite file; its folder is created when missing.
    ///   - seed: entries for a fresh database, usually ``ShippedKnowledgeBase/entries()``.
    ///   - busyTimeout: how long to wait for another process's lock before failing, in seconds.
    /// - Throws: ``StoreError`` saying what is wrong with the file and what to do.
    public init(path: String, seed: @autoclosure () throws -> [Entry] = [], busyTimeout: TimeInterval = 5) throws {
        self.path = path
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty, !FileManager.default.fileExists(atPath: folder) {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw StoreError.make(.cannotOpen, "cannot create the folder \(folder) for the database: \(error.localizedDescription)")
            }
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.foreignKeysEnabled = true
        configuration.label = "rumorcontrol"
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            let migrator = Self.migrator
            if try pool.read({ try migrator.hasBeenSuperseded($0) }) {
                throw StoreError.make(.newerSchema, "\(path) was written by a newer RumorControl; upgrade rumorctl or use another --database")
            }
            try migrator.migrate(pool)
            // The shipped files are read only for a database that was never seeded, not on every open.
            let seeded = try pool.read { try String.fetchOne($0, sql: "SELECT value FROM store_meta WHERE key = 'seeded_at'") != nil }
            let entries = seeded ? [] : try seed()
            if !entries.isEmpty {
                try pool.write { db in
                    guard try String.fetchOne(db, sql: "SELECT value FROM store_meta WHERE key = 'seeded_at'") == nil else { return }
                    _ = try Self.record(entries, actor: "kb-seed", in: db)
                    try db.execute(sql: "INSERT INTO store_meta (key, value) VALUES ('seeded_at', ?)", arguments: [StoreRules.timestamp()])
                }
            }
        } catch {
            throw Self.storeError(error, path: path)
        }
    }

    public func entries(status: EntryStatus?) async throws -> [Entry] {
        try await read { db in
            let documents = try String.fetchAll(db, sql: """
                SELECT v.document FROM entry e JOIN entry_version v ON v.slug = e.slug AND v.version = e.latest_version
                WHERE ?1 IS NULL OR e.status = ?1 ORDER BY e.slug
                """, arguments: [status?.rawValue])
            return try documents.map(StoreRules.decode)
        }
    }

    public func entry(slug: String) async throws -> Entry? {
        try await read { db in try Self.latestVersion(slug: slug, in: db) }
    }

    public func versions(slug: String) async throws -> [Entry] {
        try await read { db in
            try String.fetchAll(db, sql: "SELECT document FROM entry_version WHERE slug = ? ORDER BY version", arguments: [slug]).map(StoreRules.decode)
        }
    }

    public func record(_ entries: [Entry], actor: String) async throws -> [ImportOutcome] {
        do {
            return try await pool.write { db in try Self.record(entries, actor: actor, in: db) }
        } catch {
            throw Self.storeError(error, path: path)
        }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.read(body)
        } catch {
            throw Self.storeError(error, path: path)
        }
    }

    static func record(_ entries: [Entry], actor: String, reviewer: String? = nil, reason: String? = nil, in db: Database) throws -> [ImportOutcome] {
        let now = StoreRules.timestamp()
        let logTime = LogRecord.timestamp(Date())
        var log = try LogAppender(db)
        return try entries.map { incoming in
            let latest = try latestVersion(slug: incoming.slug, in: db)
            guard let (entry, change) = StoreRules.nextVersion(of: incoming, over: latest) else {
                return ImportOutcome(slug: incoming.slug, version: latest?.version ?? 0, change: .unchanged)
            }
            let canonical = entry.canonicalJSON()
            let document = String(decoding: canonical, as: UTF8.self)
            if latest == nil {
                try db.execute(sql: """
                    INSERT INTO entry (slug, latest_version, status, first_recorded_at, last_recorded_at) VALUES (?, ?, ?, ?, ?)
                    """, arguments: [entry.slug, entry.version, entry.status.rawValue, now, now])
            } else {
                try db.execute(sql: "UPDATE entry SET latest_version = ?, status = ?, last_recorded_at = ? WHERE slug = ?",
                               arguments: [entry.version, entry.status.rawValue, now, entry.slug])
            }
            try db.execute(sql: """
                INSERT INTO entry_version (slug, version, status, document, recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [entry.slug, entry.version, entry.status.rawValue, document, now, actor])
            // The public record of this version commits in the same transaction as the version itself.
            try log.append(try LogAppender.record(for: entry, canonicalJSON: canonical, author: actor, reviewer: reviewer ?? actor, reason: reason, time: logTime))
            return ImportOutcome(slug: entry.slug, version: entry.version, change: change)
        }
    }

    /// The latest version of an entry, read in a transaction.
    static func latestVersion(slug: String, in db: Database) throws -> Entry? {
        try String.fetchOne(db, sql: """
            SELECT v.document FROM entry e JOIN entry_version v ON v.slug = e.slug AND v.version = e.latest_version WHERE e.slug = ?
            """, arguments: [slug]).map(StoreRules.decode)
    }

    /// The schema. Migrations are named and never edited once released; add new ones at the end.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-entries") { db in
            try db.execute(sql: """
                CREATE TABLE store_meta (
                    key TEXT PRIMARY KEY NOT NULL,
                    value TEXT NOT NULL
                );
                CREATE TABLE entry (
                    slug TEXT PRIMARY KEY NOT NULL
                        CHECK (length(slug) BETWEEN 1 AND 80 AND slug NOT GLOB '*[^a-z0-9-]*'),
                    latest_version INTEGER NOT NULL CHECK (latest_version >= 1),
                    status TEXT NOT NULL CHECK (status IN ('draft', 'in_review', 'published', 'retracted')),
                    first_recorded_at TEXT NOT NULL,
                    last_recorded_at TEXT NOT NULL
                );
                CREATE TABLE entry_version (
                    slug TEXT NOT NULL REFERENCES entry(slug),
                    version INTEGER NOT NULL CHECK (version >= 1),
                    status TEXT NOT NULL CHECK (status IN ('draft', 'in_review', 'published', 'retracted')),
                    document TEXT NOT NULL CHECK (json_valid(document)),
                    recorded_at TEXT NOT NULL,
                    recorded_by TEXT NOT NULL,
                    PRIMARY KEY (slug, version)
                );
                CREATE INDEX entry_status ON entry(status);
                CREATE TRIGGER entry_version_is_append_only_update BEFORE UPDATE ON entry_version
                    BEGIN SELECT RAISE(ABORT, 'entry versions are never changed'); END;
                CREATE TRIGGER entry_version_is_append_only_delete BEFORE DELETE ON entry_version
                    BEGIN SELECT RAISE(ABORT, 'entry versions are never deleted'); END;
                CREATE TRIGGER entry_is_never_deleted BEFORE DELETE ON entry
                    BEGIN SELECT RAISE(ABORT, 'entries are never deleted; retract them instead'); END;
                """)
        }
        registerLedgerMigration(&migrator)
        registerQueueMigration(&migrator)
        return migrator
    }

    /// Whether the folder holding `path` is on a file system mounted read-only.
    private static func isOnReadOnlyFileSystem(_ path: String) -> Bool {
        let folder = (path as NSString).deletingLastPathComponent
        return access(folder.isEmpty ? "." : folder, W_OK) != 0 && errno == EROFS
    }

    /// Turns a database failure into a message that names the file and says what to do (never SQL arguments).
    /// Errors that are not the database's (an invalid seed, say) pass through unchanged.
    static func storeError(_ error: any Error, path: String) -> any Error {
        guard let error = error as? DatabaseError else { return error }
        switch error.resultCode {
        case .SQLITE_NOTADB:
            return StoreError.make(.notADatabase, "\(path) is not a SQLite database. Point --database (or RUMORCONTROL_DATABASE) at another file, or move this one away.")
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return StoreError.make(.locked, "\(path) is locked by another process; wait for it to finish, or stop it, and try again.")
        case .SQLITE_READONLY:
            return StoreError.make(.readOnly, "\(path) is read-only; RumorControl needs to write to it and to its folder (for the -wal and -shm files).")
        case .SQLITE_CANTOPEN where isOnReadOnlyFileSystem(path):
            return StoreError.make(.readOnly, "\(path) is on a read-only file system; RumorControl needs to write to it and to its folder (for the -wal and -shm files). Remount it read-write or copy the database elsewhere.")
        case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_AUTH:
            return StoreError.make(.cannotOpen, "cannot open \(path): check that the folder exists and that you may write to it.")
        case .SQLITE_FULL:
            return StoreError.make(.diskFull, "the disk holding \(path) is full; nothing was written. Free some space and try again.")
        case .SQLITE_CORRUPT:
            return StoreError.make(.corrupt, "\(path) is damaged (SQLite reports corruption); restore it from a backup.")
        default:
            return StoreError.make(.databaseFailure, "\(path): the database reported: \(error.message ?? "error \(error.resultCode.rawValue)")")
        }
    }
}
