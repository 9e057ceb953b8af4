import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import RumorCore
@testable import RumorServer
import RumorTestSupport
import Testing

@Suite("OpenAPI document")
struct OpenAPITests {
    /// Requests that exercise every documented route, with the documented path template each answers to.
    static let requests: [(template: String, uri: String, method: HTTPRequest.Method, body: String?)] = [
        ("/api/v1/entries", "/api/v1/entries", .get, nil),
        ("/api/v1/entries/{slug}", "/api/v1/entries/dead-people-voting", .get, nil),
        ("/api/v1/entries/{slug}", "/api/v1/entries/not-an-entry", .get, nil),
        ("/api/v1/label", "/api/v1/label", .post, #"{"text": "Dominion machines switched votes from Trump to Biden"}"#),
        ("/api/v1/label", "/api/v1/label", .post, #"{"text": 3}"#),
        ("/api/v1/label", "/api/v1/label", .post, "{\"text\": \"" + String(repeating: "x", count: 70_000) + "\"}"),
        ("/api/v1/label", "/api/v1/label", .post, #"{"text": "Dead people voted", "queue": true}"#),
        ("/api/v1/queue", "/api/v1/queue", .get, nil),
        ("/api/v1/queue/claim", "/api/v1/queue/claim", .post, ""),
        ("/api/v1/queue/{id}", "/api/v1/queue/1", .get, nil),
        ("/api/v1/queue/{id}/decision", "/api/v1/queue/1/decision", .post, #"{"decision": "unrelated"}"#),
        ("/api/v1/queue/emerging", "/api/v1/queue/emerging", .get, nil),
        ("/desk", "/desk", .get, nil),
        ("/desk/posts/{id}", "/desk/posts/1", .post, "decision=unrelated"),
        ("/desk/emerging", "/desk/emerging", .get, nil),
        ("/assets/desk.js", "/assets/desk.js", .get, nil),
        ("/api/v1/label/batch", "/api/v1/label/batch", .post, "{\"id\": 1, \"text\": \"Sharpies ruined ballots\"}\nnot json\n{\"id\": 2, \"text\": \"hello\"}\n"),
        ("/api/openapi.json", "/api/openapi.json", .get, nil),
        ("/healthz", "/healthz", .get, nil),
        ("/readyz", "/readyz", .get, nil),
        ("/metrics", "/metrics", .get, nil),
        ("/", "/", .get, nil),
        ("/rumors/{slug}", "/rumors/election-stolen", .get, nil),
        ("/rumors/{slug}", "/rumors/not-an-entry", .get, nil),
        ("/topics", "/topics", .get, nil),
        ("/topics/{topic}", "/topics/voting-machines", .get, nil),
        ("/search", "/search?q=ballots", .get, nil),
        ("/check", "/check", .get, nil),
        ("/check", "/check", .post, "text=Dead+people+voted"),
        ("/feed.atom", "/feed.atom", .get, nil),
        ("/sitemap.xml", "/sitemap.xml", .get, nil),
        ("/robots.txt", "/robots.txt", .get, nil),
        ("/assets/site.css", "/assets/site.css", .get, nil),
        ("/api/v1/drafts", "/api/v1/drafts", .get, nil),
        ("/api/v1/drafts", "/api/v1/drafts", .post, "{}"),
        ("/api/v1/drafts/retractions", "/api/v1/drafts/retractions", .post, "{}"),
        ("/api/v1/drafts/{id}", "/api/v1/drafts/1", .get, nil),
        ("/api/v1/drafts/{id}/submit", "/api/v1/drafts/1/submit", .post, ""),
        ("/api/v1/drafts/{id}/approve", "/api/v1/drafts/1/approve", .post, ""),
        ("/api/v1/drafts/{id}/return", "/api/v1/drafts/1/return", .post, ""),
        ("/log", "/log", .get, nil),
        ("/log/key", "/log/key", .get, nil),
        ("/log/checkpoint", "/log/checkpoint", .get, nil),
        ("/log/tile/{tile}", "/log/tile/entries/000.p/19", .get, nil),
        ("/log/tile/{tile}", "/log/tile/entries/001", .get, nil),
        ("/rumors/{slug}/versions/{version}/receipt", "/rumors/trump-won/versions/1/receipt", .get, nil),
        ("/rumors/{slug}/versions/{version}/record", "/rumors/trump-won/versions/1/record", .get, nil),
        ("/rumors/{slug}/compare", "/rumors/trump-won/compare?from=1&to=1", .get, nil),
        ("/login", "/login", .get, nil),
        ("/login", "/login", .post, "csrf=x&name=a&password=b"),
        ("/logout", "/logout", .post, ""),
        ("/editor", "/editor", .get, nil),
        ("/editor/new", "/editor/new", .get, nil),
        ("/editor/drafts", "/editor/drafts", .post, ""),
        ("/editor/drafts/{id}", "/editor/drafts/1", .get, nil),
        ("/editor/drafts/{id}", "/editor/drafts/1", .post, ""),
        ("/editor/retract/{slug}", "/editor/retract/trump-won", .get, nil),
        ("/editor/retract/{slug}", "/editor/retract/trump-won", .post, ""),
    ]

    @Test("the document is OpenAPI 3.1, describes every route the server has, and real responses match its schemas")
    func responsesMatchTheDocument() async throws {
        try await withLiveServer { client in
            let document = try await client.get(SitePath.openAPI).jsonObject()
            #expect(document["openapi"] as? String == "3.1.0")
            let paths = try #require(document["paths"] as? [String: Any])
            let served = [SitePath.home, SitePath.topics, SitePath.topic("{topic}"), SiteURL.entryPath(slug: "{slug}"), SitePath.search, SitePath.check,
                SitePath.feed, SitePath.sitemap, SitePath.robots, SitePath.stylesheet, SitePath.apiEntries, SitePath.apiEntry("{slug}"),
                SitePath.apiLabel, SitePath.apiLabelBatch, SitePath.openAPI, SitePath.health, SitePath.ready, SitePath.metrics,
                "/api/v1/drafts", "/api/v1/drafts/retractions", "/api/v1/drafts/{id}", "/api/v1/drafts/{id}/submit", "/api/v1/drafts/{id}/approve",
                "/api/v1/drafts/{id}/return", "/log", "/log/key", "/log/checkpoint", "/log/tile/{tile}", "/rumors/{slug}/versions/{version}/receipt",
                "/rumors/{slug}/versions/{version}/record", "/rumors/{slug}/compare", "/login", "/logout", "/editor", "/editor/new", "/editor/drafts",
                "/editor/drafts/{id}", "/editor/retract/{slug}", "/api/v1/queue", "/api/v1/queue/claim", "/api/v1/queue/{id}",
                "/api/v1/queue/{id}/decision", "/api/v1/queue/emerging", "/desk", "/desk/posts/{id}", "/desk/emerging", "/assets/desk.js"]
            #expect(Set(paths.keys) == Set(served))
            #expect(Set(Self.requests.map(\.template)) == Set(served))

            var recorded: [[String: Any]] = []
            for request in Self.requests {
                let response = try await client.execute(uri: request.uri, method: request.method, body: request.body.map { ByteBuffer(string: $0) })
                recorded.append([
                    "path": request.template, "method": request.method.rawValue, "status": Int(response.status.code),
                    "content_type": response.headers[.contentType] ?? "", "body": response.text,
                ])
            }
            try await withTemporaryFolder { folder in
                let spec = folder.appendingPathComponent("openapi.json")
                let responses = folder.appendingPathComponent("responses.json")
                try Data(try await client.get(SitePath.openAPI).body.readableBytesView).write(to: spec)
                try JSONSerialization.data(withJSONObject: recorded).write(to: responses)
                let check = try Subprocess.run(
                    URL(fileURLWithPath: "/usr/bin/env"),
                    ["python3", Fixtures.repositoryRoot.appendingPathComponent("scripts/check-openapi.py").path, spec.path, responses.path])
                #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
            }
        }
    }
}
