import Foundation
import RumorCore
import RumorLedger

/// Everything the server keeps: entries, the editors' accounts, sessions, tokens and drafts, and the public log.
///
/// The domain and HTTP layers use this protocol only. ``SQLiteEntryStore`` (one file, the default) and
/// ``PostgresSiteStore`` (one database shared by several server replicas) implement it, and the store tests run
/// the same suite against both.
public protocol SiteStore: EntryStore, ModerationQueue {
    /// Where the data is, for messages: a file path, or a database URL without its password.
    var location: String { get }

    // MARK: Accounts, sessions and tokens

    /// Creates an account. - Throws: ``StoreError`` (`conflict`) when the name is taken.
    func createAccount(name: String, role: Role, passwordHash: String) async throws
    /// The account with this name, if any.
    func account(name: String) async throws -> Account?
    /// Records a new session under the hash of its secret (and forgets expired ones).
    func createSession(tokenHash: Data, account: String, csrfToken: String, expires: Date) async throws
    /// The live session with this secret's hash, if any.
    func session(tokenHash: Data) async throws -> Session?
    /// Ends a session.
    func deleteSession(tokenHash: Data) async throws
    /// Records an API token under the hash of its secret. - Throws: ``StoreError`` (`conflict`) when the name is taken.
    func createToken(name: String, tokenHash: Data, scope: APIToken.Scope, queuesPosts: Bool) async throws
    /// The unrevoked token with this secret's hash, if any.
    func token(hash: Data) async throws -> APIToken?
    /// Every token, revoked ones included, by name.
    func tokens() async throws -> [APIToken]
    /// Revokes a token. - Returns: false when no unrevoked token has the name.
    func revokeToken(name: String) async throws -> Bool

    // MARK: Drafts

    /// Saves a new draft in the `draft` state.
    func createDraft(_ change: Draft.Change, author: String) async throws -> Draft
    /// Replaces a draft's change (its author editing it).
    func updateDraft(id: Int64, change: Draft.Change) async throws
    /// Moves a draft to another state, with a reviewer's comment when it is sent back.
    func setDraftState(id: Int64, _ state: Draft.State, comment: String?, reviewer: String?) async throws
    /// One draft.
    func draft(id: Int64) async throws -> Draft?
    /// Drafts, newest first; only those in `states` when given.
    func drafts(states: [Draft.State]?) async throws -> [Draft]
    /// Publishes (or retracts) what a draft says, as approved by `reviewer`, in one transaction with its log leaf.
    /// - Throws: ``StoreError`` (`conflict`) when the draft is not waiting for review, when the reviewer wrote it, or
    ///   when a retraction names an entry that is not published.
    func approve(draftID: Int64, reviewer: String) async throws -> ImportOutcome

    // MARK: The public log

    /// The number of leaves committed.
    func logSize() async throws -> Int
    /// The hashes of complete subtrees, in the order asked.
    func logHashes(at indices: [NodeIndex]) async throws -> [Hash]
    /// The leaves' data for indices in `range` (clamped to the log), in order.
    func logLeaves(_ range: Range<Int>) async throws -> [[UInt8]]
    /// The leaf index recording a version of an entry, if it is logged.
    func logLeafIndex(slug: String, version: Int) async throws -> Int?
    /// The latest record about each of `slugs` that is logged.
    func latestLogRecords(slugs: [String]) async throws -> [String: LogRecord]
    /// Runs a tree computation (a root, a proof, a tile) over the log's node hashes. The default fetches the nodes
    /// it needs in one round trip (``HashPrefetch``); a store that can read synchronously answers directly.
    func withLogHashes<T: Sendable>(_ body: @escaping @Sendable (any HashReader) throws -> T) async throws -> T

    // MARK: Changes

    /// Yields soon after anyone (this process, another replica, `rumorctl import`) commits a change to the entries or
    /// the log; the stream ends when its consumer is cancelled.
    func changes() -> AsyncStream<Void>
}

extension SiteStore {
    /// Records an API token whose posts are queued only when a request asks.
    public func createToken(name: String, tokenHash: Data, scope: APIToken.Scope) async throws {
        try await createToken(name: name, tokenHash: tokenHash, scope: scope, queuesPosts: false)
    }

    /// Moves a draft to another state.
    public func setDraftState(id: Int64, _ state: Draft.State) async throws {
        try await setDraftState(id: id, state, comment: nil, reviewer: nil)
    }

    /// Every draft, newest first.
    public func drafts() async throws -> [Draft] { try await drafts(states: nil) }

    /// Runs `body` over node hashes fetched in one round trip.
    public func withLogHashes<T: Sendable>(_ body: @escaping @Sendable (any HashReader) throws -> T) async throws -> T {
        try await HashPrefetch.run(fetch: { try await logHashes(at: $0) }, body)
    }

    /// The log's size and root hash, from committed state.
    public func logHead() async throws -> (size: Int, root: Hash) {
        let size = try await logSize()
        // Complete subtrees never change once written, so the hashes read next belong to the tree of this size.
        return (size, try await withLogHashes { try $0.rootHash(treeSize: size) })
    }
}

/// The rules both stores follow when they write: they differ in SQL, not in what they decide.
enum StoreRules {
    /// The version to write when `incoming` is recorded over `latest`, or nil when it changes nothing.
    static func nextVersion(of incoming: Entry, over latest: Entry?) -> (entry: Entry, change: ImportOutcome.Change)? {
        if let latest, latest.hasSameContent(as: incoming), latest.status == incoming.status { return nil }
        var entry = incoming
        entry.version = (latest?.version ?? 0) + 1
        return (entry, latest == nil ? .created : .newVersion)
    }

    /// Checks that `reviewer` may approve `draft` now. - Throws: ``StoreError`` (`conflict`) saying why not.
    static func checkApproval(_ draft: Draft?, id: Int64, reviewer: String) throws -> Draft {
        guard let draft else { throw StoreError.make(.conflict, "there is no draft \(id)") }
        guard draft.state == .inReview else { throw StoreError.make(.conflict, "draft \(id) is not waiting for review") }
        guard draft.author != reviewer else { throw StoreError.make(.conflict, "nobody may approve their own draft") }
        return draft
    }

    /// The entry an approved draft records, and the public reason for a retraction.
    /// - Parameter current: the latest version of the entry the draft names, read in the approving transaction.
    static func approvedEntry(of draft: Draft, current: Entry?) throws -> (entry: Entry, reason: String?) {
        switch draft.change {
        case .publish(var entry):
            entry.status = .published
            return (entry, nil)
        case .retract(let slug, let reason):
            guard var entry = current, entry.status == .published else { throw StoreError.make(.conflict, "\(slug) is not a published entry") }
            entry.status = .retracted
            return (entry, reason)
        }
    }

    /// A draft's change as the columns `kind`, `document` and `reason`.
    static func columns(_ change: Draft.Change) -> (kind: String, document: String?, reason: String?) {
        switch change {
        case .publish(let entry): ("publish", String(decoding: entry.canonicalJSON(), as: UTF8.self), nil)
        case .retract(_, let reason): ("retract", nil, reason)
        }
    }

    /// A draft from its columns; nil for a row this version cannot read.
    static func draft(id: Int64, kind: String, slug: String, document: String?, reason: String?, author: String, state: String, comment: String?) -> Draft? {
        guard let state = Draft.State(rawValue: state) else { return nil }
        let change: Draft.Change
        if kind == "retract" {
            change = .retract(slug: slug, reason: reason ?? "")
        } else {
            guard let document, let entry = try? decode(document) else { return nil }
            change = .publish(entry)
        }
        return Draft(id: id, change: change, author: author, state: state, comment: comment)
    }

    /// An entry from its stored canonical JSON.
    static func decode(_ document: String) throws -> Entry {
        try JSONDecoder().decode(Entry.self, from: Data(document.utf8))
    }

    /// The time stamps stored with rows (not the log's record times).
    static func timestamp() -> String {
        Date.now.ISO8601Format(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }
}
