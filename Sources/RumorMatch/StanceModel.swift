import Foundation

/// Tells a text that denies, corrects or mocks a rumor from one that asserts it.
///
/// A logistic regression over the text's word unigrams and bigrams (stop words kept: "did not", "no evidence",
/// "lol at" are the signal) and its sentence embedding. It is fitted on assertions (the entries' phrasings and the
/// training posts that make claims) against denials (the entries' corrections and the training refutations), so it
/// learns the cues rather than having them listed by hand; ``StanceCues`` remain as separate evidence.
public struct StanceModel: Sendable, Hashable, Codable {
    /// Weights of the n-grams seen in fitting (absent ones weigh 0).
    public var ngramWeights: [String: Double]
    /// Weights of the embedding's dimensions.
    public var embeddingWeights: [Double]
    /// The intercept.
    public var bias: Double

    enum CodingKeys: String, CodingKey {
        case ngramWeights = "ngram_weights"
        case embeddingWeights = "embedding_weights"
        case bias
    }

    /// Embedding dimensions are ~±0.1; scaling them brings them to the n-grams' range.
    static let embeddingScale = 10.0

    /// Creates a model from its weights.
    public init(ngramWeights: [String: Double], embeddingWeights: [Double], bias: Double) {
        self.ngramWeights = ngramWeights
        self.embeddingWeights = embeddingWeights
        self.bias = bias
    }

    /// The probability that a text denies rather than asserts.
    /// - Parameters:
    ///   - text: normalised text (``NormalizedText/text``).
    ///   - vector: its sentence embedding.
    public func denialProbability(text: String, vector: [Float]) -> Double {
        var z = bias
        let grams = Self.ngrams(text)
        let weight = 1 / Double(max(1, grams.count)).squareRoot()
        for gram in grams { z += (ngramWeights[gram] ?? 0) * weight }
        for (index, value) in vector.enumerated() where index < embeddingWeights.count {
            z += embeddingWeights[index] * Double(value) * Self.embeddingScale
        }
        return 1 / (1 + exp(-z))
    }

    /// The distinct unigrams and bigrams of a normalised text; `?`, `!` and quotation marks count as words.
    public static func ngrams(_ text: String) -> Set<String> {
        var words: [String] = []
        var current = ""
        for character in text {
            if character.isLetter || character.isNumber {
                current.append(character)
            } else {
                if !current.isEmpty { words.append(current) }
                current = ""
                if character == "?" || character == "!" || character == "\"" { words.append(String(character)) }
                if character == "'" { continue }
            }
        }
        if !current.isEmpty { words.append(current) }
        var grams = Set(words)
        for (first, second) in zip(words, words.dropFirst()) { grams.insert(first + " " + second) }
        return grams
    }

    /// Fits on labelled texts.
    /// - Parameters:
    ///   - examples: normalised texts, their embeddings, and whether each denies.
    ///   - l2: the ridge penalty.
    ///   - iterations: gradient steps.
    ///   - minimumCount: n-grams seen in fewer examples are ignored.
    public static func fit(examples: [(text: String, vector: [Float], denies: Bool)], l2: Double = 1e-3, iterations: Int = 400, minimumCount: Int = 2)
        -> StanceModel
    {
        let grams = examples.map { ngrams($0.text) }
        var counts: [String: Int] = [:]
        for set in grams { for gram in set { counts[gram, default: 0] += 1 } }
        let vocabulary = counts.filter { $0.value >= minimumCount }.keys.sorted()
        let ids = Dictionary(uniqueKeysWithValues: vocabulary.enumerated().map { ($1, $0) })
        let rows: [(ids: [Int], weight: Double, vector: [Double], label: Double)] = zip(examples, grams).map { example, set in
            (set.compactMap { ids[$0] }, 1 / Double(max(1, set.count)).squareRoot(), example.vector.map { Double($0) * embeddingScale },
             example.denies ? 1 : 0)
        }
        let dimension = examples.first?.vector.count ?? 0
        var ngramWeights = [Double](repeating: 0, count: vocabulary.count)
        var embeddingWeights = [Double](repeating: 0, count: dimension)
        var bias = 0.0
        let count = Double(max(1, rows.count))
        let rate = 1.0
        for _ in 0..<iterations {
            var ngramGradient = [Double](repeating: 0, count: vocabulary.count)
            var embeddingGradient = [Double](repeating: 0, count: dimension)
            var biasGradient = 0.0
            for row in rows {
                var z = bias
                for id in row.ids { z += ngramWeights[id] * row.weight }
                for j in 0..<dimension { z += embeddingWeights[j] * row.vector[j] }
                let error = 1 / (1 + exp(-z)) - row.label
                biasGradient += error
                for id in row.ids { ngramGradient[id] += error * row.weight }
                for j in 0..<dimension { embeddingGradient[j] += error * row.vector[j] }
            }
            bias -= rate * biasGradient / count
            for j in ngramWeights.indices { ngramWeights[j] -= rate * (ngramGradient[j] / count + l2 * ngramWeights[j]) }
            for j in embeddingWeights.indices { embeddingWeights[j] -= rate * (embeddingGradient[j] / count + l2 * embeddingWeights[j]) }
        }
        let kept = Dictionary(uniqueKeysWithValues: zip(vocabulary, ngramWeights).filter { abs($0.1) > 1e-4 }.map { ($0.0, ($0.1 * 1e4).rounded() / 1e4) })
        return StanceModel(ngramWeights: kept, embeddingWeights: embeddingWeights.map { ($0 * 1e4).rounded() / 1e4 }, bias: bias)
    }
}
