import Foundation
import RumorCore
import RumorStore
import RumorTestSupport
import Testing

@Suite("The moderation queue, on each backend")
struct QueueTests {
    static func review(_ text: String, _ slugs: [String], caller: String = "token:platform") -> QueueSubmission {
        QueueSubmission(kind: .review, text: text, externalID: "ext-\(text.count)", url: "https://social.test/p/\(text.count)",
                        candidates: slugs.enumerated().map { QueueCandidate(slug: $1, score: 0.6 - Double($0) / 10, start: 0, end: 4) }, caller: caller)
    }

    @Test("posts are kept with their text, origin and candidates; a decision records who and when, once; bad decisions are refused", arguments: StoreBackend.available)
    func decisions(backend: StoreBackend) async throws {
        try await backend.withFreshDatabase { location in
            let store = try await backend.open(location)
            let beforeQueueing = Date()
            let ids = try await store.enqueue([
                Self.review("Dead people voted in Georgia", ["dead-people-voting", "mail-ballot-fraud"]),
                QueueSubmission(kind: .unmatched, text: "The county moved the drop box overnight", caller: "anna", vector: [0.6, 0.8]),
                Self.review("Poll watchers were kept out", ["poll-watchers-barred"]),
            ])
            #expect(ids.count == 3 && Set(ids).count == 3)
            let first = try #require(try await store.queuedPost(id: ids[0]))
            let afterQueueing = Date()
            #expect(first.text == "Dead people voted in Georgia" && first.externalID == "ext-28" && first.url == "https://social.test/p/28")
            #expect(first.candidates.map(\.slug) == ["dead-people-voting", "mail-ballot-fraud"] && first.candidates[0].span(in: first.text!) == "Dead")
            #expect(first.caller == "token:platform" && first.decision == nil)
            #expect((beforeQueueing - 1...afterQueueing + 1).contains(first.queuedAt), "the time a post was queued is when enqueue ran")
            #expect(try await store.queueCounts() == QueueCounts(undecided: 2, unmatched: 1))
            let unmatched = try await store.unmatchedPosts(limit: 10)
            #expect(unmatched.map(\.post.id) == [ids[1]] && unmatched[0].vector == [0.6, 0.8])

            let beforeDeciding = Date()
            try await store.decide(id: ids[0], ModerationDecision(outcome: .asserts, slug: "dead-people-voting", note: "clear claim"), moderator: "mo")
            let decided = try #require(try await store.queuedPost(id: ids[0]))
            let afterDeciding = Date()
            #expect(decided.decision == ModerationDecision(outcome: .asserts, slug: "dead-people-voting", note: "clear claim"))
            let decidedAt = try #require(decided.decidedAt)
            #expect(decided.decidedBy == "mo" && (beforeDeciding - 1...afterDeciding + 1).contains(decidedAt))
            await #expect(throws: StoreError.make(.conflict, "")) {
                try await store.decide(id: ids[0], ModerationDecision(outcome: .unrelated), moderator: "other")
            }
            await #expect(throws: StoreError.make(.invalid, "")) {
                try await store.decide(id: ids[2], ModerationDecision(outcome: .denies), moderator: "mo")
            }
            await #expect(throws: StoreError.make(.notFound, "")) {
                try await store.decide(id: 99_999, ModerationDecision(outcome: .unrelated), moderator: "mo")
            }
            await #expect(throws: StoreError.make(.conflict, "")) {
                try await store.decide(id: ids[1], ModerationDecision(outcome: .unrelated), moderator: "mo")
            }
            try await store.decide(id: ids[2], ModerationDecision(outcome: .denies, slug: "poll-watchers-barred"), moderator: "mo")
            let counts = try await store.queueCounts()
            #expect(counts == QueueCounts(undecided: 0, decided: [.asserts: 1, .denies: 1], agreeing: 1, unmatched: 1))
            #expect(try await store.queuedPosts(decided: true, limit: 10).map(\.id) == [ids[0], ids[2]])
            #expect(try await store.queuedPosts(decided: false, limit: 10).isEmpty)
            #expect(try await store.claimNextPost(moderator: "mo", leaseUntil: Date() + 60) == nil)
        }
    }

    @Test("two moderators claiming at once are never handed the same post; a lapsed lease frees a post; a skipped post goes to the other", arguments: StoreBackend.available)
    func leases(backend: StoreBackend) async throws {
        try await backend.withFreshDatabase { location in
            let store = try await backend.open(location)
            let ids = try await store.enqueue((0..<24).map { Self.review("post number \($0)", ["dead-people-voting"]) })
            // Both moderators claim and decide as fast as they can, in parallel, until the queue is empty.
            let handed = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for moderator in ["ana", "ben"] {
                    group.addTask {
                        var mine: [Int64] = []
                        while let post = try await store.claimNextPost(moderator: moderator, leaseUntil: Date() + 600) {
                            mine.append(post.id)
                            try await store.decide(id: post.id, ModerationDecision(outcome: .unrelated), moderator: moderator)
                        }
                        return mine
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(handed.flatMap { $0 }.sorted() == ids, "every post was handed out exactly once")
            #expect(handed.allSatisfy { !$0.isEmpty }, "both moderators got work: \(handed.map(\.count))")

            let more = try await store.enqueue([Self.review("one", ["dead-people-voting"]), Self.review("two", ["dead-people-voting"])])
            // Simultaneous claims: ana's and ben's sets never meet.
            let claims = try await withThrowingTaskGroup(of: (String, Int64?).self) { group in
                for index in 0..<8 {
                    let moderator = index.isMultiple(of: 2) ? "ana" : "ben"
                    group.addTask { (moderator, try await store.claimNextPost(moderator: moderator, leaseUntil: Date() + 600)?.id) }
                }
                return try await group.reduce(into: [String: Set<Int64>]()) { $0[$1.0, default: []].formUnion([$1.1].compactMap { $0 }) }
            }
            #expect(claims["ana"]!.isDisjoint(with: claims["ben"]!) && claims["ana"]!.count == 1 && claims["ben"]!.count == 1)
            let anas = claims["ana"]!.first!
            await #expect(throws: StoreError.make(.conflict, "")) {
                try await store.decide(id: anas, ModerationDecision(outcome: .unrelated), moderator: "ben")
            }
            // Ana skips hers: she is not handed it again, and it goes to a third moderator.
            try await store.skip(id: anas, moderator: "ana")
            #expect(try await store.claimNextPost(moderator: "ana", leaseUntil: Date() + 600)?.id != anas)
            #expect(try await store.claimNextPost(moderator: "cy", leaseUntil: Date() + 600)?.id == anas)
            // A lease that has run out lets the post go to someone else.
            let lapsed = try await store.enqueue([Self.review("three", ["dead-people-voting"])])[0]
            #expect(try await store.claimNextPost(moderator: "dee", leaseUntil: Date() - 1)?.id == lapsed)
            #expect(try await store.claimNextPost(moderator: "eve", leaseUntil: Date() + 600)?.id == lapsed)
            _ = more
        }
    }

    @Test("retention deletes the texts, ids, addresses and embeddings of old posts and keeps their rows, decisions and counts", arguments: StoreBackend.available)
    func retention(backend: StoreBackend) async throws {
        try await backend.withFreshDatabase { location in
            let store = try await backend.open(location)
            let ids = try await store.enqueue([
                Self.review("old and decided", ["dead-people-voting"]), Self.review("old and open", ["dead-people-voting"]),
                QueueSubmission(kind: .unmatched, text: "old unmatched", caller: "anna", vector: [1, 0]),
            ])
            try await store.decide(id: ids[0], ModerationDecision(outcome: .asserts, slug: "dead-people-voting", note: "a note"), moderator: "mo")
            let before = try await store.queueCounts()
            #expect(try await store.purgeQueuedTexts(queuedBefore: Date() - 3600) == 0, "nothing is old yet")
            #expect(try await store.purgeQueuedTexts(queuedBefore: Date() + 1) == 3)
            #expect(try await store.purgeQueuedTexts(queuedBefore: Date() + 1) == 0, "purging again finds nothing")
            for id in ids {
                let post = try #require(try await store.queuedPost(id: id))
                #expect(post.text == nil && post.externalID == nil && post.url == nil && post.decision?.note == nil)
            }
            #expect(try await store.queuedPost(id: ids[0])?.decision?.outcome == .asserts, "the decision stays")
            #expect(try await store.queuedPost(id: ids[0])?.candidates.map(\.slug) == ["dead-people-voting"])
            var after = try await store.queueCounts()
            #expect(after.undecided == 0, "an open post without its text can no longer be decided")
            after.undecided = before.undecided
            #expect(after == before)
            #expect(try await store.unmatchedPosts(limit: 10).isEmpty)
            #expect(try await store.claimNextPost(moderator: "mo", leaseUntil: Date() + 60) == nil)
            #expect(try await store.queuedPost(id: ids[0])?.trainingLine == nil, "no text, nothing to export")
        }
    }

    @Test("moderator accounts and moderate tokens that queue by default are stored", arguments: StoreBackend.available)
    func rolesAndTokens(backend: StoreBackend) async throws {
        try await backend.withFreshDatabase { location in
            let store = try await backend.open(location)
            try await store.createAccount(name: "mo", role: .moderator, passwordHash: "x")
            #expect(try await store.account(name: "mo")?.role == .moderator)
            try await store.createToken(name: "platform", tokenHash: Data([1, 2, 3]), scope: .moderate, queuesPosts: true)
            try await store.createToken(name: "plain", tokenHash: Data([4, 5, 6]), scope: .label)
            #expect(try await store.token(hash: Data([1, 2, 3])).map { [$0.scope == .moderate, $0.queuesPosts] } == [true, true])
            #expect(try await store.token(hash: Data([4, 5, 6]))?.queuesPosts == false)
            #expect(try await store.tokens().map(\.queuesPosts) == [false, true])
        }
    }
}
