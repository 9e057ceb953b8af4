import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import RumorCore
import RumorServer
import RumorStore
import RumorTestSupport
import Testing

@Suite("Tampering with the database is detected by log verify")
struct TamperTests {
    /// One way of changing the record behind the application's back, and the words the report must contain.
    struct Tampering: Sendable, CustomTestStringConvertible {
        var name: String
        var sql: String
        var expected: [String]
        var testDescription: String { name }
    }

    static let tamperings = [
        Tampering(
            name: "an entry's text changed in the SQLite file",
            sql: """
                DROP TRIGGER entry_version_is_append_only_update;
                UPDATE entry_version SET document = json_set(document, '$.reality', 'Nothing to see here.')
                    WHERE slug = 'trump-won' AND version = (SELECT latest_version FROM entry WHERE slug = 'trump-won');
                """,
            expected: ["entry trump-won", "version 2", "hashes to"]),
        Tampering(
            name: "an entry's row deleted",
            sql: "PRAGMA foreign_keys = OFF; DROP TRIGGER entry_is_never_deleted; DELETE FROM entry WHERE slug = 'double-voting';",
            expected: ["entry double-voting", "404"]),
        Tampering(
            name: "the log tables truncated",
            sql: """
                DROP TRIGGER log_leaf_is_append_only_delete; DROP TRIGGER log_node_is_append_only_delete;
                DELETE FROM log_leaf; DELETE FROM log_node;
                """,
            expected: ["entry trump-won", "entry double-voting", "log:"]),
    ]

    @Test("publish through the workflow, verify (passes), tamper, verify (fails naming the slug)", arguments: tamperings)
    func tamper(_ tampering: Tampering) async throws {
        let (prepare, editors) = Editors.prepared()
        let path = PathBox()
        try await withLiveServer(waitForMatcher: false, prepare: { store in
            path.value = store.location
            try await prepare(store)
        }) { client in
            let people = editors()
            var entry = try Fixtures.entry("trump-won")
            entry.reality += " The National Archives keeps the certificates."
            let draft = try await client.post("/api/v1/drafts", entry.jsonValue.serialized(pretty: false), headers: people.author.apiHeaders)
            let id = try #require(try draft.jsonObject()["id"] as? Int)
            _ = try await client.post("/api/v1/drafts/\(id)/submit", "", headers: people.author.apiHeaders)
            #expect(try await client.post("/api/v1/drafts/\(id)/approve", "", headers: people.reviewer.apiHeaders).status == .ok)

            let port = try #require(client.port)
            let state = URL(fileURLWithPath: path.value).deletingLastPathComponent().appendingPathComponent("monitor-state.json").path
            let verify = ["log", "verify", "--url", "http://127.0.0.1:\(port)", "--state", state]
            let clean = try await RawHTTP.blocking { try Rumorctl.run(verify) }
            #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")
            #expect(clean.stdout.contains("log verify: ok: 20 leaves"))

            let database = try DatabaseQueue(path: path.value)
            try await database.writeWithoutTransaction { db in try db.execute(sql: tampering.sql) }
            // The server re-renders about a second after a change to its database (longer on a loaded machine).
            var report = try await RawHTTP.blocking { try Rumorctl.run(verify) }
            let deadline = ContinuousClock.now + .seconds(60)
            while report.status == 0 && ContinuousClock.now < deadline {
                try await Task.sleep(for: .seconds(1))
                report = try await RawHTTP.blocking { try Rumorctl.run(verify) }
            }
            #expect(report.status == 1)
            for words in tampering.expected {
                #expect(report.stdout.contains(words) || report.stderr.contains(words), "missing \"\(words)\" in: \(report.stdout)\(report.stderr)")
            }
        }
    }
}

final class PathBox: @unchecked Sendable {
    // Written once in the store's preparation, before any reader runs.
    var value = ""
}
