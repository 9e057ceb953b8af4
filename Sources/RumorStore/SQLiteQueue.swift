import Foundation
import GRDB
import RumorCore

/// The moderation queue in the SQLite file. SQLite has one writer at a time, so a claim (find the next post, lease
/// it) is one write transaction and two moderators are never handed the same post.
extension SQLiteEntryStore {
    /// The schema of the moderation desk: the `moderator` role, `moderate` tokens, and the queue.
    static func registerQueueMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v3-moderation-queue") { db in
            // SQLite cannot change a CHECK constraint in place: the two tables are rebuilt (foreign keys are checked
            // once the migration ends).
            try db.execute(sql: """
                CREATE TABLE account_new (
                    name TEXT PRIMARY KEY NOT NULL CHECK (length(name) BETWEEN 1 AND 64 AND name NOT GLOB '*[^a-zA-Z0-9._-]*'),
                    role TEXT NOT NULL CHECK (role IN ('author', 'reviewer', 'admin', 'moderator')),
                    password_hash TEXT NOT NULL,
                    created_at TEXT NOT NULL
                );
                INSERT INTO account_new SELECT name, role, password_hash, created_at FROM account;
                DROP TABLE account;
                ALTER TABLE account_new RENAME TO account;
                CREATE TABLE api_token_new (
                    name TEXT PRIMARY KEY NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
                    token_hash BLOB NOT NULL UNIQUE,
                    scope TEXT NOT NULL CHECK (scope IN ('label', 'edit', 'moderate')),
                    queues_posts INTEGER NOT NULL DEFAULT 0 CHECK (queues_posts IN (0, 1)),
                    created_at TEXT NOT NULL,
                    revoked_at TEXT
                );
                INSERT INTO api_token_new (name, token_hash, scope, created_at, revoked_at) SELECT name, token_hash, scope, created_at, revoked_at FROM api_token;
                DROP TABLE api_token;
                ALTER TABLE api_token_new RENAME TO api_token;
                CREATE TABLE queued_post (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    kind TEXT NOT NULL CHECK (kind IN ('review', 'unmatched')),
                    text TEXT,
                    external_id TEXT,
                    url TEXT,
                    candidates TEXT NOT NULL CHECK (json_valid(candidates)),
                    caller TEXT NOT NULL,
                    vector BLOB,
                    queued_at REAL NOT NULL,
                    lease_holder TEXT,
                    lease_until REAL,
                    skipped_by TEXT,
                    outcome TEXT CHECK (outcome IS NULL OR outcome IN ('asserts', 'denies', 'unrelated')),
                    decision_slug TEXT,
                    note TEXT,
                    decided_by TEXT,
                    decided_at REAL,
                    agrees INTEGER NOT NULL DEFAULT 0
                );
                CREATE INDEX queued_post_open ON queued_post(kind, outcome, id);
                CREATE INDEX queued_post_time ON queued_post(queued_at);
                """)
        }
    }

    public func enqueue(_ posts: [QueueSubmission]) async throws -> [Int64] {
        try await write { db in
            let now = Date().timeIntervalSince1970
            return try posts.map { post in
                try db.execute(sql: """
                    INSERT INTO queued_post (kind, text, external_id, url, candidates, caller, vector, queued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [post.kind.rawValue, post.text, post.externalID, post.url, QueueRules.encode(post.candidates), post.caller,
                                     post.vector.map(QueueRules.bytes), now])
                return db.lastInsertedRowID
            }
        }
    }

    public func claimNextPost(moderator: String, leaseUntil: Date) async throws -> QueuedPost? {
        try await write { db in
            let now = Date().timeIntervalSince1970
            guard let id = try Int64.fetchOne(db, sql: """
                SELECT id FROM queued_post
                WHERE kind = 'review' AND outcome IS NULL AND text IS NOT NULL
                  AND (lease_holder = ? OR lease_until IS NULL OR lease_until < ?) AND (skipped_by IS NULL OR skipped_by <> ?)
                ORDER BY (lease_holder = ? AND lease_until >= ?) DESC, id LIMIT 1
                """, arguments: [moderator, now, moderator, moderator, now])
            else { return nil }
            try db.execute(sql: "UPDATE queued_post SET lease_holder = ?, lease_until = ? WHERE id = ?", arguments: [moderator, leaseUntil.timeIntervalSince1970, id])
            return try Self.queuedPost(id: id, in: db)
        }
    }

    public func queuedPost(id: Int64) async throws -> QueuedPost? {
        try await read { db in try Self.queuedPost(id: id, in: db) }
    }

    public func decide(id: Int64, _ decision: ModerationDecision, moderator: String) async throws {
        try await write { db in
            let row = try Row.fetchOne(db, sql: "SELECT * FROM queued_post WHERE id = ?", arguments: [id])
            let post = row.map(Self.queuedPost)
            try QueueRules.checkDecision(decision, on: post, id: id, moderator: moderator,
                                         lease: (row?["lease_holder"], (row?["lease_until"] as Double?).map(Date.init(timeIntervalSince1970:))), now: Date())
            try db.execute(sql: """
                UPDATE queued_post SET outcome = ?, decision_slug = ?, note = ?, decided_by = ?, decided_at = ?, agrees = ?, lease_holder = NULL, lease_until = NULL
                WHERE id = ?
                """, arguments: [decision.outcome.rawValue, decision.slug, decision.note, moderator, Date().timeIntervalSince1970,
                                 QueueRules.agrees(decision, candidates: post?.candidates ?? []) ? 1 : 0, id])
        }
    }

    public func skip(id: Int64, moderator: String) async throws {
        try await write { db in
            guard try Self.queuedPost(id: id, in: db) != nil else { throw StoreError.make(.notFound, "there is no queued post \(id)") }
            try db.execute(sql: """
                UPDATE queued_post SET skipped_by = ?, lease_holder = NULL, lease_until = NULL WHERE id = ? AND (lease_holder IS NULL OR lease_holder = ?)
                """, arguments: [moderator, id, moderator])
        }
    }

    public func queuedPosts(decided: Bool, limit: Int) async throws -> [QueuedPost] {
        try await read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM queued_post WHERE kind = 'review' AND \(decided ? "outcome IS NOT NULL" : "outcome IS NULL AND text IS NOT NULL") ORDER BY id LIMIT ?
                """, arguments: [limit]).map(Self.queuedPost)
        }
    }

    public func unmatchedPosts(limit: Int) async throws -> [(post: QueuedPost, vector: [Float])] {
        try await read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM queued_post WHERE kind = 'unmatched' AND text IS NOT NULL AND vector IS NOT NULL ORDER BY id DESC LIMIT ?
                """, arguments: [limit]).map { (Self.queuedPost($0), QueueRules.vector($0["vector"])) }
        }
    }

    public func purgeQueuedTexts(queuedBefore cutoff: Date) async throws -> Int {
        try await write { db in
            try db.execute(sql: """
                UPDATE queued_post SET text = NULL, external_id = NULL, url = NULL, vector = NULL, note = NULL WHERE queued_at < ? AND text IS NOT NULL
                """, arguments: [cutoff.timeIntervalSince1970])
            return db.changesCount
        }
    }

    public func queueCounts() async throws -> QueueCounts {
        try await read { db in
            var counts = QueueCounts()
            for row in try Row.fetchAll(db, sql: """
                SELECT kind, outcome, count(*) AS n, sum(agrees) AS agreeing, sum(text IS NOT NULL) AS held FROM queued_post GROUP BY kind, outcome
                """) {
                QueueRules.add(kind: row["kind"], outcome: row["outcome"], count: row["n"], agreeing: row["agreeing"], held: row["held"], to: &counts)
            }
            return counts
        }
    }

    static func queuedPost(id: Int64, in db: Database) throws -> QueuedPost? {
        try Row.fetchOne(db, sql: "SELECT * FROM queued_post WHERE id = ?", arguments: [id]).map(queuedPost)
    }

    static func queuedPost(_ row: Row) -> QueuedPost {
        let outcome = (row["outcome"] as String?).flatMap(ModerationDecision.Outcome.init(rawValue:))
        return QueuedPost(
            id: row["id"], kind: QueueSubmission.Kind(rawValue: row["kind"]) ?? .review, text: row["text"], externalID: row["external_id"], url: row["url"],
            candidates: QueueRules.decodeCandidates(row["candidates"]), caller: row["caller"], queuedAt: Date(timeIntervalSince1970: row["queued_at"]),
            decision: outcome.map { ModerationDecision(outcome: $0, slug: row["decision_slug"], note: row["note"]) }, decidedBy: row["decided_by"],
            decidedAt: (row["decided_at"] as Double?).map(Date.init(timeIntervalSince1970:)))
    }
}
