import Foundation
import GRDB
import Testing
import RumorCore
import RumorStore
import RumorTestSupport

@Suite("SQLite entry store")
struct SQLiteEntryStoreTests {
    @Test("a fresh database is seeded with the shipped knowledge base, once")
    func seedsOnce() async throws {
        try await withTemporaryFolder { folder in
            let path = folder.appendingPathComponent("nested/db.sqlite").path
            let store = try SQLiteEntryStore(path: path, seed: try ShippedKnowledgeBase.entries())
            let slugs = try await store.entries(status: nil).map(\.slug)
            #expect(slugs == (try Fixtures.canonSlugs()).sorted())
            let reopened = try SQLiteEntryStore(path: path, seed: try ShippedKnowledgeBase.entries())
            #expect(try await reopened.versions(slug: "trump-won").count == 1)
        }
    }

    @Test("an entry reads back exactly as recorded")
    func roundTrip() async throws {
        try await withStore { store in
            let entry = try Fixtures.entry("hammer-and-scorecard")
            let outcomes = try await store.record([entry], actor: "test")
            #expect(outcomes == [ImportOutcome(slug: entry.slug, version: 1, change: .created)])
            #expect(try await store.entry(slug: entry.slug) == entry)
            #expect(try await store.entry(slug: "no-such-entry") == nil)
        }
    }

    @Test("a changed entry becomes a new version and the old one is kept; an unchanged one is left alone")
    func versioning() async throws {
        try await withStore { store in
            var entry = try Fixtures.entry("ballots-dumped")
            _ = try await store.record([entry], actor: "test")
            #expect(try await store.record([entry], actor: "test") == [ImportOutcome(slug: entry.slug, version: 1, change: .unchanged)])
            entry.reality += " Each case was investigated."
            #expect(try await store.record([entry], actor: "test") == [ImportOutcome(slug: entry.slug, version: 2, change: .newVersion)])
            let versions = try await store.versions(slug: entry.slug)
            #expect(versions.map(\.version) == [1, 2])
            #expect(versions[1].reality.hasSuffix("Each case was investigated."))
            #expect(!versions[0].reality.hasSuffix("Each case was investigated."))
            #expect(try await store.entry(slug: entry.slug)?.version == 2)
        }
    }

    @Test("a batch that fails part-way records nothing")
    func atomicBatch() async throws {
        try await withStore { store in
            let good = try Fixtures.entry("double-voting")
            var bad = try Fixtures.entry("noncitizens-voting")
            bad.slug = "Not A Slug"  // the schema's CHECK refuses it, after `good` was written in the same transaction
            await #expect(throws: (any Error).self) { try await store.record([good, bad], actor: "test") }
            #expect(try await store.entries(status: nil).isEmpty)
        }
    }

    @Test("recorded versions cannot be changed or deleted, even with SQL")
    func appendOnly() async throws {
        try await withTemporaryFolder { folder in
            let path = folder.appendingPathComponent("db.sqlite").path
            let store = try SQLiteEntryStore(path: path)
            _ = try await store.record([try Fixtures.entry("trump-won")], actor: "test")
            let queue = try DatabaseQueue(path: path)
            #expect(throws: DatabaseError.self) { try queue.write { try $0.execute(sql: "UPDATE entry_version SET document = '{}'") } }
            #expect(throws: DatabaseError.self) { try queue.write { try $0.execute(sql: "DELETE FROM entry_version") } }
            #expect(throws: DatabaseError.self) { try queue.write { try $0.execute(sql: "DELETE FROM entry") } }
        }
    }

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

    private func withStore(_ body: (SQLiteEntryStore) async throws -> Void) async throws {
        try await withTemporaryFolder { folder in
            try await body(try SQLiteEntryStore(path: folder.appendingPathComponent("db.sqlite").path))
        }
    }
}
