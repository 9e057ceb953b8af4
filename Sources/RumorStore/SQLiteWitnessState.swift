import Foundation
import GRDB
import RumorLedger

/// A witness's state in one SQLite file (``WitnessStateStore``): one row per log it witnesses, with the log's keys and
/// the latest checkpoint it cosigned. A checkpoint is recorded by a conditional update (the row must still hold the
/// size and root that were checked), so concurrent requests can never move a log backwards.
public struct SQLiteWitnessState: WitnessLogRegistry {
    /// The database file.
    public let path: String
    private let queue: DatabaseQueue

    /// Opens (creating if needed) the witness database at `path`.
    /// - Throws: ``StoreError`` saying what is wrong with the file and what to do.
    public init(path: String) throws {
        self.path = path
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty { try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.label = "rumorcontrol-witness"
        // A cosignature is answered only once its checkpoint is on disk (tlog-witness): write-ahead logging with a
        // full sync at each commit, one sync per request, which survives a power cut as well as a crash.
        configuration.journalMode = .wal
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
            var migrator = DatabaseMigrator()
            migrator.registerMigration("v1-witness") { db in
                try db.execute(sql: """
                    CREATE TABLE witness_log (
                        origin TEXT PRIMARY KEY NOT NULL CHECK (length(origin) >= 1),
                        verifier_keys TEXT NOT NULL,
                        size INTEGER NOT NULL CHECK (size >= 0),
                        root BLOB NOT NULL CHECK (length(root) = 32),
                        updated_at TEXT NOT NULL
                    );
                    """)
            }
            if try queue.read({ try migrator.hasBeenSuperseded($0) }) {
                throw StoreError.make(.newerSchema, "\(path) was written by a newer RumorControl; upgrade rumorctl or use another --database")
            }
            try migrator.migrate(queue)
        } catch {
            throw SQLiteEntryStore.storeError(error, path: path)
        }
    }

    public func witnessedLog(origin: String) async throws -> WitnessedLog? {
        try await read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT verifier_keys, size, root FROM witness_log WHERE origin = ?", arguments: [origin]) else {
                return nil
            }
            return try Self.log(origin: origin, keys: row[0], size: row[1], root: row[2])
        }
    }

    public func advance(origin: String, fromSize: Int, fromRoot: Hash, toSize size: Int, root: Hash) async throws -> Bool {
        try await write { db in
            try db.execute(
                sql: "UPDATE witness_log SET size = ?, root = ?, updated_at = ? WHERE origin = ? AND size = ? AND root = ?",
                arguments: [size, Data(root.bytes), StoreRules.timestamp(), origin, fromSize, Data(fromRoot.bytes)])
            return db.changesCount == 1
        }
    }

    @discardableResult
    public func addLog(origin: String, verifiers: [NoteVerifier]) async throws -> Bool {
        let keys = verifiers.map(\.vkey).joined(separator: "\n")
        return try await write { db in
            let known = try Bool.fetchOne(db, sql: "SELECT 1 FROM witness_log WHERE origin = ?", arguments: [origin]) ?? false
            try db.execute(
                sql: """
                    INSERT INTO witness_log (origin, verifier_keys, size, root, updated_at) VALUES (?, ?, 0, ?, ?)
                    ON CONFLICT (origin) DO UPDATE SET verifier_keys = excluded.verifier_keys
                    """, arguments: [origin, keys, Data(Hash.emptyTree.bytes), StoreRules.timestamp()])
            return !known
        }
    }

    public func logs() async throws -> [WitnessedLog] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT origin, verifier_keys, size, root FROM witness_log ORDER BY origin").map {
                try Self.log(origin: $0[0], keys: $0[1], size: $0[2], root: $0[3])
            }
        }
    }

    private static func log(origin: String, keys: String, size: Int, root: Data) throws -> WitnessedLog {
        WitnessedLog(
            origin: origin, verifiers: try keys.split(separator: "\n").map { try NoteVerifier(vkey: String($0)) }, size: size,
            root: try Hash(bytes: root))
    }

    private func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do { return try await queue.read(body) } catch { throw SQLiteEntryStore.storeError(error, path: path) }
    }

    private func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do { return try await queue.write(body) } catch { throw SQLiteEntryStore.storeError(error, path: path) }
    }
}
