import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import RumorCore
@testable import RumorServer
import RumorStore
import RumorTestSupport
import Testing

@Suite("Security: headers, escaping, rate limits, sessions")
struct SecurityTests {
    static let hostile = "<script>alert(1)</script>\"><img src=x onerror=alert(1)>"

    /// An entry with hostile text in every field, recorded straight into the store (as if validation were bypassed).
    static func hostileEntry() throws -> Entry {
        var entry = try Fixtures.entry("trump-won")
        entry.slug = "hostile-entry"
        entry.title = hostile
        entry.rumor = hostile
        entry.reality = hostile
        entry.details = "\(hostile)\n\n[click](javascript:alert(1)) and [ok](https://example.org/\"onmouseover=alert(1))"
        entry.sources = [Source(title: hostile, publisher: hostile, url: "javascript:alert(1)", date: hostile)]
        entry.topics = ["results", hostile]
        entry.jurisdictions = [hostile]
        entry.keywords = [hostile]
        entry.phrasings = [hostile]
        entry.created = hostile
        entry.updated = hostile
        entry.lastReviewed = hostile
        return entry
    }

    static func expectNoActiveContent(_ html: String, _ page: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!html.contains("<script>alert"), "\(page) has a raw <script>", sourceLocation: sourceLocation)
        #expect(!html.contains("<img src=x"), "\(page) has a raw <img>", sourceLocation: sourceLocation)
        #expect(!html.lowercased().contains("href=\"javascript:"), "\(page) links to javascript:", sourceLocation: sourceLocation)
        #expect(!html.contains("\"onmouseover="), "\(page) breaks out of an attribute", sourceLocation: sourceLocation)
    }

    @Test("every string of an entry, a search and a checked post is escaped; no javascript: link is made")
    func escaping() async throws {
        try await withLiveServer(prepare: { store in _ = try await store.record([try Self.hostileEntry()], actor: "test") }) { client in
            let entryPage = try await client.get("/rumors/hostile-entry")
            #expect(entryPage.status == .ok)
            #expect(entryPage.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            Self.expectNoActiveContent(entryPage.text, "the entry page")
            // The JSON-LD block cannot be closed early by the text it carries.
            let jsonLD = try #require(entryPage.text.components(separatedBy: "application/ld+json\">").dropFirst().first?.components(separatedBy: "</script>").first)
            #expect(!jsonLD.contains("<"))
            for path in ["/", "/topics/results", "/feed.atom", "/sitemap.xml"] {
                Self.expectNoActiveContent(try await client.get(path).text, path)
            }
            let search = try await client.get("/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
            Self.expectNoActiveContent(search.text, "search")
            let checked = try await client.post("/check", "text=" + Self.hostile.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!,
                                                headers: [.contentType: "application/x-www-form-urlencoded"])
            Self.expectNoActiveContent(checked.text, "the check form")
        }
    }

    @Test("pages, API answers, errors and the log carry the security headers")
    func headers() async throws {
        try await withLiveServer(waitForMatcher: false) { client in
            for path in ["/", "/rumors/trump-won", "/search?q=ballots", "/api/v1/entries", "/api/v1/label", "/no-such-page", "/log/checkpoint"] {
                let response = try await client.get(path)
                #expect(response.headers[.contentSecurityPolicy] == SecurityHeaders.contentSecurityPolicy, "\(path)")
                #expect(response.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
                #expect(!(response.headers[.contentSecurityPolicy] ?? "").contains("script-src"))
                #expect(response.headers[.xContentTypeOptions] == "nosniff", "\(path)")
                #expect(response.headers[SecurityHeaders.referrerPolicy] == "strict-origin-when-cross-origin", "\(path)")
            }
        }
    }

    @Test("label, check-form and search requests over a caller's rate get 429 with Retry-After; another caller is not affected")
    func rateLimit() async throws {
        var configuration = ServerConfiguration()
        // One request every hundred seconds, so even a slow, loaded machine cannot refill the bucket between requests.
        configuration.labelRateLimit = 0.01
        let (prepare, editors) = Editors.prepared()
        try await withLiveServer(configuration: configuration, prepare: prepare) { client in
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<3 { statuses.append(try await client.post("/api/v1/label", #"{"text": "hello"}"#).status) }
            #expect(statuses == [.ok, .tooManyRequests, .tooManyRequests])
            let limited = try await client.post("/api/v1/label", #"{"text": "hello"}"#)
            try expectProblem(limited, .tooManyRequests)
            #expect(Int(limited.headers[.retryAfter] ?? "") ?? 0 >= 1)
            // The check form and searches run the model too, and count against the same address.
            let form = try await client.post("/check", "text=Dead+people+voted", headers: [.contentType: "application/x-www-form-urlencoded"])
            #expect(form.status == .tooManyRequests && form.text.contains("<html") && form.headers[.retryAfter] != nil)
            #expect(try await client.get("/search?q=sharpie+ballots").status == .tooManyRequests)
            // A token has its own budget.
            #expect(try await client.post("/api/v1/label", #"{"text": "hello"}"#, headers: bearer(editors().labelToken)).status == .ok)
        }
    }

    @Test("sign-in makes a new session whatever cookie came with it, and a signed-out session cannot be used again")
    func sessions() async throws {
        let (prepare, _) = Editors.prepared()
        try await withLiveServer(waitForMatcher: false, prepare: prepare) { client in
            let form = try await client.get("/login")
            let loginCookie = try #require(form.headers[.setCookie]).split(separator: ";")[0]
            let csrf = try #require(form.text.components(separatedBy: "name=\"csrf\" value=\"").dropFirst().first?.prefix { $0 != "\"" })
            let planted = "\(CookieName.session)=planted-by-an-attacker"
            let login = try await client.post("/login", "csrf=\(csrf)&name=ana&password=ana-password-123",
                                              headers: [.cookie: "\(loginCookie); \(planted)", .contentType: "application/x-www-form-urlencoded"])
            let session = try #require(login.headers[.setCookie]).split(separator: ";")[0]
            #expect(session.hasPrefix("\(CookieName.session)=") && session != planted)
            let editor = try await client.get("/editor", headers: [.cookie: String(session)])
            #expect(editor.status == .ok)
            let token = try #require(editor.text.components(separatedBy: "name=\"csrf\" value=\"").dropFirst().first?.prefix { $0 != "\"" })
            let logout = try await client.post("/logout", "csrf=\(token)", headers: [.cookie: String(session), .contentType: "application/x-www-form-urlencoded"])
            #expect(logout.status == .seeOther)
            #expect(try await client.get("/editor", headers: [.cookie: String(session)]).status == .unauthorized)
        }
    }
}
