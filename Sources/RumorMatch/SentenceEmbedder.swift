import COpenBLAS
import Crypto
import Foundation
import RumorCore

/// all-MiniLM-L6-v2 sentence embeddings, in process: text in, a 384-float unit vector out, equal to
/// sentence-transformers' to about 1e-6.
///
/// Load once (``init(modelDirectory:)`` reads and checks ~91 MB of weights) and share: the embedder is an
/// immutable value and safe to use from many tasks at once.
public struct SentenceEmbedder: Sendable {
    /// The vector size.
    public static let dimension = BertEncoder.hidden
    /// The SHA-256 of the all-MiniLM-L6-v2 `model.safetensors` this code is written for.
    public static let weightsSHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
    /// Its size in bytes.
    public static let weightsSize = 90_868_376

    /// How the encoder's dense layers multiply.
    public enum Precision: String, Sendable, Hashable, Codable, CaseIterable {
        /// 32-bit floats throughout: the reference's vectors to about 1e-7.
        case float32
        /// Weights quantised to 8 bits per output and each layer's input to 8 bits per token (dynamic
        /// quantisation), summed exactly in 32-bit integers: vectors within cosine 0.99 of the reference's, about
        /// 2.5x the speed on a processor with AVX-512 VNNI. The same bits on every processor (VNNI, else AVX2, else
        /// plain C), but slower than float32 without VNNI.
        case int8

        /// The precision of embedders made without one: `$RUMORCONTROL_ENCODER_PRECISION` when set to a
        /// precision's name, else ``int8``.
        public static var standard: Precision {
            ProcessInfo.processInfo.environment["RUMORCONTROL_ENCODER_PRECISION"].flatMap(Precision.init(rawValue:)) ?? .int8
        }
    }

    /// The tokenizer.
    public let tokenizer: WordPieceTokenizer
    /// How the encoder multiplies.
    public let precision: Precision
    let encoder: BertEncoder
    /// The folder the model was read from.
    private let folder: String
    /// Per-token vectors, when this is the fast approximation (``tokenVectorEmbedder()``); nil for the encoder.
    private let tokenVectors: [Float]?
    /// Whether vectors come from per-token vectors rather than the encoder.
    public var usesTokenVectors: Bool { tokenVectors != nil }

    /// Loads the model from a folder holding `model.safetensors` and `vocab.txt`, checking the weights'
    /// size and SHA-256 and every tensor's shape first.
    /// - Parameters:
    ///   - modelDirectory: the folder; nil for ``ModelLocation/resolve(environment:)``.
    ///   - precision: how the encoder multiplies; a matcher's embedder takes its model's
    ///     (``MatcherModel/encoderPrecision``).
    /// - Throws: ``EmbeddingError`` naming the missing or damaged file and the set-up command.
    public init(modelDirectory: String? = nil, precision: Precision = .standard) throws(EmbeddingError) {
        let folder = modelDirectory ?? ModelLocation.resolve()
        guard FileManager.default.fileExists(atPath: folder) else { throw .missingModel("the embedding model is not at \(folder)") }
        let weightsPath = folder + "/model.safetensors"
        let vocabularyPath = folder + "/vocab.txt"
        for path in [weightsPath, vocabularyPath] where !FileManager.default.fileExists(atPath: path) {
            throw .missingModel("\(path) is missing")
        }
        // The size of the file itself, also when the folder holds a symbolic link to it.
        let resolvedWeights = URL(fileURLWithPath: weightsPath).resolvingSymlinksInPath().path
        let size = (try? FileManager.default.attributesOfItem(atPath: resolvedWeights)[.size] as? Int) ?? -1
        guard size == Self.weightsSize else {
            throw .invalidModel("\(weightsPath) has \(size) bytes, expected \(Self.weightsSize) (a truncated or different file)")
        }
        let file = try SafetensorsFile(path: weightsPath)
        let digest: String
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: weightsPath), options: .alwaysMapped)
            digest = Hex.encode(SHA256.hash(data: data))
        } catch {
            throw .missingModel("\(weightsPath) cannot be read (\(error.localizedDescription))")
        }
        guard digest == Self.weightsSHA256 else {
            throw .invalidModel("\(weightsPath) has SHA-256 \(digest), expected \(Self.weightsSHA256) (damaged, or another model)")
        }
        guard let vocabulary = try? String(contentsOfFile: vocabularyPath, encoding: .utf8) else {
            throw .invalidModel("\(vocabularyPath) is not readable UTF-8 text")
        }
        tokenizer = try WordPieceTokenizer(vocabularyFile: vocabulary)
        encoder = try BertEncoder(weights: file, quantized: precision == .int8)
        self.precision = precision
        self.folder = folder
        tokenVectors = nil
        // Parallelism comes from running batches on several threads, each with a single-threaded BLAS.
        openblas_set_num_threads(1)
    }

    private init(_ base: SentenceEmbedder, tokenVectors: [Float]?) {
        tokenizer = base.tokenizer
        precision = base.precision
        encoder = base.encoder
        folder = base.folder
        self.tokenVectors = tokenVectors
    }

    /// The name of the file, in the model's folder, that keeps ``tokenVectorEmbedder()``'s vectors between runs
    /// (one per precision: the vectors come from the encoder).
    public var tokenVectorFile: String {
        "rumorcontrol-token-vectors-\(Self.weightsSHA256.prefix(12))\(precision == .float32 ? "" : "-" + precision.rawValue).bin"
    }
    private static let tokenVectorMagic = Array("RCTOKV01".utf8)

    /// A fast approximation of this embedder, for the matcher's quick stage: every vocabulary token gets the vector
    /// the encoder gives it alone (`[CLS] token [SEP]`, mean-pooled), times `map` when one is given (``LinearMap``),
    /// and a text's vector is the normalised mean of its tokens' vectors: no encoder pass per text.
    ///
    /// The 30,522 vectors take the encoder about 8 s on two cores; they are kept in ``tokenVectorFile`` in the
    /// model's folder (written atomically, with a SHA-256 of its contents) and read from there afterwards. Where the
    /// folder cannot be written, they are computed for this process only.
    /// - Parameter map: a `dimension x dimension` row-major matrix applied to each token's vector, or nil.
    public func tokenVectorEmbedder(map: [Float]? = nil) -> SentenceEmbedder {
        let vectors = plainTokenVectors()
        guard let map, map.count == Self.dimension * Self.dimension else { return SentenceEmbedder(self, tokenVectors: vectors) }
        return SentenceEmbedder(self, tokenVectors: LinearMap.apply(map, toRows: vectors))
    }

    /// Every token's own vector, from ``tokenVectorFile`` or computed (and saved there).
    private func plainTokenVectors() -> [Float] {
        let path = folder + "/" + tokenVectorFile
        let size = BertEncoder.miniLMVocabularySize * Self.dimension
        if let data = FileManager.default.contents(atPath: path), data.count == 40 + size * 4,
            Array(data.prefix(8)) == Self.tokenVectorMagic, Array(data[8..<40]) == Array(SHA256.hash(data: data.dropFirst(40)))
        {
            return data.dropFirst(40).withUnsafeBytes { Float32Bytes.decode($0, count: size) }
        }
        let vocabulary = (0..<Int32(BertEncoder.miniLMVocabularySize)).map { [WordPieceTokenizer.classifyID, $0, WordPieceTokenizer.separatorID] }
        let encoderOnly = SentenceEmbedder(self, tokenVectors: nil)
        let vectors = encoderOnly.embed(tokenized: vocabulary, batchSize: 64, threads: 2).flatMap { $0 }
        let payload = Float32Bytes.encode(vectors)
        let file = Data(Self.tokenVectorMagic) + Data(SHA256.hash(data: payload)) + payload
        // Another process may write the same file at the same time; each writes its own and renames it into place.
        let temporary = path + ".\(ProcessInfo.processInfo.processIdentifier).tmp"
        // A folder that cannot be written (or a full disk) leaves no file behind: the vectors serve this process only.
        if !FileManager.default.createFile(atPath: temporary, contents: file) || rename(temporary, path) != 0 {
            try? FileManager.default.removeItem(atPath: temporary)
        }
        return vectors
    }

    /// Vectors for whole sequences and for token ranges of them: from the encoder, or from per-token vectors.
    private func vectors(_ sequences: [[Int32]], pooling ranges: [[Range<Int>]]) -> [[[Float]]] {
        guard let tokenVectors else { return encoder.embed(sequences, pooling: ranges) }
        let h = Self.dimension
        return zip(sequences, ranges).map { ids, parts in
            var rows = [Float](repeating: 0, count: ids.count * h)
            for (position, id) in ids.enumerated() {
                let token = (0..<BertEncoder.miniLMVocabularySize).contains(Int(id)) ? Int(id) : Int(WordPieceTokenizer.unknownID)
                for i in 0..<h { rows[position * h + i] = tokenVectors[token * h + i] }
            }
            // The whole text without [CLS] and [SEP], whose vectors are the same for every text.
            let whole = ids.count > 2 ? 1..<ids.count - 1 : 0..<ids.count
            return ([whole] + parts).map { Kernels.meanPoolNormalized(rows, rows: $0, width: h) }
        }
    }

    /// Embeds texts.
    /// - Parameters:
    ///   - texts: the texts; each is truncated to 256 tokens.
    ///   - batchSize: how many texts go through the encoder together (sorted by length first).
    ///   - threads: how many threads share the batches.
    /// - Returns: one unit vector per text, in order.
    public func embed(_ texts: [String], batchSize: Int = 32, threads: Int = 1) -> [[Float]] {
        embed(tokenized: texts.map(tokenizer.tokenize), batchSize: batchSize, threads: threads)
    }

    /// Embeds one text.
    public func embed(_ text: String) -> [Float] {
        vectors([tokenizer.tokenize(text)], pooling: [[]])[0][0]
    }

    /// Embeds texts and parts of them in one encoder pass per text: the vector of each text, then one per part,
    /// mean-pooled from the text's token states over the part's tokens. A part whose tokens cannot be found in the
    /// text's (cut off by truncation, say) is embedded on its own.
    /// - Parameters:
    ///   - texts: each text with its parts (substrings that start and end at word boundaries).
    /// - Returns: per text, its vector followed by one vector per part.
    public func embed(texts: [(text: String, parts: [String])], batchSize: Int = 32) -> [[[Float]]] {
        let tokens = texts.map { tokenizer.tokenize($0.text) }
        var alone: [(text: Int, part: Int, tokens: [Int32])] = []
        let ranges: [[Range<Int>]] = texts.indices.map { index in
            texts[index].parts.enumerated().map { part, string in
                let pieces = Array(tokenizer.tokenize(string).dropFirst().dropLast())
                if let range = Self.find(pieces, in: tokens[index]) { return range }
                alone.append((index, part, tokenizer.tokenize(string)))
                return 0..<0
            }
        }
        var results: [[[Float]]] = []
        for start in stride(from: 0, to: texts.count, by: max(1, batchSize)) {
            let batch = start..<min(start + max(1, batchSize), texts.count)
            results += vectors(Array(tokens[batch]), pooling: Array(ranges[batch]))
        }
        let aloneVectors = vectors(alone.map(\.tokens), pooling: alone.map { _ in [] }).map { $0[0] }
        for (item, vector) in zip(alone, aloneVectors) { results[item.text][item.part + 1] = vector }
        return results
    }

    /// Where a run of word pieces occurs in a tokenised text (after `[CLS]`, before `[SEP]`).
    static func find(_ pieces: [Int32], in tokens: [Int32]) -> Range<Int>? {
        guard !pieces.isEmpty, tokens.count >= pieces.count + 2 else { return nil }
        for start in 1...(tokens.count - 1 - pieces.count) where tokens[start] == pieces[0] {
            if tokens[start..<start + pieces.count].elementsEqual(pieces) { return start..<start + pieces.count }
        }
        return nil
    }

    /// Embeds token sequences (from ``tokenizer``).
    public func embed(tokenized: [[Int32]], batchSize: Int = 32, threads: Int = 1) -> [[Float]] {
        let embedder = self
        return EncoderBatches.embed(tokenized, batchSize: batchSize, threads: threads) { embedder.vectors($0, pooling: $0.map { _ in [] }).map { $0[0] } }
    }
}

/// Runs token sequences through an encoder in batches of like lengths, on several threads.
enum EncoderBatches {
    /// One vector per sequence, in order; `encode` embeds one batch.
    static func embed(_ tokenized: [[Int32]], batchSize: Int, threads: Int, encode: @escaping @Sendable ([[Int32]]) -> [[Float]]) -> [[Float]] {
        // Sorting by length keeps each batch's sequences alike, so work per batch is even across threads.
        let order = tokenized.indices.sorted { tokenized[$0].count < tokenized[$1].count }
        let batches = stride(from: 0, to: order.count, by: max(1, batchSize)).map { Array(order[$0..<min($0 + max(1, batchSize), order.count)]) }
        let results = ResultSlots(count: tokenized.count)
        let work: @Sendable ([Int]) -> Void = { batch in
            for (index, vector) in zip(batch, encode(batch.map { tokenized[$0] })) { results.set(index, vector) }
        }
        if threads <= 1 {
            batches.forEach(work)
        } else {
            let next = BatchCounter()
            DispatchQueue.concurrentPerform(iterations: min(threads, batches.count)) { _ in
                while let index = next.take(below: batches.count) { work(batches[index]) }
            }
        }
        return results.values
    }
}

/// Where the model files are.
public enum ModelLocation {
    /// The environment variable naming the model folder.
    public static let environmentKey = "RUMORCONTROL_MODEL_DIR"

    /// The environment variable naming the multilingual model's folder.
    public static let multilingualEnvironmentKey = "RUMORCONTROL_MULTILINGUAL_MODEL_DIR"

    /// `$RUMORCONTROL_MODEL_DIR`, else `$XDG_CACHE_HOME/rumorcontrol/all-MiniLM-L6-v2`, else
    /// `~/.cache/rumorcontrol/all-MiniLM-L6-v2` (where `scripts/fetch-model.sh` puts it).
    public static func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        folder(environment: environment, key: environmentKey, name: "all-MiniLM-L6-v2")
    }

    /// The same for the multilingual model (``MultilingualEmbedder``): `$RUMORCONTROL_MULTILINGUAL_MODEL_DIR`, else
    /// `rumorcontrol/multilingual-e5-small` in the cache folder.
    public static func resolveMultilingual(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        folder(environment: environment, key: multilingualEnvironmentKey, name: "multilingual-e5-small")
    }

    private static func folder(environment: [String: String], key: String, name: String) -> String {
        if let folder = environment[key], !folder.isEmpty { return folder }
        let cache = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.cache"
        return cache + "/rumorcontrol/" + name
    }
}

/// Output slots written by worker threads, each slot by exactly one; guarded by `lock`.
final class ResultSlots: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [[Float]]

    init(count: Int) { slots = Array(repeating: [], count: count) }

    func set(_ index: Int, _ vector: [Float]) {
        lock.withLock { slots[index] = vector }
    }

    var values: [[Float]] { lock.withLock { slots } }
}

/// Hands out batch numbers to worker threads; guarded by `lock`.
final class BatchCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0

    func take(below limit: Int) -> Int? {
        lock.withLock {
            guard next < limit else { return nil }
            defer { next += 1 }
            return next
        }
    }
}
