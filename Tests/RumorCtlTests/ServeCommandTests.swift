import Foundation
import RumorCore
import RumorServer
import RumorStore
import RumorTestSupport
import Testing

@Suite("rumorctl serve")
struct ServeCommandTests {
    @Test("serve logs its URL, answers over HTTP, and stops cleanly with status 0 on SIGTERM and SIGINT")
    func startAndStop() async throws {
        for signal in [SIGTERM, SIGINT] {
            try await withTemporaryFolder { folder in
                let server = try await RawHTTP.blocking { try ServeProcess(database: folder.appendingPathComponent("site.sqlite")) }
                let port = server.port
                let health = try await RawHTTP.blocking { try RawHTTP.get(port: port, path: "/healthz") }
                #expect(health.hasPrefix("HTTP/1.1 200"))
                #expect(health.contains("\"entries\":\(try Fixtures.shippedSlugs().count)"))
                let page = try await RawHTTP.blocking { try RawHTTP.get(port: port, path: "/rumors/election-stolen") }
                #expect(page.contains("<h1>The election was stolen</h1>"))
                let stopped = try await RawHTTP.blocking { server.stop(signal: signal) }
                #expect(stopped, "serve did not stop within 20 s of signal \(signal)")
                #expect(server.process.terminationReason == .exit)
                #expect(server.process.terminationStatus == 0)
            }
        }
    }

    @Test("/readyz says whether posts in Spanish are read across languages and labels verified; without the multilingual model or the verifier it says why, and labels go on")
    func crossLingualReadiness() async throws {
        let spanish = "Los muertos votaron en Georgia: miles de boletas a nombre de fallecidos."
        let missingVerifier = "/nonexistent/verifier.safetensors"
        // By default the verifier is off and says why; --verify turns it on; a missing file turns it off naming the file.
        let cases: [(multilingualFolder: String?, arguments: [String])] = [
            (nil, []), (nil, ["--verify"]), ("/nonexistent/multilingual", ["--verifier", missingVerifier]),
        ]
        for (multilingualFolder, arguments) in cases {
            try await withTemporaryFolder { folder in
                let environment = multilingualFolder.map { ["RUMORCONTROL_MULTILINGUAL_MODEL_DIR": $0] } ?? [:]
                let server = try await RawHTTP.blocking {
                    try ServeProcess(database: folder.appendingPathComponent("site.sqlite"), arguments: arguments, environment: environment)
                }
                defer { server.stop(signal: SIGTERM) }
                let port = server.port
                var ready = ""
                let deadline = ContinuousClock.now + .seconds(300)
                while !ready.hasPrefix("HTTP/1.1 200"), ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(200))
                    ready = try await RawHTTP.blocking { try RawHTTP.get(port: port, path: "/readyz") }
                }
                if multilingualFolder == nil {
                    #expect(ready.contains("\"cross_lingual\":\"on\""), "\(ready)")
                    #expect(!ready.contains("cross_lingual_reason"))
                } else {
                    #expect(ready.contains("\"cross_lingual\":\"off\""), "\(ready)")
                    #expect(ready.contains("e5-small-q4.bin") && ready.contains("fetch-model.sh"), "the reason names the file and the fix: \(ready)")
                }
                switch arguments.first {
                case "--verify":
                    #expect(ready.contains("\"verifier\":\"on\""), "\(ready)")
                    #expect(!ready.contains("verifier_reason"))
                case "--verifier":
                    #expect(ready.contains("\"verifier\":\"off\""), "\(ready)")
                    #expect(ready.contains(missingVerifier), "the reason names the file: \(ready)")
                default:
                    #expect(ready.contains("\"verifier\":\"off\""), "\(ready)")
                    #expect(ready.contains("--verify"), "the reason says how to turn it on: \(ready)")
                }
                let body = "{\"text\": \(JSONValue.string(spanish).serialized(pretty: false))}"
                let labelled = try await RawHTTP.blocking {
                    try RawHTTP.post(port: port, path: "/api/v1/label", headers: ["Content-Type": "application/json"], body: body)
                }
                #expect(labelled.hasPrefix("HTTP/1.1 200"), "\(labelled.prefix(200))")
            }
        }
    }
}

@Suite("Secrets stay out of the server's log")
struct SecretLoggingTests {
    @Test("at the most verbose log level, no password, session, API token or signing key appears in what serve writes")
    func noSecretsInTheLog() async throws {
        try await withTemporaryFolder { folder in
            let database = folder.appendingPathComponent("site.sqlite")
            let store = try SQLiteEntryStore(path: database.path, seed: try ShippedKnowledgeBase.entries())
            let fixture = try await ReviewFixture.prepare(store, drafts: 1)
            let token = Secrets.make()
            try await store.createToken(name: "newsroom", tokenHash: Secrets.hash(token), scope: .label)
            let server = try await RawHTTP.blocking {
                try ServeProcess(database: database, environment: ["RUMORCONTROL_MODEL_DIR": "/nonexistent", "RUMORCONTROL_LOG_LEVEL": "trace"])
            }
            defer { server.stop(signal: SIGTERM) }
            let port = server.port
            let session = try await RawHTTP.blocking { () -> String in
                let form = try RawHTTP.get(port: port, path: "/login")
                let cookie = try #require(Self.header("Set-Cookie", in: form)?.split(separator: ";").first.map(String.init))
                let csrf = try #require(form.components(separatedBy: "name=\"csrf\" value=\"").dropFirst().first?.prefix { $0 != "\"" })
                let headers = ["Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"]
                _ = try RawHTTP.post(port: port, path: "/login", headers: headers, body: "csrf=\(csrf)&name=ana&password=wrong-password-999")
                let signedIn = try RawHTTP.post(port: port, path: "/login", headers: headers, body: "csrf=\(csrf)&name=ana&password=ana-password-123")
                let cookies = signedIn.split(separator: "\r\n").filter { $0.lowercased().hasPrefix("set-cookie:") && $0.contains("rc_session=") }
                return try #require(cookies.first?.split(separator: ";").first.map(String.init), "no session cookie in \(signedIn.prefix(500))")
            }
            _ = try await RawHTTP.blocking {
                try RawHTTP.post(port: port, path: "/api/v1/label", headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/json"], body: #"{"text":"x"}"#)
                try RawHTTP.post(port: port, path: "/api/v1/label", headers: ["Authorization": "Bearer not-a-token-\(token.prefix(8))"], body: "{}")
                try RawHTTP.post(port: port, path: "/api/v1/drafts/\(fixture.drafts[0])/approve", headers: fixture.headers)
                try RawHTTP.get(port: port, path: "/editor")
            }
            server.stop(signal: SIGTERM)
            let key = try String(contentsOf: folder.appendingPathComponent("rumorcontrol-log.key"), encoding: .utf8)
            let secrets = [
                "ana-password-123", "wrong-password-999", token, String(session.split(separator: "=").last ?? ""), fixture.secret, fixture.csrf,
                // PRIVATE+KEY+<name>+<key ID>+<base64 seed>: the seed is the fifth field, and base64 may itself hold "+".
                String(key.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "+", maxSplits: 4).last ?? ""),
            ]
            let output = server.output
            #expect(output.contains("RumorControl is serving"))
            for secret in secrets where !secret.isEmpty {
                #expect(!output.contains(secret), "the log contains a secret: …\(secret.prefix(6))…")
            }
        }
    }

    /// The value of a response header.
    static func header(_ name: String, in response: String) -> String? {
        response.split(separator: "\r\n").first { $0.lowercased().hasPrefix(name.lowercased() + ":") }
            .map { String($0.dropFirst(name.count + 1)).trimmingCharacters(in: .whitespaces) }
    }
}
