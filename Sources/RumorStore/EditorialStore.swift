import Foundation
import GRDB
import RumorCore
import RumorLedger

/// An editor's account as stored: the name, the role and the password hash (never the password).
public struct Account: Sendable, Hashable {
    /// The login name.
    public var name: String
    /// What the account may do.
    public var role: Role
    /// The password hash in the hasher's self-describing format.
    public var passwordHash: String
}

/// A browser session: who, its CSRF token, and when it ends.
public struct Session: Sendable, Hashable {
    /// The account.
    public var account: Account
    /// The token every form of this session must carry.
    public var csrfToken: String
    /// When it stops being valid.
    public var expires: Date
}

/// An API token as listed (its secret is never stored, only its hash).
public struct APIToken: Sendable, Hashable {
    /// What a token lets its holder do.
    public enum Scope: String, Sendable, Hashable, CaseIterable {
        /// Call the label API.
        case label
        /// Call the label API and the editorial API (as an author).
        case edit
        /// Call the label API and the moderation queue's API (as a moderator).
        case moderate
    }

    /// Its name, for people.
    public var name: String
    /// What it allows.
    public var scope: Scope
    /// When it was made.
    public var created: String
    /// When it was revoked, if it was.
    public var revoked: String?
    /// Whether posts it sends to the label API are queued for the desk unless a request says otherwise.
    public var queuesPosts = false

    /// Creates a token's listing.
    public init(name: String, scope: Scope, created: String, revoked: String? = nil, queuesPosts: Bool = false) {
        (self.name, self.scope, self.created, self.revoked, self.queuesPosts) = (name, scope, created, revoked, queuesPosts)
    }
}

/// Accounts, sessions, API tokens and the drafts of the two-person workflow, stored beside the entries.
extension SQLiteEntryStore {
    public func createAccount(name: String, role: Role, passwordHash: String) async throws {
        try await write { db in
            guard try Int.fetchOne(db, sql: "SELECT 1 FROM account WHERE name = ?", arguments: [name]) == nil else {
                throw StoreError.make(.conflict, "an account named \(name) already exists")
            }
            try db.execute(sql: "INSERT INTO account (name, role, password_hash, created_at) VALUES (?, ?, ?, ?)",
                           arguments: [name, role.rawValue, passwordHash, StoreRules.timestamp()])
        }
    }

    /// The account with this name, if any.
    public func account(name: String) async throws -> Account? {
        try await read { db in try Self.account(name: name, in: db) }
    }

    static func account(name: String, in db: Database) throws -> Account? {
        guard let row = try Row.fetchOne(db, sql: "SELECT name, role, password_hash FROM account WHERE name = ?", arguments: [name]),
            let role = Role(rawValue: row["role"])
        else { return nil }
        return Account(name: row["name"], role: role, passwordHash: row["password_hash"])
    }

    /// Records a new session under the hash of its secret.
    public func createSession(tokenHash: Data, account: String, csrfToken: String, expires: Date) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM session WHERE expires_at < ?", arguments: [Date().timeIntervalSince1970])
            try db.execute(sql: "INSERT INTO session (token_hash, account, csrf_token, expires_at) VALUES (?, ?, ?, ?)",
                           arguments: [tokenHash, account, csrfToken, expires.timeIntervalSince1970])
        }
    }

    /// The live session with this secret's hash, if any.
    public func session(tokenHash: Data) async throws -> Session? {
        try await read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT account, csrf_token, expires_at FROM session WHERE token_hash = ? AND expires_at >= ?",
                                             arguments: [tokenHash, Date().timeIntervalSince1970]),
                let account = try Self.account(name: row["account"], in: db)
            else { return nil }
            return Session(account: account, csrfToken: row["csrf_token"], expires: Date(timeIntervalSince1970: row["expires_at"]))
        }
    }

    /// Ends a session.
    public func deleteSession(tokenHash: Data) async throws {
        try await write { db in try db.execute(sql: "DELETE FROM session WHERE token_hash = ?", arguments: [tokenHash]) }
    }

    /// Records an API token under the hash of its secret. - Throws: ``StoreError`` when the name is taken.
    public func createToken(name: String, tokenHash: Data, scope: APIToken.Scope, queuesPosts: Bool) async throws {
        try await write { db in
            guard try Int.fetchOne(db, sql: "SELECT 1 FROM api_token WHERE name = ?", arguments: [name]) == nil else {
                throw StoreError.make(.conflict, "a token named \(name) already exists; revoke it or pick another name")
            }
            try db.execute(sql: "INSERT INTO api_token (name, token_hash, scope, queues_posts, created_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [name, tokenHash, scope.rawValue, queuesPosts ? 1 : 0, StoreRules.timestamp()])
        }
    }

    /// The unrevoked token with this secret's hash, if any.
    public func token(hash: Data) async throws -> APIToken? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT name, scope, created_at, queues_posts FROM api_token WHERE token_hash = ? AND revoked_at IS NULL", arguments: [hash])
                .flatMap { row in
                    APIToken.Scope(rawValue: row["scope"]).map { APIToken(name: row["name"], scope: $0, created: row["created_at"], queuesPosts: row["queues_posts"] == 1) }
                }
        }
    }

    /// Every token, revoked ones included.
    public func tokens() async throws -> [APIToken] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT name, scope, created_at, revoked_at, queues_posts FROM api_token ORDER BY name").compactMap { row in
                APIToken.Scope(rawValue: row["scope"]).map {
                    APIToken(name: row["name"], scope: $0, created: row["created_at"], revoked: row["revoked_at"], queuesPosts: row["queues_posts"] == 1)
                }
            }
        }
    }

    /// Revokes a token. - Returns: false when no unrevoked token has the name.
    public func revokeToken(name: String) async throws -> Bool {
        try await write { db in
            try db.execute(sql: "UPDATE api_token SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL", arguments: [StoreRules.timestamp(), name])
            return db.changesCount > 0
        }
    }

    // MARK: Drafts

    /// Saves a new draft in the `draft` state.
    public func createDraft(_ change: Draft.Change, author: String) async throws -> Draft {
        try await write { db in
            let now = StoreRules.timestamp()
            let (kind, document, reason) = StoreRules.columns(change)
            try db.execute(sql: """
                INSERT INTO draft (slug, kind, document, reason, author, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'draft', ?, ?)
                """, arguments: [change.slug, kind, document, reason, author, now, now])
            return Draft(id: db.lastInsertedRowID, change: change, author: author, state: .draft)
        }
    }

    /// Replaces a draft's change (its author editing it).
    public func updateDraft(id: Int64, change: Draft.Change) async throws {
        try await write { db in
            let (kind, document, reason) = StoreRules.columns(change)
            try db.execute(sql: "UPDATE draft SET slug = ?, kind = ?, document = ?, reason = ?, updated_at = ? WHERE id = ?",
                           arguments: [change.slug, kind, document, reason, StoreRules.timestamp(), id])
        }
    }

    /// Moves a draft to another state, with a reviewer's comment when it is sent back.
    public func setDraftState(id: Int64, _ state: Draft.State, comment: String?, reviewer: String?) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE draft SET state = ?, comment = ?, reviewer = COALESCE(?, reviewer), updated_at = ? WHERE id = ?",
                           arguments: [state.rawValue, comment, reviewer, StoreRules.timestamp(), id])
        }
    }

    /// One draft.
    public func draft(id: Int64) async throws -> Draft? {
        try await read { db in try Row.fetchOne(db, sql: "SELECT * FROM draft WHERE id = ?", arguments: [id]).flatMap(Self.draft) }
    }

    /// Drafts, newest first; only those in `states` when given.
    public func drafts(states: [Draft.State]?) async throws -> [Draft] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM draft ORDER BY id DESC").compactMap(Self.draft)
                .filter { states?.contains($0.state) ?? true }
        }
    }

    /// Publishes (or retracts) what a draft says, as approved by `reviewer`, in one transaction with its log leaf.
    ///
    /// - Throws: ``StoreError`` when the draft is not waiting for review, when the reviewer wrote it, or when a
    ///   retraction names an entry that is not published.
    public func approve(draftID: Int64, reviewer: String) async throws -> ImportOutcome {
        try await write { db in
            let draft = try StoreRules.checkApproval(
                try Row.fetchOne(db, sql: "SELECT * FROM draft WHERE id = ?", arguments: [draftID]).flatMap(Self.draft), id: draftID, reviewer: reviewer)
            let (entry, reason) = try StoreRules.approvedEntry(of: draft, current: try Self.latestVersion(slug: draft.slug, in: db))
            let outcome = try Self.record([entry], actor: draft.author, reviewer: reviewer, reason: reason, in: db)[0]
            try db.execute(sql: "UPDATE draft SET state = 'approved', reviewer = ?, comment = NULL, updated_at = ? WHERE id = ?",
                           arguments: [reviewer, StoreRules.timestamp(), draftID])
            return outcome
        }
    }

    private static func draft(_ row: Row) -> Draft? {
        StoreRules.draft(id: row["id"], kind: row["kind"], slug: row["slug"], document: row["document"], reason: row["reason"],
                         author: row["author"], state: row["state"], comment: row["comment"])
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.write(body)
        } catch {
            throw Self.storeError(error, path: path)
        }
    }
}
