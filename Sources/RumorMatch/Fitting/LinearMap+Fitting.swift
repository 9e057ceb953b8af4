import COpenBLAS
import Foundation

extension LinearMap {
    /// The ridge penalty used by ``MatcherFitting``.
    public static let l2 = 0.01

    /// The map `W` (row-major, `[input, output]`) minimising `|X W - Y|^2 + l2 |W|^2`.
    /// - Parameters:
    ///   - inputs: the rows of X, one vector per text.
    ///   - targets: the rows of Y, the vector each text should map to.
    public static func fit(inputs: [[Float]], targets: [[Float]], l2: Double = l2) -> [Float] {
        let d = SentenceEmbedder.dimension
        let n = min(inputs.count, targets.count)
        let x = inputs.prefix(n).flatMap { $0.map(Double.init) }
        let y = targets.prefix(n).flatMap { $0.map(Double.init) }
        var gram = [Double](repeating: 0, count: d * d)
        var cross = [Double](repeating: 0, count: d * d)
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(d), Int32(d), Int32(n), 1, x, Int32(d), x, Int32(d), 0, &gram, Int32(d))
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(d), Int32(d), Int32(n), 1, x, Int32(d), y, Int32(d), 0, &cross, Int32(d))
        for i in 0..<d { gram[i * d + i] += l2 }
        // Cholesky: gram = L L^T (positive definite thanks to the penalty), then two triangular solves per column.
        var lower = [Double](repeating: 0, count: d * d)
        for i in 0..<d {
            for j in 0...i {
                var sum = gram[i * d + j]
                for k in 0..<j { sum -= lower[i * d + k] * lower[j * d + k] }
                lower[i * d + j] = i == j ? sum.squareRoot() : sum / lower[j * d + j]
            }
        }
        var map = [Float](repeating: 0, count: d * d)
        var column = [Double](repeating: 0, count: d)
        for output in 0..<d {
            for i in 0..<d {
                var sum = cross[i * d + output]
                for k in 0..<i { sum -= lower[i * d + k] * column[k] }
                column[i] = sum / lower[i * d + i]
            }
            for i in stride(from: d - 1, through: 0, by: -1) {
                var sum = column[i]
                for k in (i + 1)..<d { sum -= lower[k * d + i] * column[k] }
                column[i] = sum / lower[i * d + i]
            }
            for i in 0..<d { map[i * d + output] = Float(column[i]) }
        }
        return map
    }
}
