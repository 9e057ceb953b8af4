import Foundation

/// L2-regularised logistic regression over sparse n-gram indicators and a few dense features, fitted by full-batch
/// gradient descent: the shared fitter of ``StanceModel`` and ``TopicGate``.
///
/// Each example's n-gram indicators are scaled by 1/√(number of n-grams), so long and short texts weigh alike.
struct LogisticRegression {
    /// The log-odds of the positive class for a text's n-grams and dense features.
    static func logOdds(ngrams: Set<String>, dense: [Double], ngramWeights: [String: Double], denseWeights: [Double], bias: Double) -> Double {
        var z = bias
        let scale = 1 / Double(max(1, ngrams.count)).squareRoot()
        // In a fixed order, so that a sum is the same in every process (a set's order changes with the hash seed).
        for gram in ngrams.sorted() { z += (ngramWeights[gram] ?? 0) * scale }
        for (value, weight) in zip(dense, denseWeights) { z += value * weight }
        return z
    }
}
