import Foundation
import RumorCore

/// The moderation desk's queue: posts the matcher sent to review, and posts that passed the topic gate but matched
/// no entry, with what moderators decided. ``SQLiteEntryStore`` and ``PostgresSiteStore`` keep it beside the entries.
///
/// A moderator takes the oldest undecided post with a lease; while the lease runs nobody else is handed that post,
/// and a lease that runs out (a closed tab) lets the post go to the next moderator. Post texts are personal data:
/// ``purgeQueuedTexts(queuedBefore:)`` deletes them after the retention limit and keeps the rows' counts.
public protocol ModerationQueue: Sendable {
    /// Stores posts; returns their queue ids, in order.
    func enqueue(_ posts: [QueueSubmission]) async throws -> [Int64]
    /// Hands `moderator` the post to decide next and leases it to them until `leaseUntil`: the post they already
    /// hold, else the oldest undecided review post that nobody holds and they did not skip. Nil when none is left.
    func claimNextPost(moderator: String, leaseUntil: Date) async throws -> QueuedPost?
    /// One queued post.
    func queuedPost(id: Int64) async throws -> QueuedPost?
    /// Records a decision. - Throws: ``StoreError`` (`conflict`) when the post was decided already, its text is gone,
    /// or another moderator holds a live lease on it; (`notFound`) when there is no such post.
    func decide(id: Int64, _ decision: ModerationDecision, moderator: String) async throws
    /// Gives a post back undecided; it goes to other moderators, not to `moderator` again.
    func skip(id: Int64, moderator: String) async throws
    /// Review posts, oldest first: the undecided ones (still holding their text), or the decided ones.
    func queuedPosts(decided: Bool, limit: Int) async throws -> [QueuedPost]
    /// Unmatched posts whose text is still held, newest first, with their embeddings.
    func unmatchedPosts(limit: Int) async throws -> [(post: QueuedPost, vector: [Float])]
    /// Deletes the texts (and ids, addresses, embeddings) of posts queued before `cutoff`; the rows, their candidates
    /// and decisions stay, so the counts do. - Returns: how many posts lost their text.
    func purgeQueuedTexts(queuedBefore cutoff: Date) async throws -> Int
    /// The queue's counts.
    func queueCounts() async throws -> QueueCounts
}

/// The rules both stores follow for the queue: they differ in SQL, not in what they store.
enum QueueRules {
    /// Candidates as stored: compact JSON.
    static func encode(_ candidates: [QueueCandidate]) -> String {
        String(decoding: (try? JSONEncoder().encode(candidates)) ?? Data("[]".utf8), as: UTF8.self)
    }

    static func decodeCandidates(_ text: String) -> [QueueCandidate] {
        (try? JSONDecoder().decode([QueueCandidate].self, from: Data(text.utf8))) ?? []
    }

    /// An embedding as stored: little-endian float32.
    static func bytes(_ vector: [Float]) -> Data {
        var data = Data(capacity: vector.count * 4)
        for value in vector { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }

    static func vector(_ data: Data) -> [Float] {
        let bytes = [UInt8](data)
        return stride(from: 0, to: bytes.count - bytes.count % 4, by: 4).map { offset in
            Float(bitPattern: UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24)
        }
    }

    /// Whether deciding `decision` agrees with the matcher: the post asserts the matcher's top candidate.
    static func agrees(_ decision: ModerationDecision, candidates: [QueueCandidate]) -> Bool {
        decision.outcome == .asserts && decision.slug == candidates.first?.slug
    }

    /// Checks a decision against the post as read in the deciding transaction.
    /// - Throws: ``StoreError`` saying why it cannot be recorded.
    static func checkDecision(_ decision: ModerationDecision, on post: QueuedPost?, id: Int64, moderator: String, lease: (holder: String?, until: Date?), now: Date) throws {
        guard let post else { throw StoreError.make(.notFound, "there is no queued post \(id)") }
        guard post.kind == .review else { throw StoreError.make(.conflict, "post \(id) matched no entry; it is not in the review queue") }
        guard post.decision == nil else { throw StoreError.make(.conflict, "post \(id) was decided already by \(post.decidedBy ?? "someone")") }
        guard post.text != nil else { throw StoreError.make(.conflict, "post \(id)'s text was deleted after the retention limit; it can no longer be decided") }
        if let holder = lease.holder, holder != moderator, let until = lease.until, until > now {
            throw StoreError.make(.conflict, "post \(id) is with \(holder) until \(until.ISO8601Format()); take the next post instead")
        }
        if let refusal = decision.refusal { throw StoreError.make(.invalid, refusal) }
    }

    /// Adds one `GROUP BY kind, outcome` row of the queue to `counts`.
    static func add(kind: String, outcome: String?, count: Int, agreeing: Int?, held: Int?, to counts: inout QueueCounts) {
        if kind == QueueSubmission.Kind.unmatched.rawValue {
            counts.unmatched += count
        } else if let outcome = outcome.flatMap(ModerationDecision.Outcome.init(rawValue:)) {
            counts.decided[outcome, default: 0] += count
            counts.agreeing += agreeing ?? 0
        } else {
            counts.undecided += held ?? 0
        }
    }
}
