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
    public static let dimension = MiniLMEncoder.hidden
    /// The SHA-256 of the all-MiniLM-L6-v2 `model.safetensors` this code is written for.
    public static let weightsSHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
    /// Its size in bytes.
    public static let weightsSize = 90_868_376

    /// The tokenizer.
    public let tokenizer: WordPieceTokenizer
    private let encoder: MiniLMEncoder

    /// Loads the model from a folder holding `model.safetensors` and `vocab.txt`, checking the weights'
    /// size and SHA-256 and every tensor's shape first.
    /// - Parameter modelDirectory: the folder; nil for ``ModelLocation/resolve(environment:)``.
    /// - Throws: ``EmbeddingError`` naming the missing or damaged file and the set-up command.
    public init(modelDirectory: String? = nil) throws(EmbeddingError) {
        let folder = modelDirectory ?? ModelLocation.resolve()
        guard FileManager.default.fileExists(atPath: folder) else { throw .missingModel("the embedding model is not at \(folder)") }
        let weightsPath = folder + "/model.safetensors"
        let vocabularyPath = folder + "/vocab.txt"
        for path in [weightsPath, vocabularyPath] where !FileManager.default.fileExists(atPath: path) {
            throw .missingModel("\(path) is missing")
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: weightsPath)[.size] as? Int) ?? -1
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
        encoder = try MiniLMEncoder(weights: file)
        // Parallelism comes from running batches on several threads, each with a single-threaded BLAS.
        openblas_set_num_threads(1)
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
        encoder.embed([tokenizer.tokenize(text)])[0]
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
            results += encoder.embed(Array(tokens[batch]), pooling: Array(ranges[batch]))
        }
        let aloneVectors = encoder.embed(alone.map(\.tokens))
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
        // Sorting by length keeps each batch's sequences alike, so work per batch is even across threads.
        let order = tokenized.indices.sorted { tokenized[$0].count < tokenized[$1].count }
        let batches = stride(from: 0, to: order.count, by: max(1, batchSize)).map { Array(order[$0..<min($0 + max(1, batchSize), order.count)]) }
        let results = ResultSlots(count: tokenized.count)
        let encoder = encoder
        let work: @Sendable ([Int]) -> Void = { batch in
            let vectors = encoder.embed(batch.map { tokenized[$0] })
            for (index, vector) in zip(batch, vectors) { results.set(index, vector) }
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

    /// `$RUMORCONTROL_MODEL_DIR`, else `$XDG_CACHE_HOME/rumorcontrol/all-MiniLM-L6-v2`, else
    /// `~/.cache/rumorcontrol/all-MiniLM-L6-v2` (where `scripts/fetch-model.sh` puts it).
    public static func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let folder = environment[environmentKey], !folder.isEmpty { return folder }
        let cache = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.cache"
        return cache + "/rumorcontrol/all-MiniLM-L6-v2"
    }
}

/// Output slots written by worker threads, each slot by exactly one; guarded by `lock`.
private final class ResultSlots: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [[Float]]

    init(count: Int) { slots = Array(repeating: [], count: count) }

    func set(_ index: Int, _ vector: [Float]) {
        lock.withLock { slots[index] = vector }
    }

    var values: [[Float]] { lock.withLock { slots } }
}

/// Hands out batch numbers to worker threads; guarded by `lock`.
private final class BatchCounter: @unchecked Sendable {
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
