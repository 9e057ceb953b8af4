import COpenBLAS
import Foundation

/// The numeric kernels of the encoder: matrix products through OpenBLAS, the rest in SIMD Swift.
enum Kernels {
    typealias Vector = SIMD16<Float>

    /// `output = input · weightᵀ + bias`, with `weight` stored [outputs, inputs] as in PyTorch.
    static func linear(
        _ input: UnsafePointer<Float>, rows: Int, inputs: Int, weight: [Float], bias: [Float], outputs: Int, into output: UnsafeMutablePointer<Float>
    ) {
        bias.withUnsafeBufferPointer { bias in
            for row in 0..<rows { (output + row * outputs).update(from: bias.baseAddress!, count: outputs) }
        }
        weight.withUnsafeBufferPointer { weight in
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(outputs), Int32(inputs), 1, input, Int32(inputs),
                        weight.baseAddress!, Int32(inputs), 1, output, Int32(outputs))
        }
    }

    /// LayerNorm of each row in place.
    static func layerNorm(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, weight: [Float], bias: [Float], epsilon: Float) {
        for row in 0..<rows { normalizeRow(x + row * width, width: width, weight: weight, bias: bias, epsilon: epsilon) }
    }

    /// `x = LayerNorm(x + addend)`, row by row.
    static func addLayerNorm(
        _ x: UnsafeMutablePointer<Float>, adding addend: UnsafePointer<Float>, rows: Int, width: Int, weight: [Float], bias: [Float], epsilon: Float
    ) {
        for row in 0..<rows {
            let target = x + row * width
            let source = addend + row * width
            for i in 0..<width { target[i] += source[i] }
            normalizeRow(target, width: width, weight: weight, bias: bias, epsilon: epsilon)
        }
    }

    private static func normalizeRow(_ row: UnsafeMutablePointer<Float>, width: Int, weight: [Float], bias: [Float], epsilon: Float) {
        // Two passes (mean, then centred variance) keep the error near float32's own.
        var sum = Vector()
        let vectors = width / Vector.scalarCount
        let raw = UnsafeMutableRawPointer(row)
        for v in 0..<vectors { sum += raw.loadUnaligned(fromByteOffset: v * 64, as: Vector.self) }
        let mean = sum.sum() / Float(width)
        var squares = Vector()
        for v in 0..<vectors {
            let centred = raw.loadUnaligned(fromByteOffset: v * 64, as: Vector.self) - mean
            squares += centred * centred
        }
        let inverse = 1 / (squares.sum() / Float(width) + epsilon).squareRoot()
        weight.withUnsafeBufferPointer { weight in
            bias.withUnsafeBufferPointer { bias in
                let w = UnsafeRawPointer(weight.baseAddress!)
                let b = UnsafeRawPointer(bias.baseAddress!)
                for v in 0..<vectors {
                    let value = (raw.loadUnaligned(fromByteOffset: v * 64, as: Vector.self) - mean) * inverse
                    let result = value * w.loadUnaligned(fromByteOffset: v * 64, as: Vector.self) + b.loadUnaligned(fromByteOffset: v * 64, as: Vector.self)
                    raw.storeBytes(of: result, toByteOffset: v * 64, as: Vector.self)
                }
            }
        }
    }

    /// Softmax of each row in place.
    static func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int) {
        for row in 0..<rows {
            let values = x + row * width
            var maximum = -Float.infinity
            for i in 0..<width { maximum = max(maximum, values[i]) }
            var sum: Float = 0
            for i in 0..<width {
                let e = expf(values[i] - maximum)
                values[i] = e
                sum += e
            }
            let inverse = 1 / sum
            for i in 0..<width { values[i] *= inverse }
        }
    }

    /// GELU with the exact (erf) form, `0.5 x (1 + erf(x / √2))`, in place.
    static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        let raw = UnsafeMutableRawPointer(x)
        let vectors = count / Vector.scalarCount
        for v in 0..<vectors {
            let value = raw.loadUnaligned(fromByteOffset: v * 64, as: Vector.self)
            raw.storeBytes(of: 0.5 * value * (1 + erf(value * 0.70710678118654752)), toByteOffset: v * 64, as: Vector.self)
        }
        for i in vectors * Vector.scalarCount..<count { x[i] = 0.5 * x[i] * (1 + erff(x[i] * 0.70710678118654752)) }
    }

    /// erf for float32 as a rational approximation on [-4, 4] (outside, ±1 to float precision); absolute error
    /// under 5e-7, which keeps the embeddings within 1e-5 of the float64 reference.
    @inline(__always)
    static func erf(_ input: Vector) -> Vector {
        let x = input.clamped(lowerBound: Vector(repeating: -4), upperBound: Vector(repeating: 4))
        let x2 = x * x
        var p = x2 * -2.72614225801306e-10 + 2.77068142495902e-08
        p = x2 * p - 2.10102402082508e-06
        p = x2 * p - 5.69250639462346e-05
        p = x2 * p - 7.34990630326855e-04
        p = x2 * p - 2.95459980854025e-03
        p = x2 * p - 1.60960333262415e-02
        p = x * p
        var q = x2 * -1.45660718464996e-05 - 2.13374055278905e-04
        q = x2 * q - 1.68282697438203e-03
        q = x2 * q - 7.37332916720468e-03
        q = x2 * q - 1.42647390514189e-02
        return p / q
    }

    /// The mean of some rows, L2-normalised.
    static func meanPoolNormalized(_ x: [Float], rows: Range<Int>, width: Int) -> [Float] {
        var pooled = [Double](repeating: 0, count: width)
        for row in rows {
            for i in 0..<width { pooled[i] += Double(x[row * width + i]) }
        }
        let norm = max(pooled.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
        return pooled.map { Float($0 / norm) }
    }
}
