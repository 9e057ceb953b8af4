import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import RumorCore
import RumorMatch
import RumorServer
import RumorStore
import RumorTestSupport
import Testing

@Suite("JSON API over HTTP")
struct APITests {
    static let seedSlugs: Set<String> = ["dead-people-voting", "poll-watchers-barred", "machines-switched-votes", "late-ballots-counted", "election-stolen"]

    @Test("entries are served as the store holds them")
    func entries() async throws {
        let shipped = try ShippedKnowledgeBase.entries()
        try await withLiveServer(waitForMatcher: false) { client in
            let list = try await client.get("/api/v1/entries")
            #expect(list.headers[.contentType] == "application/json")
            let entries = try #require(try list.jsonObject()["entries"] as? [[String: Any]])
            #expect(entries.compactMap { $0["slug"] as? String } == shipped.map(\.slug))
            let one = try await client.get("/api/v1/entries/dead-people-voting")
            let node = try JSONParser.parse(one.body.readableBytesView)
            let entry = try #require(shipped.first { $0.slug == "dead-people-voting" })
            #expect(node.value == JSONNode(entry.jsonValue, line: 0).value || one.text == entry.jsonValue.serialized(pretty: true))
        }
    }

    @Test("the seed's post gets exactly its five labels, each with its span")
    func labelSeedPost() async throws {
        let post = try seedPost()
        try await withLiveServer { client in
            let body = JSONValue.members([("text", .string(post))]).serialized(pretty: false)
            let response = try await client.post("/api/v1/label", body, headers: [.contentType: "application/json"])
            #expect(response.status == .ok)
            let result = try JSONDecoder().decode(MatchResult.self, from: Data(response.body.readableBytesView))
            #expect(Set(result.labels.map(\.slug)) == Self.seedSlugs)
            let scalars = Array(post.unicodeScalars)
            for label in result.labels {
                #expect(String(String.UnicodeScalarView(scalars[label.span.start..<label.span.end])) == label.span.text)
                #expect(label.url == "\(testSiteURL)/rumors/\(label.slug)")
                #expect(label.decision == .label)
            }
        }
    }

    @Test("bad label requests get a 400 or 413 problem that says what is wrong")
    func badLabelRequests() async throws {
        try await withLiveServer { client in
            let syntax = try expectProblem(try await client.post("/api/v1/label", "{\"text\": \"a\",\n \"x\": }"), .badRequest)
            #expect(syntax.contains("line 2"))
            let utf8 = try expectProblem(try await client.post("/api/v1/label", bytes: Array("{\"text\": \"".utf8) + [0xC3, 0x28] + Array("\"}".utf8)), .badRequest)
            #expect(utf8.contains("UTF-8"))
            try expectProblem(try await client.post("/api/v1/label", "{\"post\": \"a\"}"), .badRequest)
            try expectProblem(try await client.post("/api/v1/label", "[1, 2]"), .badRequest)
            let huge = JSONValue.members([("text", .string(String(repeating: "ballots ", count: 9000)))]).serialized(pretty: false)
            try expectProblem(try await client.post("/api/v1/label", huge), .contentTooLarge)
        }
    }

    @Test("a batch answers every line in order; bad lines get an error object and the rest go on")
    func batch() async throws {
        let lines = [
            #"{"id": 1, "text": "Dead people voted in Michigan, thousands of them"}"#,
            "",
            "this is not json",
            #"{"id": "no-text"}"#,
            #"{"id": [2], "text": "What a lovely autumn afternoon for a walk"}"#,
        ]
        var body = Array(lines.joined(separator: "\n").utf8)
        body += Array("\n{\"id\": 3, \"text\": \"bad ".utf8) + [0xFF] + Array("\"}\n".utf8)
        body += Array(#"{"id": 4, "text": "Sharpies invalidated ballots in Maricopa"}"#.utf8)
        let request = body
        try await withLiveServer { client in
            let response = try await client.post("/api/v1/label/batch", bytes: request, headers: [.contentType: "application/x-ndjson"])
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/x-ndjson")
            let output = try response.text.split(separator: "\n").map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
            try #require(output.count == 6)
            #expect(output[0]["id"] as? Int == 1)
            #expect((output[0]["labels"] as? [[String: Any]])?.first?["slug"] as? String == "dead-people-voting")
            #expect(output[1]["line"] as? Int == 3)
            #expect((output[1]["error"] as? String)?.contains("not valid JSON") == true)
            #expect(output[2]["id"] as? String == "no-text")
            #expect(output[2]["error"] != nil)
            #expect(output[3]["id"] as? [Int] == [2])
            #expect((output[3]["labels"] as? [Any])?.isEmpty == true)
            #expect((output[4]["error"] as? String)?.contains("UTF-8") == true)
            #expect((output[5]["labels"] as? [[String: Any]])?.first?["slug"] as? String == "sharpie-ballots-invalidated")
        }
    }

    @Test("a batch over the configured limit is refused up front, or cut off with an error line when it streams past it")
    func batchLimit() async throws {
        var configuration = ServerConfiguration()
        configuration.maxBatchBytes = 2000
        let line = #"{"id": 1, "text": "The weather is fine today and nothing else happened"}"# + "\n"
        try await withLiveServer(configuration: configuration) { client in
            try expectProblem(try await client.post("/api/v1/label/batch", String(repeating: line, count: 100)), .contentTooLarge)
        }
        try await withLiveServer(configuration: configuration) { client in
            let port = try #require(client.port)
            let response = try await RawHTTP.blocking { try RawHTTP.chunkedPost(port: port, path: "/api/v1/label/batch", chunks: Array(repeating: line, count: 100)) }
            let lines = response.body.split(separator: "\n")
            #expect(response.status == 200)
            #expect(lines.count < 100)
            #expect(lines.last?.contains("larger than the limit") == true, "\(response.body)")
        }
    }

    @Test("the batch streams: the first answers arrive while the client is still sending")
    func batchStreams() async throws {
        try await withLiveServer { client in
            let port = try #require(client.port)
            let (early, rest) = try await RawHTTP.blocking {
                let connection = try RawHTTP.Connection(port: port)
                try connection.send("POST /api/v1/label/batch HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n")
                let posts = (1...APIRoutesTestConstants.firstChunk).map { #"{"id": \#($0), "text": "Dead people voted in Georgia"}"# + "\n" }.joined()
                try connection.sendChunk(posts)
                // The request is not finished, yet a whole chunk of answers comes back.
                let early = try connection.receive(until: { $0.components(separatedBy: "\"labels\"").count - 1 >= APIRoutesTestConstants.serverChunk })
                try connection.sendChunk(#"{"id": "last", "text": "ok"}"# + "\n")
                try connection.send("0\r\n\r\n")
                return (early, try connection.receive(until: { $0.contains("\"last\"") }))
            }
            #expect(early.hasPrefix("HTTP/1.1 200"))
            #expect(early.components(separatedBy: "\"labels\"").count - 1 >= APIRoutesTestConstants.serverChunk)
            #expect(rest.contains("{\"id\":\"last\""))
        }
    }

    @Test("until the matcher is ready, labeling and readiness answer 503; a failed load says why")
    func readiness() async throws {
        try await withLiveServer(waitForMatcher: false, loadMatcher: {
            try await Task.sleep(for: .seconds(60))
            throw CancellationError()
        }) { client in
            try expectProblem(try await client.get("/readyz"), .serviceUnavailable)
            let response = try await client.post("/api/v1/label", "{\"text\": \"dead people voted\"}")
            try expectProblem(response, .serviceUnavailable)
            #expect(response.headers[.retryAfter] != nil)
            #expect(try await client.get("/healthz").jsonObject()["matcher"] as? String == "loading")
            #expect(try await client.get("/").status == .ok)
        }
        struct MissingModel: Error, CustomStringConvertible { var description: String { "the model files are missing; run scripts/fetch-model.sh" } }
        try await withLiveServer(waitForMatcher: false, loadMatcher: { throw MissingModel() }) { client in
            var health = try await client.get("/healthz").jsonObject()
            for _ in 0..<100 where health["matcher"] as? String == "loading" {
                try await Task.sleep(for: .milliseconds(20))
                health = try await client.get("/healthz").jsonObject()
            }
            #expect(health["matcher"] as? String == "failed")
            let detail = try expectProblem(try await client.post("/api/v1/label", "{\"text\": \"x\"}"), .serviceUnavailable)
            #expect(detail.contains("scripts/fetch-model.sh"))
        }
    }

    @Test("/readyz says when posts in Spanish are read with the English model alone, or labels are not verified, and why")
    func readinessReportsCrossLingual() async throws {
        try await withLiveServer { client in
            let ready = try await client.get("/readyz").jsonObject()
            #expect(ready["status"] as? String == "ready")
            #expect(ready["cross_lingual"] as? String == "off")
            #expect((ready["cross_lingual_reason"] as? String)?.contains("multilingual model") == true)
            #expect(ready["verifier"] as? String == "off")
            #expect((ready["verifier_reason"] as? String)?.contains("without the verifier") == true)
        }
    }

    @Test("metrics count requests per route, posts per matcher stage and labels per entry")
    func metrics() async throws {
        try await withLiveServer { client in
            _ = try await client.post("/api/v1/label", "{\"text\": \"Dead people voted in Michigan, thousands of them\"}")
            _ = try await client.get("/rumors/no-such")
            let text = try await client.get("/metrics").text
            #expect(text.contains(#"rumorcontrol_http_requests_total{route="/api/v1/label",method="POST",status="200"} 1"#))
            #expect(text.contains(#"rumorcontrol_labels_total{slug="dead-people-voting",decision="label"} 1"#))
            // A plain claim with no denial cue is decided without the encoder.
            #expect(text.contains(#"rumorcontrol_matcher_posts_total{stage="quick"} 1"#))
            #expect(text.contains("rumorcontrol_http_request_duration_seconds_bucket"))
            #expect(text.contains(#"route="unmatched""#) || text.contains(#"route="/rumors/{slug}""#))
        }
    }

    @Test("garbage bodies and paths never get a 5xx, and the server keeps answering")
    func garbage() async throws {
        try await withLiveServer { client in
            var generator = SeededGenerator(seed: 2020)
            for round in 0..<60 {
                let length = Int.random(in: 0..<3000, using: &generator)
                let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
                for path in ["/api/v1/label", "/api/v1/label/batch", "/check"] {
                    let response = try await client.post(path, bytes: bytes)
                    #expect(response.status.code < 500, "\(path) answered \(response.status) to garbage round \(round)")
                }
                let pathBytes = (0..<Int.random(in: 1..<40, using: &generator)).map { _ in UInt8.random(in: 0x21...0x7E, using: &generator) }
                let path = "/" + String(decoding: pathBytes, as: UTF8.self).replacingOccurrences(of: "#", with: "").replacingOccurrences(of: "?", with: "")
                let response = try await client.get(path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? "/")
                #expect(response.status.code < 500)
            }
            #expect(try await client.get("/healthz").status == .ok)
        }
    }
}

enum APIRoutesTestConstants {
    /// More posts than one batch chunk, so at least one chunk must be answered before the request ends.
    static let firstChunk = 20
    /// Posts the server labels together in a batch.
    static let serverChunk = 16
}
