import Foundation

/// A logistic-regression model over standardised features: `p = σ(b + Σ wᵢ (xᵢ − μᵢ) / σᵢ)`.
///
/// Small, inspectable and fitted in a second by ``fit(examples:labels:names:l2:iterations:)``; its
/// coefficients are data that ships with the code (see ``MatcherModel``).
public struct LogisticModel: Sendable, Hashable, Codable {
    /// The features' names, for people reading the coefficients.
    public var names: [String]
    /// The features' means on the fitting data.
    public var means: [Double]
    /// The features' standard deviations on the fitting data (1 where constant).
    public var scales: [Double]
    /// One weight per standardised feature.
    public var weights: [Double]
    /// The intercept.
    public var bias: Double

    /// Creates a model from its coefficients.
    public init(names: [String], means: [Double], scales: [Double], weights: [Double], bias: Double) {
        self.names = names
        self.means = means
        self.scales = scales
        self.weights = weights
        self.bias = bias
    }

    /// The probability of the positive class.
    public func probability(_ features: [Double]) -> Double {
        var z = bias
        for index in weights.indices { z += weights[index] * (features[index] - means[index]) / scales[index] }
        return 1 / (1 + exp(-z))
    }

    /// Fits by full-batch gradient descent on the L2-regularised log loss.
    /// - Parameters:
    ///   - examples: one feature vector per example.
    ///   - labels: true for positives.
    ///   - names: the features' names.
    ///   - l2: the ridge penalty on the weights (not the intercept).
    ///   - iterations: gradient steps.
    public static func fit(examples: [[Double]], labels: [Bool], names: [String], l2: Double = 1e-3, iterations: Int = 3000) -> LogisticModel {
        let count = Double(max(1, examples.count))
        let width = names.count
        let means = (0..<width).map { j in examples.reduce(0) { $0 + $1[j] } / count }
        let scales = (0..<width).map { j -> Double in
            let variance = examples.reduce(0) { $0 + ($1[j] - means[j]) * ($1[j] - means[j]) } / count
            return variance > 1e-12 ? variance.squareRoot() : 1
        }
        let standardized = examples.map { row in (0..<width).map { (row[$0] - means[$0]) / scales[$0] } }
        var weights = [Double](repeating: 0, count: width)
        var bias = 0.0
        let rate = 0.5
        for _ in 0..<iterations {
            var gradient = [Double](repeating: 0, count: width)
            var biasGradient = 0.0
            for (row, label) in zip(standardized, labels) {
                var z = bias
                for j in 0..<width { z += weights[j] * row[j] }
                let error = 1 / (1 + exp(-z)) - (label ? 1 : 0)
                biasGradient += error
                for j in 0..<width { gradient[j] += error * row[j] }
            }
            bias -= rate * biasGradient / count
            for j in 0..<width { weights[j] -= rate * (gradient[j] / count + l2 * weights[j]) }
        }
        return LogisticModel(names: names, means: means, scales: scales, weights: weights, bias: bias)
    }
}
