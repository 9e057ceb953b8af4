import RumorCore

/// Where a post came from, for the moderation queue: the caller's id and address for it, and who sent it.
public struct PostOrigin: Sendable, Hashable {
    /// The caller's own id for the post.
    public var externalID: String?
    /// Where the post was seen.
    public var url: String?
    /// Who sent it: an account name, `token:<name>`, or `anonymous`.
    public var caller: String

    /// Creates an origin.
    public init(externalID: String? = nil, url: String? = nil, caller: String) {
        (self.externalID, self.url, self.caller) = (externalID, url, caller)
    }
}

extension RumorMatcher {
    /// Matches posts and says which of them the moderation desk keeps (``queueSubmissions(_:decided:origins:)``); when
    /// no origin is given nothing is kept and no extra pass is made.
    public func matchForQueue(_ texts: [String], origins: [PostOrigin?]) -> (decided: [(result: MatchResult, stage: Stage)], queued: [QueueSubmission]) {
        let decided = matchWithStages(texts)
        return (decided, origins.contains { $0 != nil } ? queueSubmissions(texts, decided: decided, origins: origins) : [])
    }

    /// What of these decided posts the moderation desk keeps: a post sent to review and not labelled (for a person to
    /// decide), and a post that passed the topic gate but matched no entry (for the emerging-rumors view, with its
    /// embedding; one encoder pass for all of them). Posts whose origin is nil are not queued.
    /// - Parameters:
    ///   - texts: the posts, as matched.
    ///   - decided: ``matchWithStages(_:)``'s answer for them.
    ///   - origins: per post, where it came from, or nil to keep nothing of it.
    public func queueSubmissions(_ texts: [String], decided: [(result: MatchResult, stage: Stage)], origins: [PostOrigin?]) -> [QueueSubmission] {
        var submissions: [QueueSubmission] = []
        var unmatched: [(text: String, origin: PostOrigin)] = []
        for ((text, (result, stage)), origin) in zip(zip(texts, decided), origins) {
            guard let origin else { continue }
            if result.needsReview {
                submissions.append(QueueSubmission(
                    kind: .review, text: text, externalID: origin.externalID, url: origin.url,
                    candidates: result.review.map { QueueCandidate(slug: $0.slug, score: $0.score, start: $0.span.start, end: $0.span.end) },
                    caller: origin.caller))
            } else if result.labels.isEmpty, stage != .gate {
                unmatched.append((text, origin))
            }
        }
        guard !unmatched.isEmpty else { return submissions }
        for (post, vector) in zip(unmatched, postVectors(unmatched.map(\.text))) {
            submissions.append(QueueSubmission(
                kind: .unmatched, text: post.text, externalID: post.origin.externalID, url: post.origin.url, caller: post.origin.caller, vector: vector))
        }
        return submissions
    }
}
