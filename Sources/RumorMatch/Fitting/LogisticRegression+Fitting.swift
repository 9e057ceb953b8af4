import Foundation

extension LogisticRegression {
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
