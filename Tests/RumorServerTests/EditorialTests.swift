import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import RumorCore
@testable import RumorServer
import RumorStore
import RumorTestSupport
import Testing

/// Editors and tokens made straight in the store, with their secrets, for driving the workflow over HTTP.
struct Editors: Sendable {
    static let cheapHasher = PasswordHasher(rounds: 1 << 10)
    struct Credentials: Sendable {
        var cookie: String
        var csrf: String
    }

    var author: Credentials
    var otherAuthor: Credentials
    var reviewer: Credentials
    var admin: Credentials
    var moderator: Credentials
    var labelToken: String
    var editToken: String
    /// A moderate-scope token whose posts are queued by default.
    var moderateToken: String

    /// Accounts ana (author), cy (author), bo (reviewer), di (admin), mo (moderator) with live sessions, and one token
    /// per scope.
    static func make(in store: any SiteStore) async throws -> Editors {
        func session(_ name: String, _ role: Role) async throws -> Credentials {
            try await store.createAccount(name: name, role: role, passwordHash: try cheapHasher.hash("\(name)-password-123"))
            let secret = Secrets.make()
            let csrf = Secrets.make()
            try await store.createSession(tokenHash: Secrets.hash(secret), account: name, csrfToken: csrf, expires: Date().addingTimeInterval(3600))
            return Credentials(cookie: "\(CookieName.session)=\(secret)", csrf: csrf)
        }
        let labelToken = Secrets.make()
        let editToken = Secrets.make()
        try await store.createToken(name: "platform", tokenHash: Secrets.hash(labelToken), scope: .label)
        try await store.createToken(name: "script", tokenHash: Secrets.hash(editToken), scope: .edit)
        let moderateToken = Secrets.make()
        try await store.createToken(name: "desk-bot", tokenHash: Secrets.hash(moderateToken), scope: .moderate, queuesPosts: true)
        return Editors(
            author: try await session("ana", .author), otherAuthor: try await session("cy", .author), reviewer: try await session("bo", .reviewer),
            admin: try await session("di", .admin), moderator: try await session("mo", .moderator), labelToken: labelToken, editToken: editToken,
            moderateToken: moderateToken)
    }

    /// A store-preparing closure that also hands the editors to the test.
    static func prepared() -> (prepare: @Sendable (any SiteStore) async throws -> Void, editors: @Sendable () -> Editors) {
        let box = EditorsBox()
        return ({ store in box.set(try await make(in: store)) }, { box.get() })
    }
}

final class EditorsBox: @unchecked Sendable {
    // Guarded by `lock`.
    private var editors: Editors?
    private let lock = NSLock()
    func set(_ value: Editors) { lock.withLock { editors = value } }
    func get() -> Editors { lock.withLock { editors! } }
}

extension Editors.Credentials {
    /// Headers for a JSON API call with this session.
    var apiHeaders: HTTPFields { [.cookie: cookie, HTTPField.Name("X-CSRF-Token")!: csrf, .contentType: "application/json"] }
}

func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)", .contentType: "application/json"] }

@Suite("Editorial workflow over HTTP")
struct EditorialTests {
    @Test("an author drafts and submits; nobody approves their own draft; an author cannot publish; a reviewer publishes and the log grows", arguments: StoreBackend.available)
    func twoPersonRule(_ backend: StoreBackend) async throws {
        let (prepare, editors) = Editors.prepared()
        try await withLiveServer(backend: backend, waitForMatcher: false, prepare: prepare) { client in
            let people = editors()
            var entry = try Fixtures.entry("trump-won")
            entry.reality += " Every state's certified results are public."
            let sizeBefore = try await Self.logSize(client)

            let created = try await client.post("/api/v1/drafts", entry.jsonValue.serialized(pretty: false), headers: people.author.apiHeaders)
            #expect(created.status == .created)
            let id = try #require(try created.jsonObject()["id"] as? Int)
            #expect(try await client.post("/api/v1/drafts/\(id)/submit", "", headers: people.author.apiHeaders).status == .ok)

            let own = try await client.post("/api/v1/drafts/\(id)/approve", "", headers: people.author.apiHeaders)
            #expect(own.status == .forbidden)
            let otherAuthor = try await client.post("/api/v1/drafts/\(id)/approve", "", headers: people.otherAuthor.apiHeaders)
            #expect(otherAuthor.status == .forbidden)
            #expect(try expectProblem(otherAuthor, .forbidden).contains("reviewer role"))
            let token = try await client.post("/api/v1/drafts/\(id)/approve", "", headers: bearer(people.editToken))
            #expect(token.status == .forbidden)
            #expect(try await client.get("/api/v1/entries/trump-won").jsonObject()["version"] as? Int == 1)

            let approved = try await client.post("/api/v1/drafts/\(id)/approve", "", headers: people.reviewer.apiHeaders)
            #expect(approved.status == .ok)
            #expect(try approved.jsonObject()["state"] as? String == "approved")
            let served = try await client.get("/api/v1/entries/trump-won").jsonObject()
            #expect(served["version"] as? Int == 2)
            #expect((served["reality"] as? String)?.hasSuffix("public.") == true)
            #expect(try await Self.logSize(client) == sizeBefore + 1)
            let record = try await client.get("/rumors/trump-won/versions/2/record").jsonObject()
            #expect(record["author"] as? String == "ana")
            #expect(record["reviewer"] as? String == "bo")
            #expect(record["action"] as? String == "update")
            #expect(try await client.get("/rumors/trump-won/compare?from=1&to=2").text.contains("<ins>"))
            // Approving twice is a state conflict.
            #expect(try await client.post("/api/v1/drafts/\(id)/approve", "", headers: people.admin.apiHeaders).status == .conflict)
        }
    }

    @Test("a retraction needs a reason, and a retracted entry stays up as a tombstone with the reason and both signers", arguments: StoreBackend.available)
    func retraction(_ backend: StoreBackend) async throws {
        let (prepare, editors) = Editors.prepared()
        try await withLiveServer(backend: backend, waitForMatcher: false, prepare: prepare) { client in
            let people = editors()
            let blank = try await client.post("/api/v1/drafts/retractions", #"{"slug": "watermarked-ballots", "reason": "  "}"#, headers: people.author.apiHeaders)
            try expectProblem(blank, .unprocessableContent)
            let draft = try await client.post("/api/v1/drafts/retractions", #"{"slug": "watermarked-ballots", "reason": "Folded into another entry."}"#,
                                              headers: people.author.apiHeaders)
            let id = try #require(try draft.jsonObject()["id"] as? Int)
            _ = try await client.post("/api/v1/drafts/\(id)/submit", "", headers: people.author.apiHeaders)
            #expect(try await client.post("/api/v1/drafts/\(id)/approve", "", headers: people.reviewer.apiHeaders).status == .ok)
            let page = try await client.get("/rumors/watermarked-ballots")
            #expect(page.status == .ok)
            #expect(page.text.contains("This entry was retracted"))
            #expect(page.text.contains("Folded into another entry."))
            #expect(page.text.contains("signed by ana and bo"))
            #expect(try await client.get("/api/v1/entries/watermarked-ballots").jsonObject()["status"] as? String == "retracted")
            #expect(!(try await client.get("/").text.contains("href=\"/rumors/watermarked-ballots\"")))
        }
    }

    @Test("signing in needs the form's token and the right password, and is throttled after repeated failures", arguments: StoreBackend.available)
    func signIn(_ backend: StoreBackend) async throws {
        let (prepare, _) = Editors.prepared()
        try await withLiveServer(backend: backend, waitForMatcher: false, prepare: prepare) { client in
            let form = try await client.get("/login")
            let cookie = try #require(form.headers[.setCookie]).split(separator: ";")[0]
            let csrf = try #require(form.text.components(separatedBy: "name=\"csrf\" value=\"").dropFirst().first?.prefix { $0 != "\"" })
            let headers: HTTPFields = [.cookie: String(cookie), .contentType: "application/x-www-form-urlencoded"]
            #expect(try await client.post("/login", "csrf=wrong&name=ana&password=ana-password-123", headers: headers).status == .forbidden)
            let good = try await client.post("/login", "csrf=\(csrf)&name=ana&password=ana-password-123", headers: headers)
            #expect(good.status == .seeOther)
            let session = try #require(good.headers[.setCookie])
            #expect(session.contains("HttpOnly") && session.contains("SameSite=Strict"))
            for _ in 0..<LoginThrottle.maximumFailures {
                #expect(try await client.post("/login", "csrf=\(csrf)&name=bo&password=nope", headers: headers).status == .unauthorized)
            }
            #expect(try await client.post("/login", "csrf=\(csrf)&name=bo&password=bo-password-123", headers: headers).status == .tooManyRequests)
        }
    }

    @Test("authorization matrix: every editor and API route against every kind of caller", arguments: StoreBackend.available)
    func authorizationMatrix(_ backend: StoreBackend) async throws {
        let (prepare, editors) = Editors.prepared()
        var configuration = ServerConfiguration()
        configuration.labelAccess = .token
        try await withLiveServer(configuration: configuration, backend: backend, prepare: prepare) { client in
            let people = editors()
            let entry = try Fixtures.entry("double-voting").jsonValue.serialized(pretty: false)
            // A draft by ana waiting for review, for the approve and show rows.
            let draft = try await client.post("/api/v1/drafts", entry, headers: people.author.apiHeaders)
            let id = try #require(try draft.jsonObject()["id"] as? Int)
            _ = try await client.post("/api/v1/drafts/\(id)/submit", "", headers: people.author.apiHeaders)
            // A second one, for the send-back row.
            let second = try await client.post("/api/v1/drafts", entry, headers: people.author.apiHeaders)
            let returned = try #require(try second.jsonObject()["id"] as? Int)
            _ = try await client.post("/api/v1/drafts/\(returned)/submit", "", headers: people.author.apiHeaders)

            let callers: [(String, HTTPFields)] = [
                ("anonymous", [.contentType: "application/json"]), ("author", people.otherAuthor.apiHeaders), ("reviewer", people.reviewer.apiHeaders),
                ("admin", people.admin.apiHeaders), ("label token", bearer(people.labelToken)), ("edit token", bearer(people.editToken)),
            ]
            // Expected status per caller, in the order above.
            let rows: [(HTTPRequest.Method, String, String?, [Int])] = [
                (.get, "/editor", nil, [401, 200, 200, 200, 401, 401]),
                (.get, "/api/v1/drafts", nil, [401, 200, 200, 200, 403, 200]),
                (.get, "/api/v1/drafts/\(id)", nil, [401, 200, 200, 200, 403, 200]),
                (.post, "/api/v1/drafts", entry, [401, 201, 201, 201, 403, 201]),
                (.post, "/api/v1/drafts/\(id)/submit", "", [401, 403, 403, 403, 403, 403]),
                (.post, "/api/v1/label", #"{"text": "dead people voted"}"#, [401, 401, 401, 401, 200, 200]),
                (.get, "/api/v1/entries", nil, [200, 200, 200, 200, 200, 200]),
                (.get, "/log/checkpoint", nil, [200, 200, 200, 200, 200, 200]),
                (.get, "/editor/new", nil, [401, 200, 200, 200, 401, 401]),
                (.get, "/editor/drafts/\(id)", nil, [401, 200, 200, 200, 401, 401]),
                (.get, "/editor/retract/trump-won", nil, [401, 200, 200, 200, 401, 401]),
                // Editor forms: a session's form needs the session's CSRF token (these carry none), so even editors get 403.
                (.post, "/editor/drafts", "entry=x", [401, 403, 403, 403, 401, 401]),
                (.post, "/editor/drafts/\(id)", "step=approve", [401, 403, 403, 403, 401, 401]),
                (.post, "/editor/retract/trump-won", "reason=x", [401, 403, 403, 403, 401, 401]),
                (.post, "/logout", "", [401, 403, 403, 403, 401, 401]),
                (.put, "/api/v1/drafts/\(id)", entry, [401, 403, 403, 403, 403, 403]),
                (.post, "/api/v1/drafts/\(returned)/return", "{}", [401, 403, 200, 409, 403, 403]),
            ]
            for (method, path, body, expected) in rows {
                for ((name, headers), status) in zip(callers, expected) {
                    let response = try await client.execute(uri: path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
                    #expect(Int(response.status.code) == status, "\(method) \(path) as \(name): \(response.status.code), expected \(status)")
                }
            }
            // Approving: only a reviewer or admin other than the author; run last, it changes the draft's state.
            for ((name, headers), status) in zip(callers, [401, 403, 200, 409, 403, 403]) {
                let response = try await client.post("/api/v1/drafts/\(id)/approve", "", headers: headers)
                #expect(Int(response.status.code) == status, "approve as \(name): \(response.status.code), expected \(status)")
            }
            // A session without its CSRF token cannot write.
            let noCSRF = try await client.post("/api/v1/drafts", entry, headers: [.cookie: people.author.cookie])
            #expect(noCSRF.status == .forbidden)
            // A revoked or unknown token is refused outright.
            #expect(try await client.get("/api/v1/entries", headers: [.authorization: "Bearer not-a-token"]).status == .unauthorized)
        }
    }

    static func logSize(_ client: some TestClientProtocol) async throws -> Int {
        let checkpoint = try await client.get("/log/checkpoint").text
        return try #require(Int(checkpoint.split(separator: "\n")[1]))
    }
}
