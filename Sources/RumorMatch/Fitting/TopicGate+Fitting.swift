import Foundation

extension TopicGate {
    /// Fits the weights (``threshold`` is left at -1e9, open, for the caller to set).
    /// - Parameter examples: each text's inputs, and whether it may assert a rumor.
    static func fit(_ examples: [(inputs: Inputs, mayAssert: Bool)]) -> TopicGate {
        let weights = LogisticRegression.fit(
            examples.map { LogisticRegression.Example(ngrams: ngrams($0.inputs.terms), dense: $0.inputs.dense, positive: $0.mayAssert) },
            l2: 1e-4, iterations: 3000, minimumCount: 2)
        return TopicGate(ngramWeights: weights.ngramWeights, denseWeights: weights.denseWeights, bias: weights.bias, threshold: -1e9)
    }
}
