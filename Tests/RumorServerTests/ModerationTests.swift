import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOPosix
import RumorCore
import RumorMatch
@testable import RumorServer
import RumorStore
import RumorTestSupport
import Synchronization
import Testing

/// Dev and held-out posts the shipped matcher sends to review only, labels, and lets past the gate without a match,
/// found by running it (so the tests follow the model rather than hard-coding its answers).
struct DeskPosts: Sendable {
    var review: [String]
    var labelled: String
    var unmatched: [String]

    /// Found once, on a thread of its own (matching posts must hold up neither the threads that run tests nor the
    /// pool the servers label on), in chunks until there are enough.
    static func shared() async throws -> DeskPosts {
        try await RawHTTP.blocking { try cached.get() }
    }

    private static let cached = Result { () throws -> DeskPosts in
        let matcher = try sharedLoadedMatcher.get().matcher
        let files = ["real-style-i", "real-style-j", "negation"].map { Fixtures.repositoryRoot.appendingPathComponent("data/heldout/\($0).jsonl") } + [Fixtures.devPosts]
        let texts = try files.flatMap { try Fixtures.jsonLines($0).compactMap { $0["text"] as? String } }
        // With a margin from the label threshold: a post matched alone may score a little differently than in a batch.
        let threshold = matcher.configuration.model.labelThreshold
        var review: [String] = [], unmatched: [String] = []
        for start in stride(from: 0, to: texts.count, by: 32) where review.count < 4 || unmatched.count < 2 {
            let chunk = Array(texts[start..<min(start + 32, texts.count)])
            for (text, decided) in zip(chunk, matcher.matchWithStages(chunk)) where decided.result.labels.isEmpty {
                if !decided.result.review.isEmpty, decided.result.review.allSatisfy({ $0.score < threshold - 0.05 }) { review.append(text) }
                if decided.result.review.isEmpty, decided.stage != .gate { unmatched.append(text) }
            }
        }
        try #require(review.count >= 4 && unmatched.count >= 2, "the posts hold \(review.count) review-only and \(unmatched.count) unmatched posts")
        // The seed story's post, labelled with five claims (APITests).
        return DeskPosts(review: review, labelled: try seedPost(), unmatched: unmatched)
    }
}

@Suite("The moderation desk over HTTP")
struct ModerationTests {
    static func labelBody(_ text: String, queue: Bool? = nil, id: String? = nil) -> String {
        var members: [(String, JSONValue)] = [("text", .string(text))]
        if let queue { members.append(("queue", .bool(queue))) }
        if let id { members.append(("id", .string(id))) }
        members.append(("url", .string("https://social.test/p/1")))
        return JSONValue.members(members).serialized(pretty: false)
    }

    @Test("the label API queues review posts and unmatched election posts when asked or by the token's default, never labelled ones, and never for anonymous callers", arguments: StoreBackend.available)
    func queueing(_ backend: StoreBackend) async throws {
        let posts = try await DeskPosts.shared()
        let (prepare, editors) = Editors.prepared()
        try await withLiveServer(backend: backend, prepare: prepare) { client in
            let labelToken = bearer(editors().labelToken)
            let anonymous = try await client.post("/api/v1/label", Self.labelBody(posts.review[0], queue: true), headers: [.contentType: "application/json"])
            _ = try expectProblem(anonymous, .unauthorized)
            // Not asked, no default: nothing is kept.
            let plain = try await client.post("/api/v1/label", Self.labelBody(posts.review[0]), headers: labelToken)
            #expect(plain.status == .ok)
            #expect(try plain.jsonObject()["queue_id"] == nil)
            let queued = try await client.post("/api/v1/label", Self.labelBody(posts.review[0], queue: true, id: "p-1"), headers: labelToken)
            let queueID = try #require(try queued.jsonObject()["queue_id"] as? Int)
            #expect(!(try #require(try queued.jsonObject()["review"] as? [Any])).isEmpty)
            let labelled = try await client.post("/api/v1/label", Self.labelBody(posts.labelled, queue: true), headers: labelToken)
            #expect(try labelled.jsonObject()["queue_id"] == nil, "\(posts.labelled) → \(labelled.text)")
            // The moderate token queues by default, unless a request says not to.
            let byDefault = try await client.post("/api/v1/label", Self.labelBody(posts.review[1]), headers: bearer(editors().moderateToken))
            #expect(try byDefault.jsonObject()["queue_id"] is Int)
            let optedOut = try await client.post("/api/v1/label", Self.labelBody(posts.review[2], queue: false), headers: bearer(editors().moderateToken))
            #expect(try optedOut.jsonObject()["queue_id"] == nil)
            // A batch: the review posts get their queue ids in order, unmatched ones are kept for the emerging view.
            let lines = [posts.review[3], posts.unmatched[0], posts.unmatched[1], posts.labelled].enumerated().map { index, text in
                JSONValue.members([("id", .number(String(index))), ("text", .string(text)), ("queue", .bool(true))]).serialized(pretty: false)
            }
            let batch = try await client.post("/api/v1/label/batch", lines.joined(separator: "\n"), headers: labelToken)
            let results = try batch.text.split(separator: "\n").map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
            #expect(results.map { $0["queue_id"] != nil } == [true, false, false, false])

            let list = try await client.get("/api/v1/queue", headers: bearer(editors().moderateToken))
            let body = try list.jsonObject()
            let queuedPosts = try #require(body["posts"] as? [[String: Any]])
            #expect(queuedPosts.count == 3 && queuedPosts[0]["id"] as? Int == queueID)
            #expect(queuedPosts[0]["text"] as? String == posts.review[0] && queuedPosts[0]["external_id"] as? String == "p-1")
            #expect(queuedPosts[0]["caller"] as? String == "token:platform" && queuedPosts[0]["url"] as? String == "https://social.test/p/1")
            let candidate = try #require((queuedPosts[0]["candidates"] as? [[String: Any]])?.first)
            let span = try #require(candidate["span"] as? [String: Any])
            #expect(!(span["text"] as? String ?? "").isEmpty && posts.review[0].contains(span["text"] as! String))
            let counts = try #require(body["counts"] as? [String: Any])
            #expect(counts["undecided"] as? Int == 3 && counts["unmatched"] as? Int == 2)
            let metrics = try await client.get("/metrics").text
            #expect(metrics.contains("rumorcontrol_queue_depth 3"))
            #expect(metrics.contains("rumorcontrol_queue_unmatched_posts 2"))

            // In one chunk of a batch, a review post not to be queued takes no queue id from one that is.
            let mixed = [(posts.review[2], false), (posts.review[3], true)].map { text, queue in
                JSONValue.members([("id", .string(text.prefix(8).description)), ("text", .string(text)), ("queue", .bool(queue))]).serialized(pretty: false)
            }
            let mixedResults = try await client.post("/api/v1/label/batch", mixed.joined(separator: "\n"), headers: labelToken).text.split(separator: "\n")
                .map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
            #expect(mixedResults.map { $0["queue_id"] != nil } == [false, true])
            let newest = try #require(try await client.get("/api/v1/queue?limit=1000", headers: bearer(editors().moderateToken)).jsonObject()["posts"] as? [[String: Any]])
            #expect(newest.last?["id"] as? Int == mixedResults[1]["queue_id"] as? Int && newest.last?["text"] as? String == posts.review[3])
        }
    }

    @Test("the desk: anonymous gets 401, an author 403; a moderator sees the oldest post with its candidates and decides it by form, with the CSRF token; reviewers decide too", arguments: StoreBackend.available)
    func desk(_ backend: StoreBackend) async throws {
        let posts = try await DeskPosts.shared()
        let (prepare, editors) = Editors.prepared()
        try await withLiveServer(backend: backend, prepare: { store in
            try await prepare(store)
            _ = try await store.enqueue(Array(posts.review.prefix(3)).map { text in
                QueueSubmission(kind: .review, text: text, candidates: [QueueCandidate(slug: "dead-people-voting", score: 0.55, start: 0, end: 5)], caller: "token:platform")
            })
        }) { client in
            #expect(try await client.get("/desk").status == .unauthorized)
            #expect(try await client.get("/desk", headers: [.cookie: editors().author.cookie]).status == .forbidden)
            let mo = editors().moderator
            let page = try await client.get("/desk", headers: [.cookie: mo.cookie])
            #expect(page.status == .ok)
            #expect(page.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true, "the desk allows its own script")
            let text = page.text
            let first = try #require(text.firstMatch(of: /action="\/desk\/posts\/(\d+)"/)).1
            #expect(text.contains(HTMLText.escape(String(posts.review[0].unicodeScalars.prefix(5).map(Character.init)))))
            #expect(text.contains("<mark>") && text.contains("value=\"asserts:dead-people-voting\"") && text.contains("data-key=\"1\""))
            #expect(text.contains("Dead people"), "the candidate's rumor and reality are shown")
            // The same moderator reloading keeps their post; another moderator (a reviewer) gets the next one.
            #expect(try await client.get("/desk", headers: [.cookie: mo.cookie]).text.contains("action=\"/desk/posts/\(first)\""))
            let reviewerPage = try await client.get("/desk", headers: [.cookie: editors().reviewer.cookie]).text
            #expect(!reviewerPage.contains("action=\"/desk/posts/\(first)\"") && reviewerPage.contains("action=\"/desk/posts/"))

            let form: HTTPFields = [.cookie: mo.cookie, .contentType: "application/x-www-form-urlencoded"]
            #expect(try await client.post("/desk/posts/\(first)", "decision=unrelated", headers: form).status == .forbidden, "no CSRF token")
            #expect(try await client.post("/desk/posts/\(first)", "csrf=\(mo.csrf)&decision=asserts%3Adead-people-voting", headers: [.cookie: editors().author.cookie, .contentType: "application/x-www-form-urlencoded"]).status == .forbidden)
            let decided = try await client.post("/desk/posts/\(first)", "csrf=\(mo.csrf)&decision=asserts%3Adead-people-voting&note=clear", headers: form)
            #expect(decided.status == .seeOther && decided.headers[.location]?.hasPrefix("/desk?done=") == true)
            let again = try await client.post("/desk/posts/\(first)", "csrf=\(mo.csrf)&decision=unrelated", headers: form)
            #expect(again.status == .conflict, "a post is decided once")
            let post = try #require(try await client.get("/api/v1/queue/\(first)", headers: bearer(editors().moderateToken)).jsonObject())
            let decision = try #require(post["decision"] as? [String: Any])
            #expect(decision["outcome"] as? String == "asserts" && decision["slug"] as? String == "dead-people-voting" && decision["by"] as? String == "mo" && decision["note"] as? String == "clear")
            let metrics = try await client.get("/metrics").text
            #expect(metrics.contains("rumorcontrol_queue_decisions{outcome=\"asserts\"} 1") && metrics.contains("rumorcontrol_queue_top_candidate_agreements 1"))
        }
    }

    @Test("the queue API: a moderate token claims and decides; label tokens and authors are refused; a session must send its CSRF token", arguments: StoreBackend.available)
    func api(_ backend: StoreBackend) async throws {
        let (prepare, editors) = Editors.prepared()
        try await withLiveServer(backend: backend, prepare: { store in
            try await prepare(store)
            _ = try await store.enqueue((0..<3).map { index in
                QueueSubmission(kind: .review, text: "post \(index) about dead voters", candidates: [QueueCandidate(slug: "dead-people-voting", score: 0.5, start: 0, end: 4)], caller: "x")
            })
        }) { client in
            let bot = bearer(editors().moderateToken)
            #expect(try await client.get("/api/v1/queue").status == .unauthorized)
            #expect(try await client.get("/api/v1/queue", headers: bearer(editors().labelToken)).status == .forbidden)
            #expect(try await client.post("/api/v1/queue/claim", "", headers: editors().author.apiHeaders).status == .forbidden)
            var noCSRF = editors().moderator.apiHeaders
            noCSRF[HTTPField.Name("X-CSRF-Token")!] = nil
            #expect(try await client.post("/api/v1/queue/claim", "", headers: noCSRF).status == .forbidden)
            let claimed = try #require(try await client.post("/api/v1/queue/claim", "", headers: bot).jsonObject()["post"] as? [String: Any])
            let id = try #require(claimed["id"] as? Int)
            let byModerator = try #require(try await client.post("/api/v1/queue/claim", "", headers: editors().moderator.apiHeaders).jsonObject()["post"] as? [String: Any])
            #expect(byModerator["id"] as? Int != id, "a claimed post is not handed to another moderator")
            let conflict = try await client.post("/api/v1/queue/\(id)/decision", #"{"decision": "unrelated"}"#, headers: editors().moderator.apiHeaders)
            _ = try expectProblem(conflict, .conflict)
            _ = try expectProblem(try await client.post("/api/v1/queue/\(id)/decision", #"{"decision": "maybe"}"#, headers: bot), .badRequest)
            _ = try expectProblem(try await client.post("/api/v1/queue/\(id)/decision", #"{"decision": "denies"}"#, headers: bot), .unprocessableContent)
            _ = try expectProblem(try await client.post("/api/v1/queue/999999/decision", #"{"decision": "unrelated"}"#, headers: bot), .notFound)
            let decided = try await client.post("/api/v1/queue/\(id)/decision", #"{"decision": "denies", "slug": "dead-people-voting"}"#, headers: bot).jsonObject()
            #expect((decided["decision"] as? [String: Any])?["by"] as? String == "token:desk-bot")
            let decidedList = try #require(try await client.get("/api/v1/queue?state=decided", headers: bot).jsonObject()["posts"] as? [[String: Any]])
            #expect(decidedList.map { $0["id"] as? Int } == [id])
        }
    }

    @Test("emerging rumors: unmatched posts saying the same thing cluster together, with a link that starts a draft from them", arguments: [StoreBackend.sqlite])
    func emerging(_ backend: StoreBackend) async throws {
        let (prepare, editors) = Editors.prepared()
        let drives = ["The county moved every ballot drop box to the sheriff's office overnight", "Drop boxes were moved overnight to the sheriff's office by the county",
                      "Overnight the county relocated all the ballot drop boxes to the sheriff"]
        let lines = ["Our precinct ran out of provisional ballot envelopes by noon", "Precinct out of provisional ballot envelopes before lunch, again",
                     "They ran out of provisional envelopes at our precinct by midday"]
        let scanners = ["The ballot scanner at Lincoln school jammed for three hours", "Lincoln school's ballot scanner was jammed for hours this morning",
                        "Hours of jammed ballot scanners at the Lincoln school polling place"]
        // Posts queued after the first look, to see that the view is not kept once the posts change.
        let later = Mutex<(store: any SiteStore, submissions: [QueueSubmission])?>(nil)
        try await withLiveServer(backend: backend, prepare: { store in
            try await prepare(store)
            let texts = drives + lines + ["Something else entirely about turnout in the primary"]
            let vectors = try await RawHTTP.blocking { try sharedLoadedMatcher.get().matcher.postVectors(texts + scanners) }
            let submissions = zip(texts + scanners, vectors).map { QueueSubmission(kind: .unmatched, text: $0, caller: "x", vector: $1) }
            _ = try await store.enqueue(Array(submissions.prefix(texts.count)))
            later.withLock { $0 = (store, Array(submissions.suffix(scanners.count))) }
        }) { client in
            #expect(try await client.get("/desk/emerging").status == .unauthorized)
            let clusters = try #require(try await client.get("/api/v1/queue/emerging", headers: bearer(editors().moderateToken)).jsonObject()["clusters"] as? [[String: Any]])
            let groups = clusters.map { Set(($0["representatives"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }) }
            #expect(groups.contains(Set(drives)) && groups.contains(Set(lines)), "\(groups)")
            #expect(clusters.allSatisfy { ($0["last_24h"] as? Int) == ($0["size"] as? Int) && !(($0["top_terms"] as? [String]) ?? []).isEmpty })
            #expect(!groups.contains { $0.contains(scanners[0]) })
            let (store, submissions) = try #require(later.withLock { $0 })
            _ = try await store.enqueue(submissions)
            let again = try #require(try await client.get("/api/v1/queue/emerging", headers: bearer(editors().moderateToken)).jsonObject()["clusters"] as? [[String: Any]])
            let regrouped = again.map { Set(($0["representatives"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }) }
            let sizes = { (clusters: [[String: Any]]) in clusters.compactMap { $0["size"] as? Int }.reduce(0, +) }
            #expect(sizes(again) == sizes(clusters) + scanners.count && regrouped.contains { !$0.isDisjoint(with: scanners) },
                    "posts queued since the last look are clustered: \(regrouped)")
            let page = try await client.get("/desk/emerging", headers: [.cookie: editors().author.cookie]).text
            let link = try #require(page.firstMatch(of: /href="(\/editor\/new\?phrasings=[^"]+)"/)).1
            let editor = try await client.get(String(link).replacingOccurrences(of: "&amp;", with: "&"), headers: [.cookie: editors().author.cookie]).text
            #expect(["sheriff", "provisional", "scanner"].contains { editor.contains($0) }, "the editor starts with the cluster's posts as phrasings")
            #expect(!(try await client.get("/desk/emerging", headers: [.cookie: editors().moderator.cookie]).text.contains("Start a draft")), "a moderator writes no drafts")
        }
    }
}
