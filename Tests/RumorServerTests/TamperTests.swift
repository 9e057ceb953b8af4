import Foundation
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
    /// One way of changing the record behind the application's back, in each backend's SQL, and the words the report
    /// must contain.
    struct Tampering: Sendable, CustomTestStringConvertible {
        var name: String
        var sqlite: String
        var postgres: [String]
        var expected: [String]
        var testDescription: String { name }
    }

    static let tamperings = [
        Tampering(
            name: "an entry's text changed in the database",
            sqlite: """
                DROP TRIGGER entry_version_is_append_only_update;
                UPDATE entry_version SET document = json_set(document, '$.reality', 'Nothing to see here.')
                    WHERE slug = 'trump-won' AND version = (SELECT latest_version FROM entry WHERE slug = 'trump-won');
                """,
            postgres: [
                "ALTER TABLE entry_version DISABLE TRIGGER entry_version_is_append_only",
                """
                UPDATE entry_version SET document = jsonb_set(document::jsonb, '{reality}', '"Nothing to see here."')::text
                    WHERE slug = 'trump-won' AND version = (SELECT latest_version FROM entry WHERE slug = 'trump-won')
                """,
            ],
            expected: ["entry trump-won", "version 2", "hashes to"]),
        Tampering(
            name: "an entry's row deleted, with every trigger off",
            sqlite: "PRAGMA foreign_keys = OFF; DROP TRIGGER entry_is_never_deleted; DELETE FROM entry WHERE slug = 'double-voting';",
            // No notification either: the replicas' five-second check has to see it.
            postgres: ["SET session_replication_role = replica", "DELETE FROM entry WHERE slug = 'double-voting'"],
            expected: ["entry double-voting", "404"]),
        Tampering(
            name: "the log tables truncated",
            sqlite: """
                DROP TRIGGER log_leaf_is_append_only_delete; DROP TRIGGER log_node_is_append_only_delete;
                DELETE FROM log_leaf; DELETE FROM log_node;
                """,
            postgres: [
                "ALTER TABLE log_leaf DISABLE TRIGGER log_is_never_truncated", "ALTER TABLE log_node DISABLE TRIGGER log_nodes_are_never_truncated",
                "TRUNCATE log_leaf, log_node",
            ],
            expected: ["entry trump-won", "entry double-voting", "log:"]),
    ]

    @Test("publish through the workflow, verify (passes), tamper, verify (fails naming the slug)", arguments: tamperings, StoreBackend.available)
    func tamper(_ tampering: Tampering, _ backend: StoreBackend) async throws {
        let (prepare, editors) = Editors.prepared()
        let location = PathBox()
        try await withLiveServer(backend: backend, waitForMatcher: false, prepare: { store in
            location.value = store.location
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
            let state = FileManager.default.temporaryDirectory.appendingPathComponent("monitor-\(UUID().uuidString).json").path
            defer { try? FileManager.default.removeItem(atPath: state) }
            let verify = ["log", "verify", "--url", "http://127.0.0.1:\(port)", "--state", state]
            let clean = try await RawHTTP.blocking { try Rumorctl.run(verify) }
            #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")
            // One leaf per shipped entry, and one for the edit just approved.
            #expect(clean.stdout.contains("log verify: ok: \(try Fixtures.shippedSlugs().count + 1) leaves"))

            try await backend.execute(backend == .sqlite ? [tampering.sqlite] : tampering.postgres, at: location.value)
            // The server re-renders within about a second of a change to its database (five seconds for a change made
            // with PostgreSQL's triggers off; longer on a loaded machine).
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
