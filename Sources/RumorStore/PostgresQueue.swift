import Foundation
import PostgresNIO
import RumorCore

/// The moderation queue in PostgreSQL. Several replicas hand out posts at once: a claim locks the row it picks
/// (`FOR UPDATE SKIP LOCKED`) and leases it in the same statement, so no two moderators are handed the same post.
extension PostgresSiteStore {
    /// The moderation desk's migration: the `moderator` role, `moderate` tokens, and the queue.
    static let queueMigration: (name: String, sql: [String]) = ("v5-moderation-queue", [
        "ALTER TABLE account DROP CONSTRAINT account_role_check",
        "ALTER TABLE account ADD CONSTRAINT account_role_check CHECK (role IN ('author', 'reviewer', 'admin', 'moderator'))",
        "ALTER TABLE api_token DROP CONSTRAINT api_token_scope_check",
        "ALTER TABLE api_token ADD CONSTRAINT api_token_scope_check CHECK (scope IN ('label', 'edit', 'moderate'))",
        "ALTER TABLE api_token ADD COLUMN queues_posts BOOLEAN NOT NULL DEFAULT false",
        """
        CREATE TABLE queued_post (
            id BIGSERIAL PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('review', 'unmatched')),
            text TEXT,
            external_id TEXT,
            url TEXT,
            candidates TEXT NOT NULL CHECK (candidates::jsonb IS NOT NULL),
            caller TEXT NOT NULL,
            vector BYTEA,
            queued_at DOUBLE PRECISION NOT NULL,
            lease_holder TEXT,
            lease_until DOUBLE PRECISION,
            skipped_by TEXT,
            outcome TEXT CHECK (outcome IS NULL OR outcome IN ('asserts', 'denies', 'unrelated')),
            decision_slug TEXT,
            note TEXT,
            decided_by TEXT,
            decided_at DOUBLE PRECISION,
            agrees BOOLEAN NOT NULL DEFAULT false
        )
        """,
        "CREATE INDEX queued_post_open ON queued_post (kind, outcome, id)",
        "CREATE INDEX queued_post_time ON queued_post (queued_at)",
    ])

    /// The columns a ``QueuedPost`` is read from, in the order of ``Row``.
    private static let columns = "id, kind, text, external_id, url, candidates, caller, queued_at, outcome, decision_slug, note, decided_by, decided_at"
    private typealias Row = (Int64, String, String?, String?, String?, String, String, Double, String?, String?, String?, String?, Double?)

    public func enqueue(_ posts: [QueueSubmission]) async throws -> [Int64] {
        try await write { connection in
            let now = Date().timeIntervalSince1970
            var ids: [Int64] = []
            for post in posts {
                let vector = post.vector.map(QueueRules.bytes)
                let rows = try await connection.query("""
                    INSERT INTO queued_post (kind, text, external_id, url, candidates, caller, vector, queued_at)
                    VALUES (\(post.kind.rawValue), \(post.text), \(post.externalID), \(post.url), \(QueueRules.encode(post.candidates)), \(post.caller), \(vector), \(now))
                    RETURNING id
                    """, logger: self.logger).decode(Int64.self).collectAll()
                ids += rows
            }
            return ids
        }
    }

    public func claimNextPost(moderator: String, leaseUntil: Date) async throws -> QueuedPost? {
        let now = Date().timeIntervalSince1970
        let until = leaseUntil.timeIntervalSince1970
        return try await write { connection in
            try await connection.query(PostgresQuery(unsafeSQL: """
                UPDATE queued_post SET lease_holder = $1, lease_until = $2 WHERE id = (
                    SELECT id FROM queued_post
                    WHERE kind = 'review' AND outcome IS NULL AND text IS NOT NULL
                      AND (lease_holder = $1 OR lease_until IS NULL OR lease_until < $3) AND (skipped_by IS NULL OR skipped_by <> $1)
                    ORDER BY COALESCE(lease_holder = $1 AND lease_until >= $3, false) DESC, id LIMIT 1
                    FOR UPDATE SKIP LOCKED)
                RETURNING \(Self.columns)
                """, binds: try Self.binds(moderator, until, now)), logger: self.logger).decode(Row.self).collectAll().first.map(Self.queuedPost)
        }
    }

    public func queuedPost(id: Int64) async throws -> QueuedPost? {
        try await read { try await self.client.withConnection { try await self.queuedPost(id: id, in: $0) } }
    }

    public func decide(id: Int64, _ decision: ModerationDecision, moderator: String) async throws {
        try await write { connection in
            let locked = try await connection.query(PostgresQuery(unsafeSQL: """
                SELECT \(Self.columns), lease_holder, lease_until FROM queued_post WHERE id = $1 FOR UPDATE
                """, binds: try Self.binds(id)), logger: self.logger)
                .decode((Int64, String, String?, String?, String?, String, String, Double, String?, String?, String?, String?, Double?, String?, Double?).self)
                .collectAll().first
            let post = locked.map { Self.queuedPost(($0.0, $0.1, $0.2, $0.3, $0.4, $0.5, $0.6, $0.7, $0.8, $0.9, $0.10, $0.11, $0.12)) }
            let lease = locked.map { ($0.13, $0.14) }
            try QueueRules.checkDecision(decision, on: post, id: id, moderator: moderator,
                                         lease: (lease?.0, lease?.1.map(Date.init(timeIntervalSince1970:))), now: Date())
            let agrees = QueueRules.agrees(decision, candidates: post?.candidates ?? [])
            try await connection.query("""
                UPDATE queued_post SET outcome = \(decision.outcome.rawValue), decision_slug = \(decision.slug), note = \(decision.note),
                    decided_by = \(moderator), decided_at = \(Date().timeIntervalSince1970), agrees = \(agrees), lease_holder = NULL, lease_until = NULL
                WHERE id = \(id)
                """, logger: self.logger)
        }
    }

    public func skip(id: Int64, moderator: String) async throws {
        try await write { connection in
            guard try await self.queuedPost(id: id, in: connection) != nil else { throw StoreError.make(.notFound, "there is no queued post \(id)") }
            try await connection.query("""
                UPDATE queued_post SET skipped_by = \(moderator), lease_holder = NULL, lease_until = NULL
                WHERE id = \(id) AND (lease_holder IS NULL OR lease_holder = \(moderator))
                """, logger: self.logger)
        }
    }

    public func queuedPosts(decided: Bool, limit: Int) async throws -> [QueuedPost] {
        try await read {
            try await self.client.query(PostgresQuery(unsafeSQL: """
                SELECT \(Self.columns) FROM queued_post
                WHERE kind = 'review' AND \(decided ? "outcome IS NOT NULL" : "outcome IS NULL AND text IS NOT NULL") ORDER BY id LIMIT $1
                """, binds: try Self.binds(limit)), logger: self.logger).decode(Row.self).collectAll().map(Self.queuedPost)
        }
    }

    public func unmatchedPosts(limit: Int) async throws -> [(post: QueuedPost, vector: [Float])] {
        try await read {
            try await self.client.query(PostgresQuery(unsafeSQL: """
                SELECT \(Self.columns), vector FROM queued_post
                WHERE kind = 'unmatched' AND text IS NOT NULL AND vector IS NOT NULL ORDER BY id DESC LIMIT $1
                """, binds: try Self.binds(limit)), logger: self.logger)
                .decode((Int64, String, String?, String?, String?, String, String, Double, String?, String?, String?, String?, Double?, Data).self)
                .collectAll()
                .map { row in (Self.queuedPost((row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8, row.9, row.10, row.11, row.12)), QueueRules.vector(row.13)) }
        }
    }

    public func purgeQueuedTexts(queuedBefore cutoff: Date) async throws -> Int {
        try await write { connection in
            try await connection.query("""
                UPDATE queued_post SET text = NULL, external_id = NULL, url = NULL, vector = NULL, note = NULL
                WHERE queued_at < \(cutoff.timeIntervalSince1970) AND text IS NOT NULL RETURNING id
                """, logger: self.logger).collect().count
        }
    }

    public func queueCounts() async throws -> QueueCounts {
        try await read {
            var counts = QueueCounts()
            let rows = try await self.client.query("""
                SELECT kind, outcome, count(*)::bigint, count(*) FILTER (WHERE agrees)::bigint, count(text)::bigint FROM queued_post GROUP BY kind, outcome
                """, logger: self.logger).decode((String, String?, Int64, Int64, Int64).self).collectAll()
            for row in rows {
                QueueRules.add(kind: row.0, outcome: row.1, count: Int(row.2), agreeing: Int(row.3), held: Int(row.4), to: &counts)
            }
            return counts
        }
    }

    private func queuedPost(id: Int64, in connection: PostgresConnection) async throws -> QueuedPost? {
        try await connection.query(PostgresQuery(unsafeSQL: "SELECT \(Self.columns) FROM queued_post WHERE id = $1", binds: try Self.binds(id)), logger: logger)
            .decode(Row.self).collectAll().first.map(Self.queuedPost)
    }

    private static func binds(_ values: any PostgresEncodable...) throws -> PostgresBindings {
        var bindings = PostgresBindings()
        for value in values { try bindings.append(value) }
        return bindings
    }

    private static func queuedPost(_ row: Row) -> QueuedPost {
        let outcome = row.8.flatMap(ModerationDecision.Outcome.init(rawValue:))
        return QueuedPost(
            id: row.0, kind: QueueSubmission.Kind(rawValue: row.1) ?? .review, text: row.2, externalID: row.3, url: row.4,
            candidates: QueueRules.decodeCandidates(row.5), caller: row.6, queuedAt: Date(timeIntervalSince1970: row.7),
            decision: outcome.map { ModerationDecision(outcome: $0, slug: row.9, note: row.10) }, decidedBy: row.11,
            decidedAt: row.12.map(Date.init(timeIntervalSince1970:)))
    }
}
