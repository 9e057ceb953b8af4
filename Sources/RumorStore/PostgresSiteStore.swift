import Foundation
import Logging
import PostgresNIO
import RumorCore
import RumorLedger

/// The scale-out store: one PostgreSQL database shared by several `rumorctl serve` replicas, through postgres-nio
/// (a connection pool, bound parameters only).
///
/// The public log has one writer at a time: every transaction that records an entry version first takes a
/// transaction-scoped advisory lock, then reads the log's right edge, appends the leaf and its tree nodes and the
/// version, and commits. Two replicas publishing at the same moment so produce one linear log; checkpoints are
/// signed over committed state only. Triggers send a notification (`LISTEN/NOTIFY`) at the commit of any change to
/// the entries or the log, which the replicas turn into a refresh of their pages and matcher.
public final class PostgresSiteStore: SiteStore {
    /// The database URL without its password.
    public let location: String
    let client: PostgresClient
    private let running: Task<Void, Never>
    let logger: Logger

    /// The notification channel that carries "the entries or the log changed".
    static let changeChannel = "rumorcontrol_changes"
    /// The advisory lock that serialises log appends ("RCLOG" in ASCII).
    static let logLock: Int64 = 0x52_43_4C_4F_47
    /// The advisory lock that serialises migrations and seeding.
    static let migrationLock: Int64 = 0x52_43_4D_49_47

    /// A logger for the driver that reports errors only (its connection retries are noise on a command line).
    public static var quietLogger: Logger {
        var logger = Logger(label: "rumorcontrol.postgres")
        logger.logLevel = .error
        return logger
    }

    /// Whether `database` names a PostgreSQL database rather than a SQLite file.
    public static func handles(_ database: String) -> Bool {
        database.hasPrefix("postgres://") || database.hasPrefix("postgresql://")
    }

    /// Connects to the database at `url`, brings its schema up to date and, when it was never seeded, records `seed`.
    ///
    /// - Parameters:
    ///   - url: `postgres://user[:password]@host[:port]/database[?sslmode=disable|prefer|require]`; a `host` query
    ///     item starting with `/` names a Unix socket folder instead.
    ///   - seed: entries for a fresh database, usually ``ShippedKnowledgeBase/entries()``.
    ///   - maxConnections: the pool's size.
    ///   - connectTimeout: how long to try reaching the server before giving up.
    /// - Throws: ``StoreError`` saying what is wrong and what to do.
    public init(
        url: String, seed: @autoclosure () throws -> [Entry] = [], maxConnections: Int = 20, connectTimeout: Duration = .seconds(30),
        logger: Logger = PostgresSiteStore.quietLogger
    ) async throws {
        let (configuration, location) = try Self.configuration(url: url, maxConnections: maxConnections)
        self.location = location
        self.logger = logger
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        running = Task { await client.run() }
        do {
            // The pool retries a refused connection for ever; a server that cannot be reached at all is an error.
            try await Self.within(connectTimeout, StoreError.make(.cannotOpen, "cannot connect to the PostgreSQL server \(location) within \(connectTimeout): check that it runs, and the URL's host, port, user, password and database (which must exist).")) {
                try await client.query("SELECT 1", logger: logger)
            }
            try await migrate()
            let seeded = try await client.query("SELECT value FROM store_meta WHERE key = 'seeded_at'", logger: logger).collect()
            if seeded.isEmpty {
                let entries = try seed()
                try await writeLogged { connection in
                    let again = try await connection.query("SELECT value FROM store_meta WHERE key = 'seeded_at'", logger: self.logger).collect()
                    guard again.isEmpty else { return }
                    if !entries.isEmpty { _ = try await self.record(entries, actor: "kb-seed", in: connection) }
                    try await connection.query("INSERT INTO store_meta (key, value) VALUES ('seeded_at', \(StoreRules.timestamp()))", logger: self.logger)
                }
            }
        } catch {
            running.cancel()
            throw storeError(error)
        }
    }

    deinit { running.cancel() }

    /// Runs `body`, or throws `failure` when it takes longer than `limit`.
    static func within<T: Sendable>(_ limit: Duration, _ failure: StoreError, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask(operation: body)
            group.addTask {
                try await Task.sleep(for: limit)
                throw failure
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    // MARK: Entries

    public func entries(status: EntryStatus?) async throws -> [Entry] {
        try await read {
            try await self.client.query("""
                SELECT v.document FROM entry e JOIN entry_version v ON v.slug = e.slug AND v.version = e.latest_version
                WHERE \(status?.rawValue)::text IS NULL OR e.status = \(status?.rawValue) ORDER BY e.slug
                """, logger: self.logger).decode(String.self).collectAll().map(StoreRules.decode)
        }
    }

    public func entry(slug: String) async throws -> Entry? {
        try await read { try await self.client.withConnection { try await Self.latestVersion(slug: slug, in: $0, logger: self.logger) } }
    }

    public func versions(slug: String) async throws -> [Entry] {
        try await read {
            try await self.client.query("SELECT document FROM entry_version WHERE slug = \(slug) ORDER BY version", logger: self.logger)
                .decode(String.self).collectAll().map(StoreRules.decode)
        }
    }

    public func record(_ entries: [Entry], actor: String) async throws -> [ImportOutcome] {
        try await writeLogged { connection in try await self.record(entries, actor: actor, in: connection) }
    }

    static func latestVersion(slug: String, in connection: PostgresConnection, logger: Logger) async throws -> Entry? {
        try await connection.query("""
            SELECT v.document FROM entry e JOIN entry_version v ON v.slug = e.slug AND v.version = e.latest_version WHERE e.slug = \(slug)
            """, logger: logger).decode(String.self).collectAll().first.map(StoreRules.decode)
    }

    /// Records entry versions and their log leaves; the caller holds the log lock in a transaction.
    func record(_ entries: [Entry], actor: String, reviewer: String? = nil, reason: String? = nil, in connection: PostgresConnection) async throws -> [ImportOutcome] {
        let now = StoreRules.timestamp()
        let logTime = LogRecord.timestamp(Date())
        var log = try await PostgresLogAppender(connection: connection, logger: logger)
        var outcomes: [ImportOutcome] = []
        for incoming in entries {
            let latest = try await Self.latestVersion(slug: incoming.slug, in: connection, logger: logger)
            guard let (entry, change) = StoreRules.nextVersion(of: incoming, over: latest) else {
                outcomes.append(ImportOutcome(slug: incoming.slug, version: latest?.version ?? 0, change: .unchanged))
                continue
            }
            let canonical = entry.canonicalJSON()
            let document = String(decoding: canonical, as: UTF8.self)
            let status = entry.status.rawValue
            if latest == nil {
                try await connection.query("""
                    INSERT INTO entry (slug, latest_version, status, first_recorded_at, last_recorded_at) VALUES (\(entry.slug), \(entry.version), \(status), \(now), \(now))
                    """, logger: logger)
            } else {
                try await connection.query(
                    "UPDATE entry SET latest_version = \(entry.version), status = \(status), last_recorded_at = \(now) WHERE slug = \(entry.slug)", logger: logger)
            }
            try await connection.query("""
                INSERT INTO entry_version (slug, version, status, document, recorded_at, recorded_by) VALUES (\(entry.slug), \(entry.version), \(status), \(document), \(now), \(actor))
                """, logger: logger)
            try await log.append(try LogAppender.record(for: entry, canonicalJSON: canonical, author: actor, reviewer: reviewer ?? actor, reason: reason, time: logTime))
            outcomes.append(ImportOutcome(slug: entry.slug, version: entry.version, change: change))
        }
        return outcomes
    }

    // MARK: Accounts, sessions and tokens

    public func createAccount(name: String, role: Role, passwordHash: String) async throws {
        try await write { connection in
            let taken = try await connection.query("SELECT 1 FROM account WHERE name = \(name)", logger: self.logger).collect()
            guard taken.isEmpty else { throw StoreError.make(.conflict, "an account named \(name) already exists") }
            try await connection.query("""
                INSERT INTO account (name, role, password_hash, created_at) VALUES (\(name), \(role.rawValue), \(passwordHash), \(StoreRules.timestamp()))
                """, logger: self.logger)
        }
    }

    public func account(name: String) async throws -> Account? {
        try await read { try await self.client.withConnection { try await self.account(name: name, in: $0) } }
    }

    private func account(name: String, in connection: PostgresConnection) async throws -> Account? {
        try await connection.query("SELECT name, role, password_hash FROM account WHERE name = \(name)", logger: logger)
            .decode((String, String, String).self).collectAll().first
            .flatMap { row in Role(rawValue: row.1).map { Account(name: row.0, role: $0, passwordHash: row.2) } }
    }

    public func createSession(tokenHash: Data, account: String, csrfToken: String, expires: Date) async throws {
        try await write { connection in
            try await connection.query("DELETE FROM session WHERE expires_at < \(Date().timeIntervalSince1970)", logger: self.logger)
            try await connection.query("""
                INSERT INTO session (token_hash, account, csrf_token, expires_at) VALUES (\(tokenHash), \(account), \(csrfToken), \(expires.timeIntervalSince1970))
                """, logger: self.logger)
        }
    }

    public func session(tokenHash: Data) async throws -> Session? {
        try await read {
            try await self.client.withConnection { connection in
                guard let row = try await connection.query("""
                    SELECT account, csrf_token, expires_at FROM session WHERE token_hash = \(tokenHash) AND expires_at >= \(Date().timeIntervalSince1970)
                    """, logger: self.logger).decode((String, String, Double).self).collectAll().first,
                    let account = try await self.account(name: row.0, in: connection)
                else { return nil }
                return Session(account: account, csrfToken: row.1, expires: Date(timeIntervalSince1970: row.2))
            }
        }
    }

    public func deleteSession(tokenHash: Data) async throws {
        try await write { connection in try await connection.query("DELETE FROM session WHERE token_hash = \(tokenHash)", logger: self.logger) }
    }

    public func createToken(name: String, tokenHash: Data, scope: APIToken.Scope, queuesPosts: Bool) async throws {
        try await write { connection in
            let taken = try await connection.query("SELECT 1 FROM api_token WHERE name = \(name)", logger: self.logger).collect()
            guard taken.isEmpty else { throw StoreError.make(.conflict, "a token named \(name) already exists; revoke it or pick another name") }
            try await connection.query("""
                INSERT INTO api_token (name, token_hash, scope, queues_posts, created_at)
                VALUES (\(name), \(tokenHash), \(scope.rawValue), \(queuesPosts), \(StoreRules.timestamp()))
                """, logger: self.logger)
        }
    }

    public func token(hash: Data) async throws -> APIToken? {
        try await read {
            try await self.client.query("SELECT name, scope, created_at, queues_posts FROM api_token WHERE token_hash = \(hash) AND revoked_at IS NULL", logger: self.logger)
                .decode((String, String, String, Bool).self).collectAll().first
                .flatMap { row in APIToken.Scope(rawValue: row.1).map { APIToken(name: row.0, scope: $0, created: row.2, queuesPosts: row.3) } }
        }
    }

    public func tokens() async throws -> [APIToken] {
        try await read {
            try await self.client.query("SELECT name, scope, created_at, revoked_at, queues_posts FROM api_token ORDER BY name", logger: self.logger)
                .decode((String, String, String, String?, Bool).self).collectAll()
                .compactMap { row in APIToken.Scope(rawValue: row.1).map { APIToken(name: row.0, scope: $0, created: row.2, revoked: row.3, queuesPosts: row.4) } }
        }
    }

    public func revokeToken(name: String) async throws -> Bool {
        try await write { connection in
            let revoked = try await connection.query("""
                UPDATE api_token SET revoked_at = \(StoreRules.timestamp()) WHERE name = \(name) AND revoked_at IS NULL RETURNING name
                """, logger: self.logger).collect()
            return !revoked.isEmpty
        }
    }

    // MARK: Drafts

    public func createDraft(_ change: Draft.Change, author: String) async throws -> Draft {
        try await write { connection in
            let now = StoreRules.timestamp()
            let (kind, document, reason) = StoreRules.columns(change)
            let id = try await connection.query("""
                INSERT INTO draft (slug, kind, document, reason, author, state, created_at, updated_at)
                VALUES (\(change.slug), \(kind), \(document), \(reason), \(author), 'draft', \(now), \(now)) RETURNING id
                """, logger: self.logger).decode(Int64.self).collectAll()[0]
            return Draft(id: id, change: change, author: author, state: .draft)
        }
    }

    public func updateDraft(id: Int64, change: Draft.Change) async throws {
        try await write { connection in
            let (kind, document, reason) = StoreRules.columns(change)
            try await connection.query("""
                UPDATE draft SET slug = \(change.slug), kind = \(kind), document = \(document), reason = \(reason), updated_at = \(StoreRules.timestamp()) WHERE id = \(id)
                """, logger: self.logger)
        }
    }

    public func setDraftState(id: Int64, _ state: Draft.State, comment: String?, reviewer: String?) async throws {
        try await write { connection in
            try await connection.query("""
                UPDATE draft SET state = \(state.rawValue), comment = \(comment), reviewer = COALESCE(\(reviewer), reviewer), updated_at = \(StoreRules.timestamp()) WHERE id = \(id)
                """, logger: self.logger)
        }
    }

    public func draft(id: Int64) async throws -> Draft? {
        try await read { try await self.client.withConnection { try await self.drafts(where: id, in: $0).first } }
    }

    public func drafts(states: [Draft.State]?) async throws -> [Draft] {
        try await read { try await self.client.withConnection { try await self.drafts(where: nil, in: $0) } }
            .filter { states?.contains($0.state) ?? true }
    }

    private func drafts(where id: Int64?, in connection: PostgresConnection) async throws -> [Draft] {
        try await connection.query("""
            SELECT id, kind, slug, document, reason, author, state, comment FROM draft WHERE \(id)::bigint IS NULL OR id = \(id) ORDER BY id DESC
            """, logger: logger).decode((Int64, String, String, String?, String?, String, String, String?).self).collectAll()
            .compactMap { row in
                StoreRules.draft(id: row.0, kind: row.1, slug: row.2, document: row.3, reason: row.4, author: row.5, state: row.6, comment: row.7)
            }
    }

    public func approve(draftID: Int64, reviewer: String) async throws -> ImportOutcome {
        try await writeLogged { connection in
            // The draft row is locked too, so two reviewers approving it at once publish it once.
            _ = try await connection.query("SELECT id FROM draft WHERE id = \(draftID) FOR UPDATE", logger: self.logger).collect()
            let draft = try StoreRules.checkApproval(try await self.drafts(where: draftID, in: connection).first, id: draftID, reviewer: reviewer)
            let current = try await Self.latestVersion(slug: draft.slug, in: connection, logger: self.logger)
            let (entry, reason) = try StoreRules.approvedEntry(of: draft, current: current)
            let outcome = try await self.record([entry], actor: draft.author, reviewer: reviewer, reason: reason, in: connection)[0]
            try await connection.query("""
                UPDATE draft SET state = 'approved', reviewer = \(reviewer), comment = NULL, updated_at = \(StoreRules.timestamp()) WHERE id = \(draftID)
                """, logger: self.logger)
            return outcome
        }
    }

    // MARK: The public log

    public func logSize() async throws -> Int {
        try await read { try await self.client.withConnection { try await PostgresLogAppender.size(in: $0, logger: self.logger) } }
    }

    public func logHashes(at indices: [NodeIndex]) async throws -> [Hash] {
        try await read { try await self.client.withConnection { try await PostgresLogAppender.hashes(at: indices, in: $0, logger: self.logger) } }
    }

    public func logLeaves(_ range: Range<Int>) async throws -> [[UInt8]] {
        try await read {
            try await self.client.query("""
                SELECT data FROM log_leaf WHERE leaf_index >= \(range.lowerBound) AND leaf_index < \(range.upperBound) ORDER BY leaf_index
                """, logger: self.logger).decode(Data.self).collectAll().map { Array($0) }
        }
    }

    public func logLeafIndex(slug: String, version: Int) async throws -> Int? {
        try await read {
            try await self.client.query("SELECT leaf_index FROM log_leaf WHERE slug = \(slug) AND version = \(version)", logger: self.logger)
                .decode(Int.self).collectAll().first
        }
    }

    public func latestLogRecords(slugs: [String]) async throws -> [String: LogRecord] {
        try await read {
            let rows = try await self.client.query("""
                SELECT DISTINCT ON (slug) slug, data FROM log_leaf WHERE slug = ANY(\(slugs)) ORDER BY slug, leaf_index DESC
                """, logger: self.logger).decode((String, Data).self).collectAll()
            var records: [String: LogRecord] = [:]
            for (slug, data) in rows { records[slug] = try LogRecord(canonicalJSON: Array(data)) }
            return records
        }
    }

    // MARK: Changes

    /// Listens on the change channel (on a pooled connection held for the purpose, reconnecting after failures), and
    /// also compares the record's fingerprint every five seconds, in case a notification was lost or a change was
    /// made with the triggers turned off.
    public func changes() -> AsyncStream<Void> {
        // A burst of commits comes out as one change: whoever listens refreshes once.
        AsyncStream(Void.self, bufferingPolicy: .bufferingNewest(1)) { continuation in
            let listener = Task {
                while !Task.isCancelled {
                    do {
                        try await self.client.withConnection { connection in
                            for try await _ in try await connection.listen(Self.changeChannel) { continuation.yield() }
                        }
                    } catch {
                        if Task.isCancelled { break }
                        self.logger.warning("listening for changes failed; retrying in a second: \(String(reflecting: error))")
                        try? await Task.sleep(for: .seconds(1))
                    }
                }
            }
            let poller = Task {
                var seen = try? await self.recordFingerprint()
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(5))
                    guard let fingerprint = try? await self.recordFingerprint(), fingerprint != seen else { continue }
                    seen = fingerprint
                    continuation.yield()
                }
            }
            continuation.onTermination = { _ in
                listener.cancel()
                poller.cancel()
            }
        }
    }

    // MARK: Transactions and errors

    func read<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw storeError(error)
        }
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await client.withTransaction(logger: logger) { connection in try await body(connection) }
        } catch {
            throw storeError(error)
        }
    }

    /// A transaction that may append to the log: it takes the log lock first. (Triggers tell the other replicas on
    /// commit.)
    func writeLogged<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await write { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.logLock))", logger: self.logger)
            return try await body(connection)
        }
    }

    /// A cheap fingerprint of the record (the log's size and hashes of every entry row and version), which changes
    /// with any change to them, even one made with the notifying triggers turned off.
    func recordFingerprint() async throws -> String {
        try await read {
            try await self.client.query("""
                SELECT (SELECT count(*) FROM log_leaf)::text || ':' ||
                       (SELECT COALESCE(sum(hashtext(slug || ':' || latest_version || ':' || status)), 0) FROM entry)::text || ':' ||
                       (SELECT COALESCE(sum(hashtext(slug || ':' || version || ':' || document)), 0) FROM entry_version)::text
                """, logger: self.logger).decode(String.self).collectAll()[0]
        }
    }

    /// Turns a database failure into a message that names the database and says what to do.
    func storeError(_ error: any Error) -> any Error {
        if let error = error as? StoreError { return error }
        if let error = error as? PostgresTransactionError {
            let cause = error.closureError ?? error.beginError ?? error.commitError ?? error.rollbackError
            return cause.map(storeError) ?? StoreError.make(.databaseFailure, "\(location): a transaction failed")
        }
        guard let error = error as? PSQLError else { return error }
        switch error.code {
        case .server:
            let state = error.serverInfo?[.sqlState] ?? ""
            let message = error.serverInfo?[.message] ?? "an error"
            switch state {
            case "53100": return StoreError.make(.diskFull, "the disk of the PostgreSQL server \(location) is full; nothing was written. Free some space and try again.")
            case "25006": return StoreError.make(.readOnly, "the PostgreSQL server \(location) is read-only (a standby?); point --database at the primary.")
            case "23505": return StoreError.make(.conflict, "\(location): \(message)")
            case "3D000", "28000", "28P01", "42501":
                return StoreError.make(.cannotOpen, "cannot use the PostgreSQL database \(location): \(message). Check the URL, the user and its rights.")
            case "40001", "40P01", "55P03": return StoreError.make(.locked, "\(location) is busy (\(message)); try again.")
            default: return StoreError.make(.databaseFailure, "\(location): PostgreSQL reported \(state): \(message)")
            }
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .poolClosed, .uncleanShutdown:
            return StoreError.make(.cannotOpen, "cannot reach the PostgreSQL server \(location); check that it runs and that the URL is right.")
        default:
            return StoreError.make(.databaseFailure, "\(location): the PostgreSQL client failed (\(error.code))")
        }
    }

    /// The client's configuration and the URL to show in messages, from a `postgres://` URL.
    static func configuration(url: String, maxConnections: Int) throws -> (PostgresClient.Configuration, String) {
        guard let components = URLComponents(string: url), let scheme = components.scheme, handles(scheme + "://") else {
            throw StoreError.make(.cannotOpen, "\(url) is not a PostgreSQL URL; write postgres://user@host:5432/database")
        }
        let database = String(components.path.drop { $0 == "/" })
        guard let user = components.user, !user.isEmpty, !database.isEmpty else {
            throw StoreError.make(.cannotOpen, "the PostgreSQL URL needs a user and a database: postgres://user@host:5432/database")
        }
        let items = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }) { _, last in last }
        var shown = components
        shown.password = nil
        let location = shown.string ?? "postgres://\(user)@…/\(database)"
        var configuration: PostgresClient.Configuration
        if let socketFolder = items["host"], socketFolder.hasPrefix("/") {
            let port = components.port ?? 5432
            configuration = .init(unixSocketPath: "\(socketFolder)/.s.PGSQL.\(port)", username: user, password: components.password, database: database)
        } else {
            let tls: PostgresClient.Configuration.TLS
            switch items["sslmode"] ?? "prefer" {
            case "disable": tls = .disable
            case "prefer", "allow": tls = .prefer(.makeClientConfiguration())
            case "require", "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
            case let mode: throw StoreError.make(.cannotOpen, "sslmode=\(mode) is not one of disable, prefer or require")
            }
            configuration = .init(host: components.host ?? "localhost", port: components.port ?? 5432, username: user, password: components.password, database: database, tls: tls)
        }
        configuration.options.maximumConnections = maxConnections
        return (configuration, location)
    }
}

/// Appends leaves to the public log inside a PostgreSQL transaction that holds the log lock.
struct PostgresLogAppender {
    private let connection: PostgresConnection
    private let logger: Logger
    private var range: CompactRange

    /// Reads the log's right edge.
    init(connection: PostgresConnection, logger: Logger) async throws {
        self.connection = connection
        self.logger = logger
        let size = try await Self.size(in: connection, logger: logger)
        range = try await HashPrefetch.run(fetch: { try await Self.hashes(at: $0, in: connection, logger: logger) }) {
            try CompactRange(size: size, reader: $0)
        }
    }

    /// Appends one record.
    mutating func append(_ record: LogRecord) async throws {
        let data = record.canonicalJSON
        let index = range.size
        let nodes = try range.append(entry: data)
        try await connection.query("""
            INSERT INTO log_leaf (leaf_index, slug, version, action, data) VALUES (\(index), \(record.slug), \(record.version), \(record.action.rawValue), \(Data(data)))
            """, logger: logger)
        let levels = nodes.map { $0.node.level }
        let indices = nodes.map { $0.node.index }
        let hashes = nodes.map { Hex.encode($0.hash.bytes) }
        try await connection.query("""
            INSERT INTO log_node (level, node_index, hash)
            SELECT level, node_index, decode(hash, 'hex') FROM unnest(\(levels)::bigint[], \(indices)::bigint[], \(hashes)::text[]) AS node(level, node_index, hash)
            """, logger: logger)
    }

    static func size(in connection: PostgresConnection, logger: Logger) async throws -> Int {
        try await connection.query("SELECT COALESCE(MAX(leaf_index) + 1, 0)::bigint FROM log_leaf", logger: logger).decode(Int.self).collectAll()[0]
    }

    /// Node hashes in the order asked, in one query.
    static func hashes(at indices: [NodeIndex], in connection: PostgresConnection, logger: Logger) async throws -> [Hash] {
        guard !indices.isEmpty else { return [] }
        let rows = try await connection.query("""
            SELECT n.level, n.node_index, n.hash FROM log_node n
            JOIN unnest(\(indices.map(\.level))::bigint[], \(indices.map(\.index))::bigint[]) AS wanted(level, node_index)
              ON n.level = wanted.level AND n.node_index = wanted.node_index
            """, logger: logger).decode((Int, Int, Data).self).collectAll()
        var found: [NodeIndex: Hash] = [:]
        for (level, index, hash) in rows { found[NodeIndex(level: level, index: index)] = try Hash(bytes: hash) }
        return try indices.map { node in
            guard let hash = found[node] else {
                throw StoreError.make(.databaseFailure, "the public log is missing the hash of node \(node); the log tables were changed outside RumorControl")
            }
            return hash
        }
    }
}

extension AsyncSequence {
    /// Every element, in order.
    func collectAll() async throws -> [Element] {
        var elements: [Element] = []
        for try await element in self { elements.append(element) }
        return elements
    }
}
