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
    let claims: [Set<String>]
    /// Folds to leave out (while fitting): exemplar `i` is skipped when `excluded(i)` is true.
    let excluded: @Sendable (Int) -> Bool

    init(_ set: ExemplarSet, excluded: @escaping @Sendable (Int) -> Bool = { _ in false }) {
        vectors = set.decodedVectors()
        claims = set.claims.map(Set.init)
        self.excluded = excluded
    }

    /// For one post vector: per slug, the best similarity to an exemplar asserting it and to one that does not.
    func nearest(_ vector: [Float], slugs: [String]) -> [String: (asserting: Double, other: Double)] {
        let dimension = SentenceEmbedder.dimension
        var result: [String: (asserting: Double, other: Double)] = [:]
        for slug in slugs { result[slug] = (-1, -1) }
        guard vectors.count == claims.count * dimension else { return result }
        for exemplar in claims.indices where !excluded(exemplar) {
            var dot: Float = 0
            let base = exemplar * dimension
            for j in 0..<dimension { dot += vectors[base + j] * vector[j] }
            let similarity = Double(dot)
            for slug in slugs {
                if claims[exemplar].contains(slug) {
                    result[slug]!.asserting = max(result[slug]!.asserting, similarity)
                } else {
                    result[slug]!.other = max(result[slug]!.other, similarity)
                }
            }
        }
        return result
    }
}
