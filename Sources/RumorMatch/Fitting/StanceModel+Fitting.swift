import Foundation

extension StanceModel {
    /// Fits on labelled texts.
    /// - Parameters:
    ///   - examples: normalised texts, their embeddings, and whether each denies.
    ///   - l2: the ridge penalty.
    ///   - iterations: gradient steps.
    ///   - minimumCount: n-grams seen in fewer examples are ignored.
    public static func fit(examples: [(text: String, vector: [Float], denies: Bool)], l2: Double = 1e-3, iterations: Int = 400, minimumCount: Int = 2)
        -> StanceModel
    {
        let weights = LogisticRegression.fit(
            examples.map {
                LogisticRegression.Example(ngrams: ngrams($0.text), dense: $0.vector.map { Double($0) * embeddingScale }, positive: $0.denies)
            },
            l2: l2, iterations: iterations, minimumCount: minimumCount)
        return StanceModel(ngramWeights: weights.ngramWeights, embeddingWeights: weights.denseWeights, bias: weights.bias)
    }
}
