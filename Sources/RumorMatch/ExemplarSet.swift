import Foundation

/// Labelled posts the matcher was fitted on, kept as embeddings: a post is compared with the nearest fitting posts
/// that assert an entry and with the nearest that do not, which carries the fitting data's judgement ("this reads
/// like the refutations and traps, not like the claims") to posts worded differently from every anchor.
public struct ExemplarSet: Sendable, Hashable, Codable {
    /// The exemplars' embeddings, row after row, as little-endian float16 in base64 (compact, and precise enough
    /// for cosine similarity).
    public var vectors: String
    /// The slugs each exemplar asserts (empty for refutations, traps, neutral and off-topic posts).
    public var claims: [[String]]
    /// Whether each exemplar is off the rumors' subject: a trap, neutral or off-topic post (a refutation is on it).
    public var clean: [Bool]

    /// No exemplars.
    public static let empty = ExemplarSet(vectors: "", claims: [], clean: [])

    /// Creates a set from embeddings, their claims and whether each is off the rumors' subject (``clean``).
    public init(embeddings: [[Float]], claims: [Set<String>], clean: [Bool]) {
        var bytes = [UInt8]()
        bytes.reserveCapacity(embeddings.count * SentenceEmbedder.dimension * 2)
        for vector in embeddings {
            for value in vector {
                let bits = Float16(value).bitPattern
                bytes.append(UInt8(bits & 0xFF))
                bytes.append(UInt8(bits >> 8))
            }
        }
        vectors = Data(bytes).base64EncodedString()
        self.claims = claims.map { $0.sorted() }
        self.clean = clean
    }

    init(vectors: String, claims: [[String]], clean: [Bool]) {
        self.vectors = vectors
        self.claims = claims
        self.clean = clean
    }

    /// The embeddings, decoded.
    public func decodedVectors() -> [Float] {
        guard let data = Data(base64Encoded: vectors) else { return [] }
        return stride(from: 0, to: data.count - 1, by: 2).map { offset in
            Float(Float16(bitPattern: UInt16(data[data.startIndex + offset]) | UInt16(data[data.startIndex + offset + 1]) << 8))
        }
    }
}

/// Decoded exemplars, ready for similarity queries.
struct ExemplarIndex: Sendable {
    let vectors: SimilarityRows
    /// For each exemplar, whether it asserts each of the matcher's slugs (in the order given at init), exemplar
    /// after exemplar: `asserts[exemplar * slugs.count + slug]`.
    let asserts: [Bool]
    /// The number of exemplars.
    let count: Int
    /// For each exemplar, whether it is off the rumors' subject.
    let clean: [Bool]
    /// Folds to leave out (while fitting): exemplar `i` is skipped when `excluded(i)` is true.
    let excluded: @Sendable (Int) -> Bool

    /// Decodes the exemplars and notes which of `slugs` each asserts (once, rather than for every post).
    init(_ set: ExemplarSet, slugs: [String], excluded: @escaping @Sendable (Int) -> Bool = { _ in false }) {
        let decoded = set.decodedVectors()
        // Vectors that do not match the claims (a damaged file) give no evidence rather than misread evidence.
        let matching = decoded.count == set.claims.count * SentenceEmbedder.dimension
        vectors = SimilarityRows(matching ? decoded : [], count: matching ? set.claims.count : 0)
        asserts = set.claims.flatMap { claims in slugs.map(claims.contains) }
        count = set.claims.count
        clean = set.clean
        self.excluded = excluded
    }

    /// How many nearest exemplars vote in ``Neighbourhood``.
    static let voters = 10
    /// How sharply the votes favour the nearest: an exemplar's weight is e^((similarity - best) / this), so one
    /// 0.1 less similar than the nearest counts e^-1 as much. A near-copy of the post then outvotes ten posts that
    /// only share its subject. (0.1 was chosen on the held-out posts over 0.05 and plain similarity weights;
    /// BENCHMARKS.md.)
    static let voteTemperature = 0.1

    /// What the exemplars say of one post, for each slug (in the order given at init).
    struct Neighbourhood {
        /// The best similarity to an exemplar asserting the slug and to one that does not (-1 where there is none).
        var nearest: [(asserting: Double, other: Double)]
        /// The weighted share of the ``voters`` nearest exemplars that assert the slug (weights:
        /// ``voteTemperature``).
        var votes: [Double]
        /// The weighted share of them that assert any rumor.
        var claimShare: Double
        /// The weighted share of them that are off the rumors' subject (traps, neutral, off-topic).
        var cleanShare: Double
    }

    /// The nearest exemplars' evidence for one post vector.
    /// - Parameter scale: puts the similarities on another encoder's scale first (for exemplars embedded by the
    ///   multilingual encoder), so that the features read as the scorer learnt them.
    func neighbourhood(_ vector: [Float], slugCount: Int, scale: SimilarityScale? = nil) -> Neighbourhood {
        var result = Neighbourhood(
            nearest: Array(repeating: (-1, -1), count: slugCount), votes: Array(repeating: 0, count: slugCount), claimShare: 0, cleanShare: 0)
        guard count > 0, vectors.count == count, asserts.count == count * slugCount else { return result }
        var similarities = vectors.similarities([vector])
        if let scale { similarities = similarities.map(scale.map) }
        // Plain arrays, not the tuples of `nearest`, in the loop over every exemplar: it runs for each post.
        var nearestAsserting = [Double](repeating: -1, count: slugCount)
        var nearestOther = [Double](repeating: -1, count: slugCount)
        // The nearest ``voters``, most similar first, kept while scanning (no sort of every exemplar per post).
        var voters: [(similarity: Double, exemplar: Int)] = []
        voters.reserveCapacity(Self.voters + 1)
        for exemplar in 0..<count where !excluded(exemplar) {
            let similarity = Double(similarities[exemplar])
            if voters.count < Self.voters || similarity > voters[voters.count - 1].similarity {
                let place = voters.firstIndex { $0.similarity < similarity } ?? voters.count
                voters.insert((similarity, exemplar), at: place)
                if voters.count > Self.voters { voters.removeLast() }
            }
            let row = exemplar * slugCount
            for slug in 0..<slugCount {
                if asserts[row + slug] {
                    nearestAsserting[slug] = max(nearestAsserting[slug], similarity)
                } else {
                    nearestOther[slug] = max(nearestOther[slug], similarity)
                }
            }
        }
        result.nearest = zip(nearestAsserting, nearestOther).map { ($0, $1) }
        var total = 0.0
        let best = voters.first?.similarity ?? 0
        for (similarity, exemplar) in voters {
            let weight = exp((similarity - best) / Self.voteTemperature)
            total += weight
            var claims = false
            for slug in 0..<slugCount where asserts[exemplar * slugCount + slug] {
                result.votes[slug] += weight
                claims = true
            }
            if claims { result.claimShare += weight }
            if clean[exemplar] { result.cleanShare += weight }
        }
        if total > 0 {
            result.votes = result.votes.map { $0 / total }
            result.claimShare /= total
            result.cleanShare /= total
        }
        return result
    }
}
