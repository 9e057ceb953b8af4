import CKernels
import COpenBLAS
import Foundation

/// The numeric kernels of the encoder: matrix products through OpenBLAS, the rest in SIMD Swift.
enum Kernels {
    typealias Vector = SIMD16<Float>

    /// The loops that multiply an 8-bit weight; they give the same bits, and tests compare them.
    enum Int8Loop: CaseIterable {
        /// The processor's fastest: AVX-512 VNNI, else AVX2, else plain C.
        case best
        /// AVX2 with 16-bit products (where the processor has AVX2).
        case avx2
        /// Plain C.
        case portable
    }

    /// `output = input · weightᵀ + bias`; in 8 bits, by `int8Loop`, when the weight is ``LinearWeight/quantized``.
    static func linear(
        _ input: UnsafePointer<Float>, rows: Int, weight: LinearWeight, bias: [Float], into output: UnsafeMutablePointer<Float>,
        int8Loop: Int8Loop = .best
    ) {
        let (inputs, outputs) = (weight.inputs, weight.outputs)
        guard rows > 0 else { return }
        if let quantized = weight.quantized {
            var scratch = [UInt8](repeating: 0, count: rows * (inputs + 8))
            let product =
                switch int8Loop {
                case .best: rc_linear_int8
                case .avx2: rc_has_avx2() != 0 ? rc_linear_int8_avx2 : rc_linear_int8_portable
                case .portable: rc_linear_int8_portable
                }
            product(input, rows, inputs, quantized.values, quantized.scales, quantized.sums, bias, outputs, output, &scratch)
            return
        }
        if weight.isPacked {
            weight.values.withUnsafeBufferPointer { packed in
                bias.withUnsafeBufferPointer { bias in
                    rc_linear_packed(input, rows, inputs, packed.baseAddress!, bias.baseAddress!, outputs, output)
                }
            }
            return
        }
        bias.withUnsafeBufferPointer { bias in
            for row in 0..<rows { (output + row * outputs).update(from: bias.baseAddress!, count: outputs) }
        }
        weight.values.withUnsafeBufferPointer { weight in
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(outputs), Int32(inputs), 1, input, Int32(inputs),
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
                    let result =
                        value * w.loadUnaligned(fromByteOffset: v * 64, as: Vector.self) + b.loadUnaligned(fromByteOffset: v * 64, as: Vector.self)
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

    /// GELU with the exact (erf) form, `0.5 x (1 + erf(x / √2))`, in place (in C, where the loop vectorises
    /// reliably: see `CKernels`).
    static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        rc_gelu(x, count)
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

/// A dense layer's weight, laid out for the fastest matrix product the processor has.
///
/// With AVX-512 the weight is packed once, at load, into panels of 16 outputs for `rc_linear_packed`, whose
/// register-blocked loop beats a general matrix product on the encoder's short batches (a general product repacks
/// the whole weight on every call). Elsewhere it stays as PyTorch stores it and OpenBLAS multiplies.
struct LinearWeight: Sendable {
    /// The layer's output width.
    let outputs: Int
    /// The layer's input width.
    let inputs: Int
    /// `[outputs, inputs]` as in PyTorch, or the panels of `rc_pack_weights` when ``isPacked``; empty when
    /// ``quantized``.
    let values: [Float]
    /// Whether ``values`` is packed.
    let isPacked: Bool
    /// The weight in 8 bits, for `rc_linear_int8`; nil for a float product.
    let quantized: QuantizedWeight?

    /// A weight quantised to int8 per output (scale: the output's largest weight / 127), laid out by
    /// `rc_quantize_weights`, with each output's scale and sum of quantised weights.
    struct QuantizedWeight: Sendable {
        let values: [Int8]
        let scales: [Float]
        let sums: [Int32]
    }

    /// The environment variable that, set to `openblas`, keeps every weight unpacked (to compare the two products).
    static let kernelEnvironmentKey = "RUMORCONTROL_ENCODER_KERNEL"

    /// Whether this processor can run the packed product (AVX-512).
    static let processorPacks = rc_has_avx512() != 0

    /// Whether weights are packed by default: the processor can, and the environment does not ask for OpenBLAS.
    static let packs = processorPacks && ProcessInfo.processInfo.environment[kernelEnvironmentKey] != "openblas"

    /// Lays out a weight stored `[outputs, inputs]`: quantised to 8 bits when `quantize` is true and both sizes
    /// are multiples of 16; else packed when `pack` is true, the processor can, and the outputs are a multiple of 16.
    init(_ weight: [Float], outputs: Int, inputs: Int, pack: Bool = LinearWeight.packs, quantize: Bool = false) {
        self.outputs = outputs
        self.inputs = inputs
        if quantize && outputs % 16 == 0 && inputs % 16 == 0 {
            var values = [Int8](repeating: 0, count: weight.count)
            var scales = [Float](repeating: 0, count: outputs)
            var sums = [Int32](repeating: 0, count: outputs)
            weight.withUnsafeBufferPointer { rc_quantize_weights($0.baseAddress!, outputs, inputs, &values, &scales, &sums) }
            quantized = QuantizedWeight(values: values, scales: scales, sums: sums)
            self.values = []
            isPacked = false
            return
        }
        quantized = nil
        isPacked = pack && Self.processorPacks && outputs % 16 == 0
        guard isPacked else {
            values = weight
            return
        }
        values = [Float](unsafeUninitializedCapacity: weight.count) { buffer, count in
            weight.withUnsafeBufferPointer { rc_pack_weights($0.baseAddress!, outputs, inputs, buffer.baseAddress!) }
            count = weight.count
        }
    }
}

/// Rows of vectors that texts are compared with (an entry's anchors, the exemplars), laid out once, at build, for the
/// fastest product: packed as a dense layer's weight is (``LinearWeight``), the count padded with zero rows to a
/// multiple of 16. A general matrix product would repack every row on every query, which was most of the time the
/// quick stage spent per post.
struct SimilarityRows: Sendable {
    /// The number of rows.
    let count: Int
    private let weight: LinearWeight
    private let zeroBias: [Float]

    /// Lays out `count` rows of the embedding dimension, row after row in `vectors`.
    init(_ vectors: [Float], count: Int) {
        let dimension = SentenceEmbedder.dimension
        let padded = (count + 15) / 16 * 16
        self.count = count
        weight = LinearWeight(vectors + [Float](repeating: 0, count: (padded - count) * dimension), outputs: padded, inputs: dimension)
        zeroBias = [Float](repeating: 0, count: padded)
    }

    /// Dot products of each vector with each row, as `[vector * count + row]`; cosine similarities when both sides
    /// are unit vectors.
    func similarities(_ vectors: [[Float]]) -> [Float] {
        let padded = weight.outputs
        guard count > 0, !vectors.isEmpty else { return [] }
        let input = vectors.flatMap { $0 }
        var product = [Float](repeating: 0, count: vectors.count * padded)
        input.withUnsafeBufferPointer { input in
            product.withUnsafeMutableBufferPointer { output in
                Kernels.linear(input.baseAddress!, rows: vectors.count, weight: weight, bias: zeroBias, into: output.baseAddress!)
            }
        }
        guard padded != count else { return product }
        return (0..<vectors.count).flatMap { product[$0 * padded..<$0 * padded + count] }
    }
}
