import Foundation
import RumorTestSupport
import Testing

@testable import RumorMatch

/// The model, loaded once for the whole suite (it takes a second and ~100 MB), in the default precision (8 bits).
let sharedEmbedder = Result { () throws(EmbeddingError) in try SentenceEmbedder(precision: .int8) }
/// The model in 32-bit floats, for parity with the reference to float precision.
let sharedFloat32Embedder = Result { () throws(EmbeddingError) in try SentenceEmbedder(precision: .float32) }

@Suite("Sentence embedder: parity with the reference")
struct SentenceEmbedderTests {
    @Test("token ids equal the reference tokenizer's", arguments: ["dev-posts", "edge-cases"])
    func tokenParity(set: String) throws {
        let embedder = try sharedEmbedder.get()
        let references = try Fixtures.referenceEmbeddings(set)
        #expect(references.count >= 40)
        for reference in references {
            #expect(embedder.tokenizer.tokenize(reference.text) == reference.tokens, "\(set) \(reference.id)")
        }
    }

    @Test("float32 vectors are within 1e-5 of the reference (cosine ≥ 0.99999)", arguments: ["dev-posts", "edge-cases"])
    func vectorParity(set: String) throws {
        let embedder = try sharedFloat32Embedder.get()
        let references = try Fixtures.referenceEmbeddings(set)
        let vectors = embedder.embed(references.map(\.text), batchSize: 32, threads: 2)
        var worst: Float = 0
        for (reference, vector) in zip(references, vectors) {
            #expect(vector.count == 384)
            let maxAbs = zip(vector, reference.vector).map { abs($0 - $1) }.max() ?? .infinity
            let cosine = zip(vector, reference.vector).map(*).reduce(0, +)
            worst = max(worst, maxAbs)
            #expect(maxAbs <= 1e-5, "\(set) \(reference.id): max-abs \(maxAbs)")
            #expect(cosine >= 0.99999, "\(set) \(reference.id): cosine \(cosine)")
        }
        print("\(set): worst max-abs difference \(worst)")
    }

    @Test("8-bit vectors stay within cosine 0.99 of the reference's, and as near to each other", arguments: ["dev-posts", "edge-cases"])
    func quantizedParity(set: String) throws {
        let embedder = try sharedEmbedder.get()
        #expect(embedder.precision == .int8)
        let references = try Fixtures.referenceEmbeddings(set)
        let vectors = embedder.embed(references.map(\.text), batchSize: 32, threads: 2)
        let cosine = { (a: [Float], b: [Float]) in zip(a, b).map(*).reduce(0, +) }
        var worst: Float = 1
        for (reference, vector) in zip(references, vectors) {
            worst = min(worst, cosine(vector, reference.vector))
            #expect(cosine(vector, reference.vector) >= 0.99, "\(set) \(reference.id): cosine \(cosine(vector, reference.vector))")
        }
        // Quantisation moves every vector a little; it must not reorder which texts are near each other.
        for i in 0..<min(references.count, 30) {
            for j in i + 1..<min(references.count, 30) {
                let difference = abs(cosine(vectors[i], vectors[j]) - cosine(references[i].vector, references[j].vector))
                #expect(difference <= 0.02, "\(set) \(references[i].id) with \(references[j].id): \(difference)")
            }
        }
        // Not the float product under another name.
        #expect(worst < 0.99999)
        print("\(set): worst cosine to the reference in 8 bits \(worst)")
    }

    @Test("batch size and thread count do not change the vectors")
    func batchingIsInvisible() throws {
        let embedder = try sharedEmbedder.get()
        let texts = try Fixtures.referenceEmbeddings("dev-posts").prefix(40).map(\.text)
        let one = texts.map { embedder.embed($0) }
        let batched = embedder.embed(texts, batchSize: 7, threads: 2)
        for (a, b) in zip(one, batched) { #expect(zip(a, b).map { abs($0 - $1) }.max()! <= 1e-6) }
    }

    @Test("paraphrases land nearer their rumor than unrelated text")
    func meaning() throws {
        let embedder = try sharedEmbedder.get()
        let rumor = embedder.embed("Thousands of ballots were cast in the names of dead people.")
        let paraphrase = embedder.embed("grandpa's been in the ground since 2012 but he mailed a ballot")
        let unrelated = embedder.embed("Sourdough attempt #4. Finally a decent crumb")
        let similarity = { (a: [Float], b: [Float]) in zip(a, b).map(*).reduce(0, +) }
        #expect(similarity(rumor, paraphrase) > similarity(rumor, unrelated) + 0.2)
    }
}

@Suite("Sentence embedder: missing and damaged model files")
struct ModelFileTests {
    @Test("a missing model folder names the set-up command")
    func missingFolder() {
        #expect(throws: EmbeddingError.missingModel("")) { try SentenceEmbedder(modelDirectory: "/nonexistent/model") }
        do throws(EmbeddingError) {
            _ = try SentenceEmbedder(modelDirectory: "/nonexistent/model")
        } catch {
            #expect(error.message.contains("scripts/fetch-model.sh"))
            #expect(error.message.contains("/nonexistent/model"))
        }
    }

    @Test("truncated weights are refused")
    func truncated() async throws {
        try await withModelCopy { folder in
            let weights = folder.appendingPathComponent("model.safetensors")
            let handle = try FileHandle(forWritingTo: weights)
            try handle.truncate(atOffset: 50_000_000)
            try handle.close()
            #expect(throws: EmbeddingError.invalidModel("")) { try SentenceEmbedder(modelDirectory: folder.path) }
        }
    }

    @Test("weights with a wrong checksum are refused")
    func wrongChecksum() async throws {
        try await withModelCopy { folder in
            let weights = folder.appendingPathComponent("model.safetensors")
            let handle = try FileHandle(forUpdating: weights)
            try handle.seek(toOffset: 60_000_000)
            try handle.write(contentsOf: Data([0x42, 0x42, 0x42, 0x42]))
            try handle.close()
            do throws(EmbeddingError) {
                _ = try SentenceEmbedder(modelDirectory: folder.path)
                Issue.record("a damaged model loaded")
            } catch {
                #expect(error.code == .invalidModel)
                #expect(error.message.contains("SHA-256"))
            }
        }
    }

    @Test("a missing vocabulary is reported")
    func missingVocabulary() async throws {
        try await withModelCopy { folder in
            try FileManager.default.removeItem(at: folder.appendingPathComponent("vocab.txt"))
            #expect(throws: EmbeddingError.missingModel("")) { try SentenceEmbedder(modelDirectory: folder.path) }
        }
    }

    /// A copy of the model folder (weights and vocabulary) that a test may damage.
    private func withModelCopy(_ body: (URL) async throws -> Void) async throws {
        try await withTemporaryFolder { folder in
            let source = URL(fileURLWithPath: ModelLocation.resolve())
            for name in ["model.safetensors", "vocab.txt"] {
                try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: folder.appendingPathComponent(name))
            }
            try await body(folder)
        }
    }
}

@Suite("Sentence embedder: parts pooled from one pass")
struct PooledPartsTests {
    @Test("the whole equals its own embedding; parts are pooled in context, or embedded alone when not found")
    func pooledParts() throws {
        let embedder = try sharedEmbedder.get()
        let text = "dead people voted in michigan. the machines switched votes to biden"
        let parts = ["dead people voted in michigan", "the machines switched votes to biden", "words that are not in the text"]
        let vectors = try #require(embedder.embed(texts: [(text, parts)]).first)
        #expect(vectors.count == 4)
        let cosine = { (a: [Float], b: [Float]) in zip(a, b).map(*).reduce(0, +) }
        #expect(zip(vectors[0], embedder.embed(text)).map { abs($0 - $1) }.max()! <= 1e-6)
        #expect(cosine(vectors[1], embedder.embed(parts[0])) > 0.8)
        #expect(cosine(vectors[1], embedder.embed(parts[0])) > cosine(vectors[1], embedder.embed(parts[1])))
        #expect(zip(vectors[3], embedder.embed(parts[2])).map { abs($0 - $1) }.max()! <= 1e-6)
    }
}

@Suite("Encoder kernels")
struct EncoderKernelTests {
    /// `output = input · weightᵀ + bias` in plain Swift with double accumulation: the reference for both products.
    static func reference(_ input: [Float], rows: Int, _ weight: [Float], outputs: Int, inputs: Int, bias: [Float]) -> [Float] {
        (0..<rows).flatMap { row in
            (0..<outputs).map { output in
                Float((0..<inputs).reduce(Double(bias[output])) { $0 + Double(input[row * inputs + $1]) * Double(weight[output * inputs + $1]) })
            }
        }
    }

    /// A random dense layer of `shape` (inputs drawn from `inputRange`, weights from ±0.2) and its reference output.
    static func problem(_ shape: (rows: Int, inputs: Int, outputs: Int), inputRange: ClosedRange<Float>) -> (
        input: [Float], weight: [Float], bias: [Float], expected: [Float]
    ) {
        var generator = SystemRandomNumberGenerator()
        let input = (0..<shape.rows * shape.inputs).map { _ in Float.random(in: inputRange, using: &generator) }
        let weight = (0..<shape.outputs * shape.inputs).map { _ in Float.random(in: -0.2...0.2, using: &generator) }
        let bias = (0..<shape.outputs).map { _ in Float.random(in: -1...1, using: &generator) }
        return (input, weight, bias, reference(input, rows: shape.rows, weight, outputs: shape.outputs, inputs: shape.inputs, bias: bias))
    }

    @Test(
        "the packed product equals the reference for every row count and panel layout",
        arguments: [
            (rows: 1, inputs: 384, outputs: 1536), (rows: 7, inputs: 1536, outputs: 384), (rows: 13, inputs: 100, outputs: 48),
            (rows: 97, inputs: 70, outputs: 80), (rows: 6, inputs: 384, outputs: 40),
        ])
    func packedProduct(shape: (rows: Int, inputs: Int, outputs: Int)) {
        let (input, weight, bias, expected) = Self.problem(shape, inputRange: -1...1)
        for pack in [true, false] {
            let laidOut = LinearWeight(weight, outputs: shape.outputs, inputs: shape.inputs, pack: pack)
            // Packing needs AVX-512 and a multiple of 16 outputs; otherwise the weight stays as it is.
            #expect(laidOut.isPacked == (pack && LinearWeight.processorPacks && shape.outputs % 16 == 0))
            var output = [Float](repeating: .nan, count: shape.rows * shape.outputs)
            input.withUnsafeBufferPointer { input in
                output.withUnsafeMutableBufferPointer {
                    Kernels.linear(input.baseAddress!, rows: shape.rows, weight: laidOut, bias: bias, into: $0.baseAddress!)
                }
            }
            let worst = zip(output, expected).map { abs($0 - $1) }.max()!
            #expect(worst <= 1e-4, "packed \(laidOut.isPacked): worst difference \(worst)")
        }
    }

    @Test(
        "the 8-bit product is within 2% of the float one, and every processor's loop gives the same bits",
        arguments: [(rows: 1, inputs: 384, outputs: 1536), (rows: 7, inputs: 1536, outputs: 384), (rows: 13, inputs: 64, outputs: 48)])
    func quantizedProduct(shape: (rows: Int, inputs: Int, outputs: Int)) {
        let (input, weight, bias, expected) = Self.problem(shape, inputRange: -2...2)
        let quantized = LinearWeight(weight, outputs: shape.outputs, inputs: shape.inputs, quantize: true)
        #expect(quantized.quantized != nil && quantized.values.isEmpty)
        let product = { (loop: Kernels.Int8Loop) in
            var output = [Float](repeating: .nan, count: shape.rows * shape.outputs)
            input.withUnsafeBufferPointer { input in
                output.withUnsafeMutableBufferPointer {
                    Kernels.linear(input.baseAddress!, rows: shape.rows, weight: quantized, bias: bias, into: $0.baseAddress!, int8Loop: loop)
                }
            }
            return output
        }
        let fast = product(.best)
        for loop in [Kernels.Int8Loop.avx2, .portable] {
            #expect(product(loop).map(\.bitPattern) == fast.map(\.bitPattern), "\(loop)")
        }
        let scale = expected.map(abs).max()!
        let worst = zip(fast, expected).map { abs($0 - $1) }.max()!
        #expect(worst <= 0.02 * scale, "worst difference \(worst) against outputs up to \(scale)")
        #expect(worst > 0, "an 8-bit product that equals the float one exactly is not quantising")
    }

    @Test("similarity rows give every query's dot product with every row, whatever the row count", arguments: [1, 16, 17, 40])
    func similarityRows(count: Int) {
        let dimension = SentenceEmbedder.dimension
        var generator = SystemRandomNumberGenerator()
        let rows = (0..<count * dimension).map { _ in Float.random(in: -0.1...0.1, using: &generator) }
        let queries = (0..<3).map { _ in (0..<dimension).map { _ in Float.random(in: -0.1...0.1, using: &generator) } }
        let similarities = SimilarityRows(rows, count: count).similarities(queries)
        let expected = Self.reference(
            queries.flatMap { $0 }, rows: 3, rows, outputs: count, inputs: dimension, bias: .init(repeating: 0, count: count))
        #expect(similarities.count == 3 * count)
        #expect(zip(similarities, expected).allSatisfy { abs($0 - $1) <= 1e-5 })
    }
}
