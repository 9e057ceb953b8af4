import Foundation

extension BoostedTrees {
    /// Fits trees to examples.
    /// - Parameters:
    ///   - examples: feature vectors.
    ///   - labels: true for positives.
    ///   - names: the features' names.
    ///   - parameters: how to grow the trees.
    public static func fit(examples: [[Double]], labels: [Bool], names: [String], parameters: Parameters = Parameters()) -> BoostedTrees {
        let positives = Double(labels.filter { $0 }.count)
        let rate = min(max(positives / Double(max(1, labels.count)), 1e-6), 1 - 1e-6)
        var model = BoostedTrees(names: names, base: log(rate / (1 - rate)), trees: [], parameters: parameters)
        var margins = [Double](repeating: model.base, count: examples.count)
        let sortedByFeature = names.indices.map { feature in examples.indices.sorted { examples[$0][feature] < examples[$1][feature] } }
        for _ in 0..<parameters.rounds {
            var gradients = [Double](repeating: 0, count: examples.count)
            var hessians = [Double](repeating: 0, count: examples.count)
            for index in examples.indices {
                let p = 1 / (1 + exp(-margins[index]))
                gradients[index] = p - (labels[index] ? 1 : 0)
                hessians[index] = max(p * (1 - p), 1e-6)
            }
            var grower = TreeGrower(examples: examples, gradients: gradients, hessians: hessians, sortedByFeature: sortedByFeature, parameters: parameters)
            let tree = grower.grow()
            for index in examples.indices { margins[index] += value(of: tree, for: examples[index]) }
            model.trees.append(tree)
        }
        return model
    }
}

/// Grows one tree, depth-first, on the examples that `membership` puts in a group.
private struct TreeGrower {
    let examples: [[Double]]
    let gradients: [Double]
    let hessians: [Double]
    let sortedByFeature: [[Int]]
    let parameters: BoostedTrees.Parameters
    var nodes: [BoostedTrees.Node] = []
    var membership: [Int]

    init(examples: [[Double]], gradients: [Double], hessians: [Double], sortedByFeature: [[Int]], parameters: BoostedTrees.Parameters) {
        self.examples = examples
        self.gradients = gradients
        self.hessians = hessians
        self.sortedByFeature = sortedByFeature
        self.parameters = parameters
        membership = [Int](repeating: 0, count: examples.count)
    }

    mutating func grow() -> [BoostedTrees.Node] {
        _ = build(group: 0, depth: 0)
        return nodes
    }

    /// Builds the node for the examples whose membership is `group`; returns its index.
    private mutating func build(group: Int, depth: Int) -> Int {
        var totalGradient = 0.0
        var totalHessian = 0.0
        for index in examples.indices where membership[index] == group {
            totalGradient += gradients[index]
            totalHessian += hessians[index]
        }
        let lambda = parameters.lambda
        let leafValue = -totalGradient / (totalHessian + lambda) * parameters.learningRate
        let nodeIndex = nodes.count
        nodes.append(BoostedTrees.Node(feature: -1, threshold: 0, left: -1, right: -1, value: leafValue))
        guard depth < parameters.depth else { return nodeIndex }
        let parentScore = totalGradient * totalGradient / (totalHessian + lambda)
        var best: (gain: Double, feature: Int, threshold: Double) = (1e-9, -1, 0)
        for feature in sortedByFeature.indices {
            var leftGradient = 0.0
            var leftHessian = 0.0
            var previous: Double?
            for index in sortedByFeature[feature] where membership[index] == group {
                let value = examples[index][feature]
                if let previous, value > previous, leftHessian >= parameters.minimumChildWeight,
                    totalHessian - leftHessian >= parameters.minimumChildWeight
                {
                    let rightGradient = totalGradient - leftGradient
                    let rightHessian = totalHessian - leftHessian
                    let gain = leftGradient * leftGradient / (leftHessian + lambda) + rightGradient * rightGradient / (rightHessian + lambda) - parentScore
                    if gain > best.gain { best = (gain, feature, (previous + value) / 2) }
                }
                leftGradient += gradients[index]
                leftHessian += hessians[index]
                previous = value
            }
        }
        guard best.feature >= 0 else { return nodeIndex }
        let leftGroup = nodes.count * 2 + 1_000_000
        let rightGroup = leftGroup + 1
        for index in examples.indices where membership[index] == group {
            membership[index] = examples[index][best.feature] < best.threshold ? leftGroup : rightGroup
        }
        let left = build(group: leftGroup, depth: depth + 1)
        let right = build(group: rightGroup, depth: depth + 1)
        nodes[nodeIndex] = BoostedTrees.Node(feature: best.feature, threshold: best.threshold, left: left, right: right, value: 0)
        return nodeIndex
    }
}
