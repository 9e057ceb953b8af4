import Foundation

/// Okapi BM25 over a fixed set of documents, with an inverted index so a query touches only the documents that
/// share a term with it.
public struct BM25Index: Sendable {
    private struct Posting: Sendable {
        var document: Int32
        var frequency: Float
    }

    /// The number of documents.
    public let documentCount: Int
    private let postings: [String: [Posting]]
    private let lengths: [Float]
    private let averageLength: Float
    private let k1: Float
    private let b: Float

    /// Indexes documents given as term lists (see ``LexicalAnalyzer/terms(_:)``).
    /// - Parameters:
    ///   - documents: each document's terms.
    ///   - k1: term-frequency saturation (1.2 is the usual default).
    ///   - b: length normalisation (0.75 is the usual default).
    public init(documents: [[String]], k1: Float = 1.2, b: Float = 0.75) {
        var postings: [String: [Posting]] = [:]
        for (index, terms) in documents.enumerated() {
            var counts: [String: Float] = [:]
            for term in terms { counts[term, default: 0] += 1 }
            for (term, count) in counts { postings[term, default: []].append(Posting(document: Int32(index), frequency: count)) }
        }
        self.postings = postings
        documentCount = documents.count
        lengths = documents.map { Float($0.count) }
        averageLength = max(1, lengths.reduce(0, +) / Float(max(1, documents.count)))
        self.k1 = k1
        self.b = b
    }

    /// The inverse document frequency of a term (BM25's, floored at 0): high for rare terms.
    public func inverseDocumentFrequency(_ term: String) -> Float {
        let frequency = Float(postings[term]?.count ?? 0)
        return max(0, logf((Float(documentCount) - frequency + 0.5) / (frequency + 0.5) + 1))
    }

    /// Whether any document has the term.
    public func contains(_ term: String) -> Bool { postings[term] != nil }

    /// The score of every document sharing a term with the query; documents not listed score 0.
    public func scores(_ query: [String]) -> [Int: Float] {
        var scores: [Int: Float] = [:]
        for term in Set(query).sorted() {  // a fixed order: the sums are then the same in every process
            guard let list = postings[term] else { continue }
            let idf = inverseDocumentFrequency(term)
            for posting in list {
                let document = Int(posting.document)
                let norm = k1 * (1 - b + b * lengths[document] / averageLength)
                scores[document, default: 0] += idf * posting.frequency * (k1 + 1) / (posting.frequency + norm)
            }
        }
        return scores
    }
}
