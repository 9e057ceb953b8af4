import Foundation

/// An entry the matcher proposed for a queued post: its slug, its score and the words that matched.
public struct QueueCandidate: Sendable, Hashable, Codable {
    /// The entry's slug.
    public var slug: String
    /// The matcher's calibrated score, 0-1.
    public var score: Double
    /// The first Unicode scalar of the matched words in the post's text.
    public var start: Int
    /// One past the last.
    public var end: Int

    /// Creates a candidate.
    public init(slug: String, score: Double, start: Int, end: Int) {
        (self.slug, self.score, self.start, self.end) = (slug, score, start, end)
    }

    /// The matched words of `text` (the post the candidate is for); empty when the offsets do not fit it.
    public func span(in text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        guard start >= 0, start <= end, end <= scalars.count else { return "" }
        return String(String.UnicodeScalarView(scalars[start..<end]))
    }
}

/// A post to keep for the moderation desk, as the label API or `rumorctl label --queue` hands it over.
public struct QueueSubmission: Sendable, Hashable {
    /// Why the post is kept.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// The matcher sent it to review: a person decides it at the desk.
        case review
        /// It passed the topic gate but matched no entry: material for the emerging-rumors view.
        case unmatched
    }

    /// Why it is kept.
    public var kind: Kind
    /// The post's text.
    public var text: String
    /// The caller's own id for the post, if it gave one.
    public var externalID: String?
    /// Where the post was seen, if the caller said.
    public var url: String?
    /// The entries proposed, best first (none for an unmatched post).
    public var candidates: [QueueCandidate]
    /// Who sent it: an account name, `token:<name>`, or `anonymous`.
    public var caller: String
    /// The post's embedding (unit length), for clustering unmatched posts; nil for review posts.
    public var vector: [Float]?

    /// Creates a submission.
    public init(kind: Kind, text: String, externalID: String? = nil, url: String? = nil, candidates: [QueueCandidate] = [], caller: String, vector: [Float]? = nil) {
        (self.kind, self.text, self.externalID, self.url, self.candidates, self.caller, self.vector) = (kind, text, externalID, url, candidates, caller, vector)
    }
}

/// What a moderator decided about a queued post.
public struct ModerationDecision: Sendable, Hashable {
    /// The verdict.
    public enum Outcome: String, Sendable, Hashable, Codable, CaseIterable {
        /// The post asserts the entry's rumor.
        case asserts
        /// The post denies it (a correction, a debunk).
        case denies
        /// The post is about none of the candidates.
        case unrelated
    }

    /// The verdict.
    public var outcome: Outcome
    /// The entry it is about (asserts and denies only).
    public var slug: String?
    /// The moderator's note, if any.
    public var note: String?

    /// Creates a decision. - Precondition: `slug` is given exactly when the outcome names an entry.
    public init(outcome: Outcome, slug: String? = nil, note: String? = nil) {
        (self.outcome, self.slug, self.note) = (outcome, slug, note)
    }

    /// Why the decision cannot be recorded as it stands, in words for the moderator; nil when it can.
    public var refusal: String? {
        switch outcome {
        case .unrelated: return slug == nil ? nil : "an \"unrelated\" decision names no entry"
        case .asserts, .denies:
            guard let slug, !slug.isEmpty else { return "\"\(outcome.rawValue)\" needs the entry's slug" }
            return slug.isSlug ? nil : "\(slug) is not an entry's slug"
        }
    }
}

/// A post kept for the desk, with what was decided about it.
public struct QueuedPost: Sendable, Hashable {
    /// Its number in the queue.
    public var id: Int64
    /// Why it is kept.
    public var kind: QueueSubmission.Kind
    /// The text; nil once the retention limit has passed (the row and its decision stay, the words go).
    public var text: String?
    /// The caller's id for it.
    public var externalID: String?
    /// Where it was seen.
    public var url: String?
    /// The entries the matcher proposed, best first.
    public var candidates: [QueueCandidate]
    /// Who sent it.
    public var caller: String
    /// When it was queued.
    public var queuedAt: Date
    /// The decision, once made.
    public var decision: ModerationDecision?
    /// Who decided.
    public var decidedBy: String?
    /// When.
    public var decidedAt: Date?

    /// Creates a queued post as read from a store.
    public init(
        id: Int64, kind: QueueSubmission.Kind, text: String?, externalID: String?, url: String?, candidates: [QueueCandidate], caller: String,
        queuedAt: Date, decision: ModerationDecision? = nil, decidedBy: String? = nil, decidedAt: Date? = nil
    ) {
        (self.id, self.kind, self.text, self.externalID, self.url, self.candidates, self.caller) = (id, kind, text, externalID, url, candidates, caller)
        (self.queuedAt, self.decision, self.decidedBy, self.decidedAt) = (queuedAt, decision, decidedBy, decidedAt)
    }

    /// The post as a training line (`rumorctl fit --train`, `rumorctl eval --posts`): asserting an entry is a
    /// `claim` of it, denying one a `refutation`, unrelated `neutral`. Nil when undecided or its text is gone.
    public var trainingLine: String? {
        guard let text, let decision else { return nil }
        let (claims, kind): ([String], String) =
            switch decision.outcome {
            case .asserts: ([decision.slug ?? ""], "claim")
            case .denies: ([], "refutation")
            case .unrelated: ([], "neutral")
            }
        let object = JSONValue.members([
            ("id", .string("queue-\(id)")), ("text", .string(text)), ("claims", .strings(claims)), ("kind", .string(kind)),
        ])
        return object.serialized(pretty: false)
    }
}

/// The queue's counts, for metrics and the desk.
public struct QueueCounts: Sendable, Hashable {
    /// Review posts not yet decided (texts still held).
    public var undecided = 0
    /// Decisions made, by outcome.
    public var decided: [ModerationDecision.Outcome: Int] = [:]
    /// Decisions that the post asserts the matcher's top candidate.
    public var agreeing = 0
    /// Unmatched posts kept for the emerging view.
    public var unmatched = 0

    /// Creates counts.
    public init(undecided: Int = 0, decided: [ModerationDecision.Outcome: Int] = [:], agreeing: Int = 0, unmatched: Int = 0) {
        (self.undecided, self.decided, self.agreeing, self.unmatched) = (undecided, decided, agreeing, unmatched)
    }
}
