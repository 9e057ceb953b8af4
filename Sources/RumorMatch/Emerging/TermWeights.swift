import Foundation

/// TF-IDF vectors of short texts over their own vocabulary, as scikit-learn's `TfidfVectorizer(sublinear_tf=True)`
/// makes them: term frequency 1 + ln(tf), smoothed inverse document frequency ln((1 + n) / (1 + df)) + 1, unit
/// length. Terms are ``LexicalAnalyzer``'s of the lowercased text (stop words dropped, plurals and -ed/-ing stemmed).
/// A term can be given a scale below 1 (``ClusteringModel/termScales``), applied before the vectors are normalised.
public struct TermWeights: Sendable {
    /// Per text, its (term number, weight) pairs, sorted by term number.
    public let vectors: [[(term: Int, weight: Float)]]

    /// Weighs the terms of `texts`, each scaled by `scales` (1 for a term not there).
    public init(_ texts: [String], scales: [String: Float] = [:]) {
        var numbers: [String: Int] = [:]
        let counts = texts.map { text -> [Int: Int] in
            var counts: [Int: Int] = [:]
            for term in LexicalAnalyzer.terms(text.lowercased()) {
                let number = numbers[term] ?? numbers.count
                numbers[term] = number
                counts[number, default: 0] += 1
            }
            return counts
        }
        var scale = [Float](repeating: 1, count: numbers.count)
        for (term, number) in numbers { if let given = scales[term] { scale[number] = given } }
        var documentFrequency = [Int](repeating: 0, count: numbers.count)
        for text in counts { for term in text.keys { documentFrequency[term] += 1 } }
        let n = Float(texts.count)
        vectors = counts.map { text in
            var pairs = text.map { term, count in (term: term, weight: scale[term] * (1 + log(Float(count))) * (log((1 + n) / (1 + Float(documentFrequency[term]))) + 1)) }
            let norm = sqrt(pairs.reduce(0) { $0 + $1.weight * $1.weight })
            if norm > 0 { for k in pairs.indices { pairs[k].weight /= norm } }
            return pairs.sorted { $0.term < $1.term }
        }
    }

    /// Adds `scale` × the cosine similarity of every pair i < j to `condensed` (laid out as
    /// ``AgglomerativeClustering``'s condensed matrix), through an inverted index: the cost is the sum over terms of
    /// the square of their document frequency, not n².
    func addSimilarities(to condensed: inout [Float], scale: Float) {
        let n = vectors.count
        var postings: [Int: [(post: Int, weight: Float)]] = [:]
        for (post, vector) in vectors.enumerated() { for pair in vector { postings[pair.term, default: []].append((post, pair.weight)) } }
        condensed.withUnsafeMutableBufferPointer { d in
            for list in postings.values where list.count > 1 {
                for a in 0..<(list.count - 1) {
                    let (i, wi) = list[a]
                    let offset = n * i - i * (i + 1) / 2 - (i + 1)
                    for b in (a + 1)..<list.count { d[offset + list[b].post] += scale * wi * list[b].weight }
                }
            }
        }
    }
}
