import Foundation
import PostgresNIO

extension PostgresSiteStore {
    /// The schema, as named migrations applied in order and never edited once released; add new ones at the end.
    /// The tables mirror the SQLite store's; triggers keep versions and the log append-only there too.
    static let migrations: [(name: String, sql: [String])] = [
        ("v1-entries", [
            "CREATE TABLE store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            """
            CREATE TABLE entry (
                slug TEXT PRIMARY KEY CHECK (slug ~ '^[a-z0-9-]{1,80}$'),
                latest_version INTEGER NOT NULL CHECK (latest_version >= 1),
                status TEXT NOT NULL CHECK (status IN ('draft', 'in_review', 'published', 'retracted')),
                first_recorded_at TEXT NOT NULL,
                last_recorded_at TEXT NOT NULL
            )
            """,
            """
            CREATE TABLE entry_version (
                slug TEXT NOT NULL REFERENCES entry(slug),
                version INTEGER NOT NULL CHECK (version >= 1),
                status TEXT NOT NULL CHECK (status IN ('draft', 'in_review', 'published', 'retracted')),
                document TEXT NOT NULL CHECK (document::jsonb IS NOT NULL),
                recorded_at TEXT NOT NULL,
                recorded_by TEXT NOT NULL,
                PRIMARY KEY (slug, version)
            )
            """,
            "CREATE INDEX entry_status ON entry(status)",
            """
            CREATE FUNCTION rumorcontrol_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION '%', TG_ARGV[0]; END $$
            """,
            """
            CREATE TRIGGER entry_version_is_append_only BEFORE UPDATE OR DELETE ON entry_version
            FOR EACH ROW EXECUTE FUNCTION rumorcontrol_refuse('entry versions are never changed or deleted')
            """,
            """
            CREATE TRIGGER entry_is_never_deleted BEFORE DELETE ON entry
            FOR EACH ROW EXECUTE FUNCTION rumorcontrol_refuse('entries are never deleted; retract them instead')
            """,
            """
            CREATE TRIGGER entry_tables_are_never_truncated BEFORE TRUNCATE ON entry_version
            FOR EACH STATEMENT EXECUTE FUNCTION rumorcontrol_refuse('entry versions are never deleted')
            """,
        ]),
        ("v2-log-and-editors", [
            """
            CREATE TABLE log_leaf (
                leaf_index BIGINT PRIMARY KEY CHECK (leaf_index >= 0),
                slug TEXT NOT NULL,
                version INTEGER NOT NULL CHECK (version >= 1),
                action TEXT NOT NULL CHECK (action IN ('publish', 'update', 'retract')),
                data BYTEA NOT NULL CHECK (length(data) BETWEEN 1 AND 65535),
                UNIQUE (slug, version)
            )
            """,
            """
            CREATE TABLE log_node (
                level BIGINT NOT NULL CHECK (level >= 0),
                node_index BIGINT NOT NULL CHECK (node_index >= 0),
                hash BYTEA NOT NULL CHECK (length(hash) = 32),
                PRIMARY KEY (level, node_index)
            )
            """,
            """
            CREATE TRIGGER log_leaf_is_append_only BEFORE UPDATE OR DELETE ON log_leaf
            FOR EACH ROW EXECUTE FUNCTION rumorcontrol_refuse('the public log is append-only')
            """,
            """
            CREATE TRIGGER log_node_is_append_only BEFORE UPDATE OR DELETE ON log_node
            FOR EACH ROW EXECUTE FUNCTION rumorcontrol_refuse('the public log is append-only')
            """,
            """
            CREATE TRIGGER log_is_never_truncated BEFORE TRUNCATE ON log_leaf
            FOR EACH STATEMENT EXECUTE FUNCTION rumorcontrol_refuse('the public log is append-only')
            """,
            """
            CREATE TRIGGER log_nodes_are_never_truncated BEFORE TRUNCATE ON log_node
            FOR EACH STATEMENT EXECUTE FUNCTION rumorcontrol_refuse('the public log is append-only')
            """,
            """
            CREATE TABLE account (
                name TEXT PRIMARY KEY CHECK (name ~ '^[a-zA-Z0-9._-]{1,64}$'),
                role TEXT NOT NULL CHECK (role IN ('author', 'reviewer', 'admin')),
                password_hash TEXT NOT NULL,
                created_at TEXT NOT NULL
            )
            """,
            """
            CREATE TABLE session (
                token_hash BYTEA PRIMARY KEY,
                account TEXT NOT NULL REFERENCES account(name),
                csrf_token TEXT NOT NULL,
                expires_at DOUBLE PRECISION NOT NULL
            )
            """,
            """
            CREATE TABLE api_token (
                name TEXT PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 64),
                token_hash BYTEA NOT NULL UNIQUE,
                scope TEXT NOT NULL CHECK (scope IN ('label', 'edit')),
                created_at TEXT NOT NULL,
                revoked_at TEXT
            )
            """,
            """
            CREATE TABLE draft (
                id BIGSERIAL PRIMARY KEY,
                slug TEXT NOT NULL CHECK (slug ~ '^[a-z0-9-]{1,80}$'),
                kind TEXT NOT NULL CHECK (kind IN ('publish', 'retract')),
                document TEXT CHECK (document IS NULL OR document::jsonb IS NOT NULL),
                reason TEXT,
                author TEXT NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('draft', 'in_review', 'returned', 'approved')),
                comment TEXT,
                reviewer TEXT,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            )
            """,
        ]),
        ("v3-change-notifications", [
            // Whoever commits a change to the record (a replica, a tool, someone at a psql prompt), every replica hears
            // of it; the notification is sent at commit, once per transaction.
            """
            CREATE FUNCTION rumorcontrol_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN PERFORM pg_notify('\(changeChannel)', ''); RETURN NULL; END $$
            """,
            """
            CREATE TRIGGER entry_changes_are_announced AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON entry
            FOR EACH STATEMENT EXECUTE FUNCTION rumorcontrol_notify_change()
            """,
            """
            CREATE TRIGGER entry_version_changes_are_announced AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON entry_version
            FOR EACH STATEMENT EXECUTE FUNCTION rumorcontrol_notify_change()
            """,
            """
            CREATE TRIGGER log_changes_are_announced AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON log_leaf
            FOR EACH STATEMENT EXECUTE FUNCTION rumorcontrol_notify_change()
            """,
        ]),
        ("v4-witness", [
            // A witness's state (PostgresWitnessState): one row per log it witnesses.
            """
            CREATE TABLE witness_log (
                origin TEXT PRIMARY KEY CHECK (length(origin) >= 1),
                verifier_keys TEXT NOT NULL,
                size BIGINT NOT NULL CHECK (size >= 0),
                root TEXT NOT NULL,
                updated_at TEXT NOT NULL
            )
            """,
        ]),
        queueMigration,
    ]

    /// Applies the migrations this database lacks, one process at a time (replicas starting together wait in turn).
    /// - Throws: ``StoreError`` (`newerSchema`) for a database migrated by a newer RumorControl.
    func migrate() async throws {
        try await write { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.migrationLock))", logger: self.logger)
            try await connection.query("CREATE TABLE IF NOT EXISTS schema_migration (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)", logger: self.logger)
            let applied = Set(try await connection.query("SELECT name FROM schema_migration", logger: self.logger).decode(String.self).collectAll())
            let known = Set(Self.migrations.map(\.name))
            guard applied.isSubset(of: known) else {
                throw StoreError.make(.newerSchema, "\(self.location) was migrated by a newer RumorControl; upgrade rumorctl or use another database")
            }
            for migration in Self.migrations where !applied.contains(migration.name) {
                for statement in migration.sql { try await connection.query(PostgresQuery(unsafeSQL: statement), logger: self.logger) }
                try await connection.query("INSERT INTO schema_migration (name, applied_at) VALUES (\(migration.name), \(StoreRules.timestamp()))", logger: self.logger)
            }
        }
    }
}
