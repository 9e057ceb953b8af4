import Foundation
import GRDB
import RumorCore
import RumorLedger
import RumorStore
import RumorTestSupport
import Testing

/// The storage contract, run against every backend: SQLite always, PostgreSQL where a server is given (always in CI).
@Suite("Store, on every backend")
struct StoreTests {
    @Test("a fresh database is seeded with the shipped knowledge base, once", arguments: StoreBackend.available)
    func seedsOnce(_ backend: StoreBackend) async throws {
        try await backend.withFreshDatabase { location in
            let store = try await backend.open(location, seed: try ShippedKnowledgeBase.entries())
            #expect(try await store.entries(status: nil).map(\.slug) == (try Fixtures.shippedSlugs()))
            let reopened = try await backend.open(location, seed: try ShippedKnowledgeBase.entries())
            #expect(try await reopened.versions(slug: "trump-won").count == 1)
            #expect(try await reopened.logSize() == (try Fixtures.shippedSlugs()).count)
        }
    }

    @Test("an entry reads back exactly as recorded", arguments: StoreBackend.available)
    func roundTrip(_ backend: StoreBackend) async throws {
        try await withStore(backend) { store, _ in
            let entry = try Fixtures.entry("hammer-and-scorecard")
            #expect(try await store.record([entry], actor: "test") == [ImportOutcome(slug: entry.slug, version: 1, change: .created)])
            #expect(try await store.entry(slug: entry.slug) == entry)
            #expect(try await store.entry(slug: "no-such-entry") == nil)
            #expect(try await store.entries(status: .published).map(\.slug) == [entry.slug])
            #expect(try await store.entries(status: .retracted).isEmpty)
        }
    }

    @Test("a changed entry becomes a new version and the old one is kept; an unchanged one is left alone", arguments: StoreBackend.available)
    func versioning(_ backend: StoreBackend) async throws {
        try await withStore(backend) { store, _ in
            var entry = try Fixtures.entry("ballots-dumped")
            _ = try await store.record([entry], actor: "test")
            #expect(try await store.record([entry], actor: "test") == [ImportOutcome(slug: entry.slug, version: 1, change: .unchanged)])
            entry.reality += " Each case was investigated."
            #expect(try await store.record([entry], actor: "test") == [ImportOutcome(slug: entry.slug, version: 2, change: .newVersion)])
            let versions = try await store.versions(slug: entry.slug)
            #expect(versions.map(\.version) == [1, 2])
            #expect(versions[1].reality.hasSuffix("Each case was investigated.") && !versions[0].reality.hasSuffix("Each case was investigated."))
            #expect(try await store.entry(slug: entry.slug)?.version == 2)
            #expect(try await store.logSize() == 2)
        }
    }

    @Test("a batch that fails part-way records nothing, in the entries or the log", arguments: StoreBackend.available)
    func atomicBatch(_ backend: StoreBackend) async throws {
        try await withStore(backend) { store, _ in
            let good = try Fixtures.entry("double-voting")
            var bad = try Fixtures.entry("noncitizens-voting")
            bad.slug = "Not A Slug"  // the schema's CHECK refuses it, after `good` was written in the same transaction
            await #expect(throws: (any Error).self) { try await store.record([good, bad], actor: "test") }
            #expect(try await store.entries(status: nil).isEmpty)
            #expect(try await store.logSize() == 0)
        }
    }

    @Test("recorded versions and the log cannot be changed or deleted, even with SQL", arguments: StoreBackend.available)
    func appendOnly(_ backend: StoreBackend) async throws {
        try await withStore(backend) { store, location in
            _ = try await store.record([try Fixtures.entry("trump-won")], actor: "test")
            for sql in [
                "UPDATE entry_version SET document = '{}'", "DELETE FROM entry_version", "DELETE FROM entry",
                "UPDATE log_leaf SET slug = 'x'", "DELETE FROM log_leaf", "UPDATE log_node SET level = 9", "DELETE FROM log_node",
            ] {
                await #expect(throws: (any Error).self, "\(sql)") { try await backend.execute(sql, at: location) }
            }
            if backend == .postgres {
                await #expect(throws: (any Error).self) { try await backend.execute("TRUNCATE log_leaf", at: location) }
            }
            #expect(try await store.logSize() == 1)
            #expect(try await store.versions(slug: "trump-won").count == 1)
        }
    }

    @Test("accounts, sessions and tokens: names are unique, sessions expire and end, tokens are found by hash until revoked", arguments: StoreBackend.available)
    func accountsSessionsTokens(_ backend: StoreBackend) async throws {
        try await withStore(backend) { store, _ in
            try await store.createAccount(name: "ana", role: .author, passwordHash: "hash-a")
            await #expect(throws: StoreError.make(.conflict, "")) { try await store.createAccount(name: "ana", role: .admin, passwordHash: "x") }
            let account = try #require(try await store.account(name: "ana"))
            #expect(account.name == "ana" && account.role == .author && account.passwordHash == "hash-a")
            #expect(try await store.account(name: "nobody") == nil)

            let live = Data("live-secret-hash".utf8), old = Data("old-secret-hash".utf8)
            try await store.createSession(tokenHash: old, account: "ana", csrfToken: "c0", expires: Date().addingTimeInterval(-10))
            try await store.createSession(tokenHash: live, account: "ana", csrfToken: "c1", expires: Date().addingTimeInterval(3600))
            #expect(try await store.session(tokenHash: old) == nil)
            let session = try #require(try await store.session(tokenHash: live))
            #expect(session.account.name == "ana" && session.csrfToken == "c1")
            try await store.deleteSession(tokenHash: live)
            #expect(try await store.session(tokenHash: live) == nil)

            try await store.createToken(name: "newsroom", tokenHash: Data("t1".utf8), scope: .label)
            await #expect(throws: StoreError.make(.conflict, "")) { try await store.createToken(name: "newsroom", tokenHash: Data("t2".utf8), scope: .edit) }
            #expect(try await store.token(hash: Data("t1".utf8))?.scope == .label)
            #expect(try await store.revokeToken(name: "newsroom"))
            #expect(try await !store.revokeToken(name: "newsroom"))
            #expect(try await store.token(hash: Data("t1".utf8)) == nil)
            let tokens = try await store.tokens()
            #expect(tokens.map(\.name) == ["newsroom"] && tokens[0].revoked != nil)
        }
    }

    @Test("drafts: approval needs review and another person; it publishes with a log leaf; a retraction keeps its reason", arguments: StoreBackend.available)
    func draftsAndApproval(_ backend: StoreBackend) async throws {
        try await withStore(backend) { store, _ in
            var entry = try Fixtures.entry("dead-people-voting")
            entry.status = .draft
            let draft = try await store.createDraft(.publish(entry), author: "ana")
            await #expect(throws: StoreError.make(.conflict, "")) { try await store.approve(draftID: draft.id, reviewer: "bo") }  // not submitted
            entry.reality += " Checked again."
            try await store.updateDraft(id: draft.id, change: .publish(entry))
            try await store.setDraftState(id: draft.id, .inReview)
            await #expect(throws: StoreError.make(.conflict, "")) { try await store.approve(draftID: draft.id, reviewer: "ana") }  // own draft
            await #expect(throws: StoreError.make(.conflict, "")) { try await store.approve(draftID: 999_999, reviewer: "bo") }
            #expect(try await store.approve(draftID: draft.id, reviewer: "bo") == ImportOutcome(slug: entry.slug, version: 1, change: .created))
            #expect(try await store.draft(id: draft.id)?.state == .approved)
            await #expect(throws: StoreError.make(.conflict, "")) { try await store.approve(draftID: draft.id, reviewer: "bo") }  // twice
            let published = try #require(try await store.entry(slug: entry.slug))
            #expect(published.status == .published && published.reality.hasSuffix("Checked again."))

            let bogus = try await store.createDraft(.retract(slug: "never-published", reason: "x"), author: "ana")
            try await store.setDraftState(id: bogus.id, .inReview)
            await #expect(throws: StoreError.make(.conflict, "")) { try await store.approve(draftID: bogus.id, reviewer: "bo") }
            let retraction = try await store.createDraft(.retract(slug: entry.slug, reason: "Merged into another entry."), author: "ana")
            try await store.setDraftState(id: retraction.id, .returned, comment: "Say which.", reviewer: "bo")
            #expect(try await store.draft(id: retraction.id)?.comment == "Say which.")
            try await store.setDraftState(id: retraction.id, .inReview)
            _ = try await store.approve(draftID: retraction.id, reviewer: "bo")
            #expect(try await store.entry(slug: entry.slug)?.status == .retracted)
            let record = try #require(try await store.latestLogRecords(slugs: [entry.slug])[entry.slug])
            #expect(record.action == .retract && record.reason == "Merged into another entry." && record.author == "ana" && record.reviewer == "bo")
            #expect(try await store.drafts(states: [.inReview]).map(\.id) == [bogus.id])
            #expect(try await store.drafts().map(\.id) == [retraction.id, bogus.id, draft.id])
        }
    }

    @Test("the stored log is the RFC 6962 tree of its leaves: the root, inclusion proofs and leaf lookups agree with an in-memory tree", arguments: StoreBackend.available)
    func logMatchesItsLeaves(_ backend: StoreBackend) async throws {
        try await withStore(backend, seed: try ShippedKnowledgeBase.entries()) { store, _ in
            for round in 0..<5 { _ = try await store.record([try Self.updatedEntry(round)], actor: "test") }
            let (size, root) = try await store.logHead()
            let leaves = try await store.logLeaves(0..<size + 10)
            let expected = try Fixtures.shippedSlugs().count + 5
            #expect(leaves.count == size && size == expected)
            var memory = MemoryLog()
            for leaf in leaves { _ = try memory.append(leaf) }
            #expect(memory.root == root)
            let index = try #require(try await store.logLeafIndex(slug: "trump-won", version: 3))
            let proof = try await store.withLogHashes { try $0.inclusionProof(leafIndex: index, treeSize: size) }
            try proof.verify(leafHash: Hash.leaf(leaves[index]), root: root)
            #expect(try LogRecord(canonicalJSON: leaves[index]).version == 3)
            #expect(try await store.logLeafIndex(slug: "trump-won", version: 99) == nil)
        }
    }

    @Test("writers in parallel, through two connections to one database, make one linear log with every version once", arguments: StoreBackend.available)
    func parallelWritersOneLog(_ backend: StoreBackend) async throws {
        try await withStore(backend) { first, location in
            let second = try await backend.open(location)
            let template = try Fixtures.entry("trump-won")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<40 {
                    let store = index % 2 == 0 ? first : second
                    group.addTask {
                        var entry = template
                        entry.slug = "parallel-\(index)"
                        _ = try await store.record([entry], actor: "writer-\(index % 2)")
                    }
                }
                try await group.waitForAll()
            }
            let (size, root) = try await second.logHead()
            #expect(size == 40)
            let leaves = try await first.logLeaves(0..<size)
            var memory = MemoryLog()
            for leaf in leaves { _ = try memory.append(leaf) }
            #expect(memory.root == root)
            let slugs = try leaves.map { try LogRecord(canonicalJSON: $0).slug }
            #expect(Set(slugs).count == 40)
        }
    }

    @Test("a change committed through one connection is announced to another", arguments: StoreBackend.available)
    func changesAreAnnounced(_ backend: StoreBackend) async throws {
        try await withStore(backend) { writer, location in
            let watcher = try await backend.open(location)
            let changes = watcher.changes()
            try await Task.sleep(for: .milliseconds(300))  // let the watcher start listening
            let announced = Task { () -> Bool in
                for await _ in changes { return true }
                return false
            }
            _ = try await writer.record([try Fixtures.entry("trump-won")], actor: "test")
            // Generous: a test machine busy with the rest of the suite can starve both the watcher and this wait.
            // How fast it is (a notification, well under a second) is measured where nothing else runs: the replica
            // test and scripts/bench-replicas.sh.
            let timeout = Task {
                try await Task.sleep(for: .seconds(60))
                announced.cancel()
            }
            #expect(await announced.value, "no change was announced within 60 s")
            timeout.cancel()
        }
    }

    /// The trump-won entry with its reality extended `round + 1` times: a new version each round.
    static func updatedEntry(_ round: Int) throws -> Entry {
        var entry = try Fixtures.entry("trump-won")
        entry.reality += (0...round).map { " Update \($0)." }.joined()
        return entry
    }

    private func withStore(_ backend: StoreBackend, seed: [Entry] = [], _ body: (any SiteStore, String) async throws -> Void) async throws {
        try await backend.withFreshDatabase { location in try await body(try await backend.open(location, seed: seed), location) }
    }
}

/// What only the SQLite file can get wrong.
@Suite("SQLite store")
struct SQLiteStoreTests {
    @Test("a file that is not SQLite gives a clear error")
    func notADatabase() async throws {
        try await withTemporaryFolder { folder in
            let path = folder.appendingPathComponent("notes.sqlite")
            try Data(String(repeating: "These are my notes, not a database.\n", count: 200).utf8).write(to: path)
            #expect(throws: StoreError.make(.notADatabase, "")) { try SQLiteEntryStore(path: path.path) }
            do {
                _ = try SQLiteEntryStore(path: path.path)
            } catch {
                #expect("\(error)".contains(path.path))
            }
        }
    }

    @Test("a database locked by another process gives a clear error after the busy timeout")
    func locked() async throws {
        try await withTemporaryFolder { folder in
            let path = folder.appendingPathComponent("db.sqlite").path
            _ = try SQLiteEntryStore(path: path)
            var configuration = Configuration()
            configuration.allowsUnsafeTransactions = true  // this connection plays another process that holds the lock
            let holder = try DatabaseQueue(path: path, configuration: configuration)
            try holder.inDatabase { try $0.execute(sql: "BEGIN EXCLUSIVE") }
            #expect(throws: StoreError.make(.locked, "")) { try SQLiteEntryStore(path: path, busyTimeout: 0.2) }
            try holder.inDatabase { try $0.execute(sql: "ROLLBACK") }
            let store = try SQLiteEntryStore(path: path, busyTimeout: 0.2)
            #expect(try await store.record([try Fixtures.entry("trump-won")], actor: "test").count == 1)
        }
    }
}

/// What only PostgreSQL can get wrong.
@Suite("PostgreSQL store", .enabled(if: StoreBackend.available.contains(.postgres)))
struct PostgresStoreTests {
    @Test("an unreachable server and a missing database give clear errors naming the URL, without its password")
    func unreachable() async throws {
        let url = "postgres://someone:secret-password@127.0.0.1:1/nowhere?sslmode=disable"
        do {
            _ = try await PostgresSiteStore(url: url, connectTimeout: .seconds(2))
            Issue.record("connected to nothing")
        } catch {
            #expect("\(error)".contains("127.0.0.1:1") && !"\(error)".contains("secret-password"), "\(error)")
        }
        await #expect(throws: StoreError.make(.cannotOpen, "")) { try await PostgresSiteStore(url: "mysql://x@y/z") }
    }

    @Test("replicas starting at once migrate and seed the database once")
    func concurrentStarts() async throws {
        try await StoreBackend.postgres.withFreshDatabase { location in
            let seed = try ShippedKnowledgeBase.entries()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 { group.addTask { _ = try await PostgresSiteStore(url: location, seed: seed, maxConnections: 2) } }
                try await group.waitForAll()
            }
            let store = try await PostgresSiteStore(url: location)
            #expect(try await store.logSize() == seed.count)
        }
    }
}
