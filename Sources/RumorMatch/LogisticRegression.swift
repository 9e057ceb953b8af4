import Foundation

/// L2-regularised logistic regression over sparse n-gram indicators and a few dense features, fitted by full-batch
/// gradient descent: the shared fitter of ``StanceModel`` and ``TopicGate``.
///
/// Each example's n-gram indicators are scaled by 1/√(number of n-grams), so long and short texts weigh alike.
struct LogisticRegression {
    /// One fitting example.
    struct Example {
        /// The example's distinct n-grams.
        var ngrams: Set<String>
        /// Its dense features (the same count for every example).
        var dense: [Double]
        /// True for the positive class.
        var positive: Bool
    }

    /// The fitted weights; n-grams whose weight rounds to 0 are left out.
    struct Weights {
        var ngramWeights: [String: Double]
        var denseWeights: [Double]
        var bias: Double
    }

    /// The log-odds of the positive class for a text's n-grams and dense features.
    static func logOdds(ngrams: Set<String>, dense: [Double], ngramWeights: [String: Double], denseWeights: [Double], bias: Double) -> Double {
        var z = bias
        let scale = 1 / Double(max(1, ngrams.count)).squareRoot()
        // In a fixed order, so that a sum is the same in every process (a set's order changes with the hash seed).
        for gram in ngrams.sorted() { z += (ngramWeights[gram] ?? 0) * scale }
        for (value, weight) in zip(dense, denseWeights) { z += value * weight }
        return z
    }

    /// Fits the weights.
    /// - Parameters:
    ///   - examples: the fitting examples.
    ///   - l2: the ridge penalty.
    ///   - iterations: gradient steps.
    ///   - minimumCount: n-grams seen in fewer examples are ignored.
    static func fit(_ examples: [Example], l2: Double, iterations: Int, minimumCount: Int) -> Weights {
        var counts: [String: Int] = [:]
        for example in examples { for gram in example.ngrams { counts[gram, default: 0] += 1 } }
        let vocabulary = counts.filter { $0.value >= minimumCount }.keys.sorted()
        let ids = Dictionary(uniqueKeysWithValues: vocabulary.enumerated().map { ($1, $0) })
        let rows: [(ids: [Int], scale: Double, dense: [Double], label: Double)] = examples.map { example in
            (
                example.ngrams.compactMap { ids[$0] }.sorted(), 1 / Double(max(1, example.ngrams.count)).squareRoot(), example.dense,
                example.positive ? 1 : 0
            )
        }
        let dimension = examples.first?.dense.count ?? 0
        var ngramWeights = [Double](repeating: 0, count: vocabulary.count)
        var denseWeights = [Double](repeating: 0, count: dimension)
        var bias = 0.0
        let count = Double(max(1, rows.count))
        let rate = 1.0
        for _ in 0..<iterations {
            var ngramGradient = [Double](repeating: 0, count: vocabulary.count)
            var denseGradient = [Double](repeating: 0, count: dimension)
            var biasGradient = 0.0
            for row in rows {
                var z = bias
                for id in row.ids { z += ngramWeights[id] * row.scale }
                for j in 0..<dimension { z += denseWeights[j] * row.dense[j] }
                let error = 1 / (1 + exp(-z)) - row.label
                biasGradient += error
                for id in row.ids { ngramGradient[id] += error * row.scale }
                for j in 0..<dimension { denseGradient[j] += error * row.dense[j] }
            }
            bias -= rate * biasGradient / count
            for j in ngramWeights.indices { ngramWeights[j] -= rate * (ngramGradient[j] / count + l2 * ngramWeights[j]) }
            for j in denseWeights.indices { denseWeights[j] -= rate * (denseGradient[j] / count + l2 * denseWeights[j]) }
        }
        let kept = Dictionary(
            uniqueKeysWithValues: zip(vocabulary, ngramWeights).filter { abs($0.1) > 1e-4 }.map { ($0.0, ($0.1 * 1e4).rounded() / 1e4) })
        return Weights(ngramWeights: kept, denseWeights: denseWeights.map { ($0 * 1e4).rounded() / 1e4 }, bias: bias)
    }
}
