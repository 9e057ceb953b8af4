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

    /// No exemplars.
    public static let empty = ExemplarSet(vectors: "", claims: [])

    /// Creates a set from embeddings and their claims.
    public init(embeddings: [[Float]], claims: [Set<String>]) {
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
    }

    init(vectors: String, claims: [[String]]) {
        self.vectors = vectors
        self.claims = claims
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
    let vectors: [Float]
    /// For each exemplar, whether it asserts each of the matcher's slugs (in the order given at init).
    let asserts: [[Bool]]
    /// Folds to leave out (while fitting): exemplar `i` is skipped when `excluded(i)` is true.
    let excluded: @Sendable (Int) -> Bool

    /// Decodes the exemplars and notes which of `slugs` each asserts (once, rather than for every post).
    init(_ set: ExemplarSet, slugs: [String], excluded: @escaping @Sendable (Int) -> Bool = { _ in false }) {
        vectors = set.decodedVectors()
        asserts = set.claims.map { claims in slugs.map(claims.contains) }
        self.excluded = excluded
    }

    /// For one post vector and each slug (in the order given at init): the best similarity to an exemplar asserting
    /// the slug and to one that does not (-1 where there is none).
    func nearest(_ vector: [Float], slugCount: Int) -> [(asserting: Double, other: Double)] {
        var best = [(asserting: Double, other: Double)](repeating: (-1, -1), count: slugCount)
        let count = asserts.count
        guard count > 0, vectors.count == count * SentenceEmbedder.dimension else { return best }
        let similarities = Kernels.similarities([vector], to: vectors, count: count)
        for exemplar in 0..<count where !excluded(exemplar) {
            let similarity = Double(similarities[exemplar])
            for slug in 0..<slugCount {
                if asserts[exemplar][slug] {
                    best[slug].asserting = max(best[slug].asserting, similarity)
                } else {
                    best[slug].other = max(best[slug].other, similarity)
                }
            }
        }
        return best
    }
}
