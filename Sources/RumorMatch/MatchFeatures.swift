/// The evidence the matcher weighs for one (post, entry) pair.
public struct MatchFeatures: Sendable, Hashable {
    /// The features' names, in the order of ``values``.
    public static let names = [
        "segment_similarity", "post_similarity", "margin_over_other_entries", "bm25", "bm25_share", "keyword_hit",
        "reality_gap_segment", "reality_gap_post", "negations_in_segment", "refutation_cues", "correction_cues", "quotes",
        "accusation_cues", "segment_is_post",
    ]

    /// Cosine similarity of the best segment to the entry's rumor, title and phrasings (the best of them).
    public var segmentSimilarity: Double
    /// The same for the whole post.
    public var postSimilarity: Double
    /// How much better this entry fits the best segment than any other entry does.
    public var margin: Double
    /// log(1 + BM25) of the post against the entry's rumor, title, keywords and phrasings.
    public var bm25: Double
    /// BM25 relative to the best-scoring entry (1 for the best).
    public var bm25Share: Double
    /// 1 when one of the entry's keywords (Dominion, Sharpie) is in the post.
    public var keywordHit: Double
    /// Similarity of the best segment to the entry's reality, minus its similarity to the rumor.
    public var realityGapSegment: Double
    /// The same for the whole post.
    public var realityGapPost: Double
    /// Negations in the best segment.
    public var negationsInSegment: Double
    /// Refutation cues in the post.
    public var refutationCues: Double
    /// Correction cues in the post.
    public var correctionCues: Double
    /// Pairs of quotation marks in the post.
    public var quotes: Double
    /// Accusation words in the post.
    public var accusationCues: Double
    /// 1 when the best segment is the whole post.
    public var segmentIsPost: Double

    /// The features as a vector in ``names`` order.
    public var values: [Double] {
        [
            segmentSimilarity, postSimilarity, margin, bm25, bm25Share, keywordHit, realityGapSegment, realityGapPost, negationsInSegment,
            refutationCues, correctionCues, quotes, accusationCues, segmentIsPost,
        ]
    }
}
