import Foundation

/// The matcher's cheap first stage: says, from a post's words alone, whether it may assert a rumor of the knowledge
/// base, so that the rest of a general stream leaves before the encoder.
///
/// A logistic regression (``LogisticRegression``) over the post's terms and adjacent-term pairs (stemmed, stop words
/// dropped: ``LexicalAnalyzer``) and two lexical scores against the entries: the summed rarity of the topic words it
/// shares with them and its best BM25. ``MatcherFitting`` fits it on the posts that make claims and the entries' own
/// phrasings (may assert) against traps, neutral and off-topic posts and any background posts (may not), and sets
/// ``threshold`` below every fitting post that makes a claim, with a margin.
public struct TopicGate: Sendable, Hashable, Codable {
    /// Weights of the terms and term pairs seen in fitting.
    public var ngramWeights: [String: Double]
    /// Weights of the two lexical scores of ``Inputs``.
    public var denseWeights: [Double]
    /// The intercept.
    public var bias: Double
    /// Posts whose log-odds are below this leave at the gate.
    public var threshold: Double

    enum CodingKeys: String, CodingKey {
        case ngramWeights = "ngram_weights"
        case denseWeights = "dense_weights"
        case bias, threshold
    }

    /// What the gate reads of a post.
    public struct Inputs: Sendable, Hashable {
        /// The post's terms (``LexicalAnalyzer/terms(_:)`` of its normalised text).
        public var terms: [String]
        /// The summed inverse document frequency of the topic words it shares with the entries.
        public var topicRarity: Double
        /// Its best BM25 score against the entries.
        public var bestBM25: Double

        /// Creates the inputs.
        public init(terms: [String], topicRarity: Double, bestBM25: Double) {
            self.terms = terms
            self.topicRarity = topicRarity
            self.bestBM25 = bestBM25
        }

        /// The dense features, scaled to about 0-3.
        var dense: [Double] { [topicRarity / 10, log1p(bestBM25) / 2] }
    }

    /// A gate that lets every post through.
    public static let open = TopicGate(ngramWeights: [:], denseWeights: [], bias: 0, threshold: -1e9)

    /// Creates a gate from its weights.
    public init(ngramWeights: [String: Double], denseWeights: [Double], bias: Double, threshold: Double) {
        self.ngramWeights = ngramWeights
        self.denseWeights = denseWeights
        self.bias = bias
        self.threshold = threshold
    }

    /// The gate's n-grams of a post: its terms and each pair of adjacent terms.
    static func ngrams(_ terms: [String]) -> Set<String> {
        var grams = Set(terms)
        for (first, second) in zip(terms, terms.dropFirst()) { grams.insert(first + " " + second) }
        return grams
    }

    /// The log-odds that a post may assert a rumor.
    func logOdds(_ inputs: Inputs) -> Double {
        LogisticRegression.logOdds(
            ngrams: Self.ngrams(inputs.terms), dense: inputs.dense, ngramWeights: ngramWeights, denseWeights: denseWeights, bias: bias)
    }
}
