/// The evidence the matcher weighs for one (post, entry) pair.
public struct MatchFeatures: Sendable, Hashable {
    /// The features' names, in the order of ``values``.
    public static let names = [
        "segment_similarity", "post_similarity", "margin_over_other_entries", "top_entry_for_segment", "bm25", "bm25_share", "keyword_hit",
        "reality_gap_segment", "reality_gap_post", "correction_gap_segment", "correction_gap_post", "denial_post", "denial_segment",
        "negations_in_segment", "refutation_cues", "correction_cues", "quotes",
        "accusation_cues", "segment_is_post", "best_similarity_any_entry", "election_terms", "quoted_similarity",
        "exemplar_asserting", "exemplar_gap", "exemplar_vote", "exemplar_claim_share", "exemplar_clean_share",
        "quoted_share", "own_voice_endorsements", "own_voice_denials",
    ]

    /// Whether a scorer fitted on features named `fitted` can score today's features: the same names, or those of an
    /// earlier version that are a prefix of them (its trees read none of the later ones).
    static func readable(_ fitted: [String]) -> Bool {
        fitted.count >= 27 && names.starts(with: fitted)
    }

    /// Cosine similarity of the best segment to the entry's rumor, title and phrasings (the best of them).
    public var segmentSimilarity: Double
    /// The same for the whole post.
    public var postSimilarity: Double
    /// How much better this entry fits the best segment than any other entry does.
    public var margin: Double
    /// 1 when no other entry fits the best segment better.
    public var topEntryForSegment: Double
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
    /// Similarity of the best segment to the entry's corrections (how people debunk it), minus its similarity to the rumor.
    public var correctionGapSegment: Double
    /// The same for the whole post.
    public var correctionGapPost: Double
    /// The stance model's probability that the whole post denies rather than asserts.
    public var denialPost: Double
    /// The same for the best segment.
    public var denialSegment: Double
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

    /// The best segment similarity of any entry for this post: how much the post is about election rumors at all.
    public var bestSimilarityAnyEntry: Double
    /// Distinct words of the post that occur in the texts of at least three entries (ballot, vote, fraud ...).
    public var electionTerms: Double

    /// The best similarity of a quoted span of the post ("the 'dead people voted' guy") to the entry's rumor; 0 when
    /// nothing is quoted. Quoting the rumor itself is how people mock or deny it.
    public var quotedSimilarity: Double

    /// The post's similarity to the nearest fitting post that asserts the entry.
    public var exemplarAsserting: Double
    /// That, minus its similarity to the nearest fitting post that does not.
    public var exemplarGap: Double
    /// The share of the nearest fitting posts that assert the entry, weighted towards the nearest.
    public var exemplarVote: Double
    /// The same share for posts that assert any rumor (the same for every entry):
    /// low when the post reads like traps, neutral posts and refutations.
    public var exemplarClaimShare: Double
    /// The same share for traps, neutral and off-topic posts (the same for every entry).
    public var exemplarCleanShare: Double

    /// The share of the post's words inside quotation marks (``PosterVoice``).
    public var quotedShare: Double
    /// Words of agreement outside the quotation marks ("True!", "Must watch"): a quoted claim endorsed is asserted.
    public var ownVoiceEndorsements: Double
    /// Negation, refutation and correction cues outside the quotation marks: a quoted claim answered is denied.
    public var ownVoiceDenials: Double

    /// The features as a vector in ``names`` order.
    public var values: [Double] {
        [
            segmentSimilarity, postSimilarity, margin, topEntryForSegment, bm25, bm25Share, keywordHit, realityGapSegment, realityGapPost,
            correctionGapSegment, correctionGapPost, denialPost, denialSegment, negationsInSegment,
            refutationCues, correctionCues, quotes, accusationCues, segmentIsPost, bestSimilarityAnyEntry, electionTerms, quotedSimilarity,
            exemplarAsserting, exemplarGap, exemplarVote, exemplarClaimShare, exemplarCleanShare,
            quotedShare, ownVoiceEndorsements, ownVoiceDenials,
        ]
    }
}
