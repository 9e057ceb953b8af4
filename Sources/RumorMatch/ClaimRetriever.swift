import Foundation

/// Ranks a collection of fact-checked claims for a post: claim retrieval, as in the CheckThat! 2021 task 2A.
///
/// Hybrid: BM25 over each claim's text and title, and the cosine similarity of the post's embedding to the claim's
/// and the title's. The candidates are the union of the top ``candidatePool`` of each; their fused score is
/// `cos(post, claim) + titleWeight · cos(post, title) + lexicalWeight · BM25 / best BM25 for the post`.
public struct ClaimRetriever: Sendable {
    /// A claim of the collection.
    public struct Claim: Sendable, Hashable {
        /// Its id.
        public var id: String
        /// The claim.
        public var text: String
        /// The fact-check's title (may be empty).
        public var title: String

        /// Creates a claim.
        public init(id: String, text: String, title: String) {
            self.id = id
            self.text = text
            self.title = title
        }
    }

    /// The weights of the fused score.
    public struct Weights: Sendable, Hashable {
        /// Weight of the title's cosine similarity.
        public var title: Double
        /// Weight of the normalised BM25 score.
        public var lexical: Double

        /// Creates weights.
        public init(title: Double, lexical: Double) {
            self.title = title
            self.lexical = lexical
        }

        /// Fitted on the CheckThat! 2021 2A English train split (997 tweets) by a grid search for the best MAP@5
        /// (`rumorctl rank --fit-qrels`; see BENCHMARKS.md).
        public static let fitted = Weights(title: 0.4, lexical: 0.6)
    }

    /// How many candidates each route contributes before fusion.
    public static let candidatePool = 100

    /// The claims.
    public let claims: [Claim]
    private let embedder: SentenceEmbedder
    private let index: BM25Index
    private let claimVectors: [[Float]]
    private let titleVectors: [[Float]]
    private let dictionary: Set<String>

    /// Indexes and embeds the claims.
    /// - Parameters:
    ///   - claims: the collection.
    ///   - embedder: the sentence embedder.
    ///   - threads: threads for embedding the collection.
    ///   - progress: called with the number of claims embedded so far.
    public init(claims: [Claim], embedder: SentenceEmbedder, threads: Int = 1, progress: (Int) -> Void = { _ in }) {
        self.claims = claims
        self.embedder = embedder
        let dictionary = embedder.tokenizer.wholeWords
        self.dictionary = dictionary
        index = BM25Index(documents: claims.map { LexicalAnalyzer.terms(NormalizedText($0.text + "\n" + $0.title, dictionary: dictionary).text) })
        var claimVectors: [[Float]] = []
        var titleVectors: [[Float]] = []
        let chunk = 512
        for start in stride(from: 0, to: claims.count, by: chunk) {
            let part = claims[start..<min(start + chunk, claims.count)]
            claimVectors += embedder.embed(part.map(\.text), batchSize: 32, threads: threads)
            titleVectors += embedder.embed(part.map { $0.title.isEmpty ? $0.text : $0.title }, batchSize: 32, threads: threads)
            progress(start + part.count)
        }
        self.claimVectors = claimVectors
        self.titleVectors = titleVectors
    }

    /// The best claims for a post, best first.
    /// - Returns: pairs of (index into ``claims``, fused score).
    public func rank(_ post: String, top: Int, weights: Weights = .fitted) -> [(claim: Int, score: Double)] {
        var scored: [(claim: Int, score: Double)] = []
        for candidate in features(post) {
            let score = candidate.cosine + weights.title * candidate.titleCosine + weights.lexical * candidate.lexical
            scored.append((candidate.claim, score))
        }
        scored.sort { $0.score > $1.score || ($0.score == $1.score && $0.claim < $1.claim) }
        return Array(scored.prefix(top))
    }

    /// The evidence for each candidate claim: claim cosine, title cosine and BM25 relative to the post's best.
    public func features(_ post: String) -> [(claim: Int, cosine: Double, titleCosine: Double, lexical: Double)] {
        let text = NormalizedText(post, dictionary: dictionary).text
        let vector = embedder.embed(text)
        let lexical = index.scores(LexicalAnalyzer.terms(text))
        let bestLexical = max(lexical.values.max() ?? 0, 1e-9)
        let cosines = claimVectors.map { zip($0, vector).reduce(Float(0)) { $0 + $1.0 * $1.1 } }
        var pool = Set(lexical.sorted { $0.value > $1.value }.prefix(Self.candidatePool).map(\.key))
        pool.formUnion(cosines.indices.sorted { cosines[$0] > cosines[$1] }.prefix(Self.candidatePool))
        return pool.map { claim in
            let titleCosine = zip(titleVectors[claim], vector).reduce(Float(0)) { $0 + $1.0 * $1.1 }
            return (claim, Double(cosines[claim]), Double(titleCosine), Double((lexical[claim] ?? 0) / bestLexical))
        }
    }
}

/// Ranking measures over queries with known relevant documents (the CheckThat! scorer's definitions).
public enum RetrievalMetrics {
    /// Average precision at `k` for one query: the sum of precision at each relevant rank within `k`, divided by the
    /// number of relevant documents (as the CheckThat! 2021 scorer does).
    public static func averagePrecision(ranked: [String], relevant: Set<String>, k: Int) -> Double {
        guard !relevant.isEmpty else { return 0 }
        var found = 0
        var sum = 0.0
        for (index, document) in ranked.prefix(k).enumerated() where relevant.contains(document) {
            found += 1
            sum += Double(found) / Double(index + 1)
        }
        return sum / Double(relevant.count)
    }

    /// The reciprocal rank of the first relevant document (0 when none is ranked).
    public static func reciprocalRank(ranked: [String], relevant: Set<String>) -> Double {
        guard let index = ranked.firstIndex(where: relevant.contains) else { return 0 }
        return 1 / Double(index + 1)
    }

    /// The share of the first `k` ranked documents that are relevant.
    public static func precision(ranked: [String], relevant: Set<String>, k: Int) -> Double {
        Double(ranked.prefix(k).filter(relevant.contains).count) / Double(k)
    }

    /// MAP@1, 3, 5, 10, MRR and P@1, 3, 5 over queries; queries with no relevant documents are skipped.
    public static func summary(runs: [String: [String]], qrels: [String: Set<String>]) -> [(name: String, value: Double)] {
        let queries = qrels.keys.filter { !(qrels[$0]?.isEmpty ?? true) }.sorted()
        func mean(_ measure: (String) -> Double) -> Double {
            queries.isEmpty ? 0 : queries.map(measure).reduce(0, +) / Double(queries.count)
        }
        var rows: [(String, Double)] = []
        for k in [1, 3, 5, 10] { rows.append(("MAP@\(k)", mean { averagePrecision(ranked: runs[$0] ?? [], relevant: qrels[$0]!, k: k) })) }
        rows.append(("MRR", mean { reciprocalRank(ranked: runs[$0] ?? [], relevant: qrels[$0]!) }))
        for k in [1, 3, 5] { rows.append(("P@\(k)", mean { precision(ranked: runs[$0] ?? [], relevant: qrels[$0]!, k: k) })) }
        return rows
    }
}
