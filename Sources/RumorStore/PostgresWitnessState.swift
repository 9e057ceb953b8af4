import Foundation
import PostgresNIO
import RumorLedger

/// A witness's state in PostgreSQL (``WitnessStateStore``), the same rules as ``SQLiteWitnessState``: one row per log,
/// moved forward only by a conditional `UPDATE` that must still find the size and root that were checked. Several
/// witness processes may share one database (they then act as one witness, with one key).
///
/// The database gets RumorControl's whole schema (the witness's table is one of its migrations); use a database of
/// its own for a witness.
public struct PostgresWitnessState: WitnessLogRegistry {
    private let store: PostgresSiteStore

    /// Connects to the database at `url` (see ``PostgresSiteStore/init(url:seed:maxConnections:connectTimeout:logger:)``)
    /// and brings its schema up to date.
    /// - Throws: ``StoreError`` saying what is wrong and what to do.
    public init(url: String) async throws {
        store = try await PostgresSiteStore(url: url, maxConnections: 8)
    }

    public func witnessedLog(origin: String) async throws -> WitnessedLog? {
        try await store.read {
            let rows = try await store.client.query(
                "SELECT verifier_keys, size, root FROM witness_log WHERE origin = \(origin)", logger: store.logger
            ).decode((String, Int, String).self).collectAll()
            return try rows.first.map { try Self.log(origin: origin, keys: $0.0, size: $0.1, root: $0.2) }
        }
    }

    public func advance(origin: String, fromSize: Int, fromRoot: Hash, toSize size: Int, root: Hash) async throws -> Bool {
        try await store.write { connection in
            let moved = try await connection.query(
                """
                UPDATE witness_log SET size = \(size), root = \(root.base64), updated_at = \(StoreRules.timestamp())
                WHERE origin = \(origin) AND size = \(fromSize) AND root = \(fromRoot.base64) RETURNING origin
                """, logger: store.logger
            ).collect()
            return moved.count == 1
        }
    }

    @discardableResult
    public func addLog(origin: String, verifiers: [NoteVerifier]) async throws -> Bool {
        let keys = verifiers.map(\.vkey).joined(separator: "\n")
        return try await store.write { connection in
            let known = try await connection.query("SELECT 1 FROM witness_log WHERE origin = \(origin) FOR UPDATE", logger: store.logger).collect()
            try await connection.query(
                """
                INSERT INTO witness_log (origin, verifier_keys, size, root, updated_at)
                VALUES (\(origin), \(keys), 0, \(Hash.emptyTree.base64), \(StoreRules.timestamp()))
                ON CONFLICT (origin) DO UPDATE SET verifier_keys = EXCLUDED.verifier_keys
                """, logger: store.logger)
            return known.isEmpty
        }
    }

    public func logs() async throws -> [WitnessedLog] {
        try await store.read {
            try await store.client.query("SELECT origin, verifier_keys, size, root FROM witness_log ORDER BY origin", logger: store.logger)
                .decode((String, String, Int, String).self).collectAll().map { try Self.log(origin: $0.0, keys: $0.1, size: $0.2, root: $0.3) }
        }
    }

    private static func log(origin: String, keys: String, size: Int, root: String) throws -> WitnessedLog {
        WitnessedLog(
            origin: origin, verifiers: try keys.split(separator: "\n").map { try NoteVerifier(vkey: String($0)) }, size: size,
            root: try Hash(base64: root))
    }
}

/// A witness's state that can also be told which logs to witness (`rumorctl witness add-log`, `list`).
public protocol WitnessLogRegistry: WitnessStateStore {
    /// Starts witnessing a log, or replaces the keys of one already witnessed (keeping what it cosigned).
    /// - Returns: true when the log is new to this witness.
    @discardableResult
    func addLog(origin: String, verifiers: [NoteVerifier]) async throws -> Bool
    /// Every log witnessed, by origin.
    func logs() async throws -> [WitnessedLog]
}

/// Opens a witness's state: a PostgreSQL URL, or else a SQLite file.
public func openWitnessState(_ location: String) async throws -> any WitnessLogRegistry {
    if PostgresSiteStore.handles(location) { return try await PostgresWitnessState(url: location) }
    return try SQLiteWitnessState(path: location)
}
