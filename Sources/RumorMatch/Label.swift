import Foundation
import RumorCore

/// The notice attached to a post that makes a disputed claim: which entry, how sure, and the words that made it.
public struct Label: Sendable, Hashable, Codable {
    /// What to do with the post.
    public enum Decision: String, Sendable, Hashable, Codable {
        /// Attach the notice.
        case label
        /// Send to a person to decide.
        case review
    }

    /// The matched words, as offsets in Unicode scalars into the post's original text.
    public struct Span: Sendable, Hashable, Codable {
        /// The first scalar.
        public var start: Int
        /// One past the last scalar.
        public var end: Int
        /// The text between them.
        public var text: String
    }

    /// The entry's slug.
    public var slug: String
    /// The rumor, as the entry words it.
    public var rumor: String
    /// The reality.
    public var reality: String
    /// The entry's page.
    public var url: String
    /// The notice's text.
    public var labelText: String
    /// The calibrated score, 0-1.
    public var score: Double
    /// Label or review.
    public var decision: Decision
    /// The matched segment of the post.
    public var span: Span

    enum CodingKeys: String, CodingKey {
        case slug, rumor, reality, url
        case labelText = "label_text"
        case score, decision, span
    }
}

/// What the matcher says about one post.
public struct MatchResult: Sendable, Hashable, Codable {
    /// Labels to attach (score at or above the label threshold), best first.
    public var labels: [Label]
    /// Matches for a person to review (between the review and label thresholds), best first.
    public var review: [Label]

    /// Whether a person must decide the post: it has matches to review and no label (the moderation queue keeps these).
    public var needsReview: Bool { labels.isEmpty && !review.isEmpty }

    /// No match.
    public static let none = MatchResult(labels: [], review: [])
}

extension MatchResult {
    /// The result as one compact JSON object, `{"labels": [...], "review": [...]}`, keys sorted.
    public var jsonText: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data("{\"labels\":[],\"review\":[]}".utf8), as: UTF8.self)
    }

    /// The result for one post of a batch, as one JSON Lines output line: `{"id": ..., "labels": [...], "review": [...]}`.
    public func jsonLine(id: JSONValue) -> String {
        "{\"id\":\(id.serialized(pretty: false)),\(jsonText.dropFirst())"
    }
}
