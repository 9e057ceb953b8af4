import Crypto
import Foundation
import RumorCore

/// The verification stage: a cross-encoder that reads a post and an entry's rumor together and says whether the post
/// asserts the rumor, denies it, or is about something else.
///
/// The retrieval and scoring stages compare a post with an entry through pooled vectors and word features, which
/// cannot see what a negation applies to ("poll watchers were not allowed in" asserts a rumor that "poll watchers
/// were not kept out" denies). Here both texts go through the encoder as one sequence, `[CLS] post [SEP] rumor [SEP]`
/// with the rumor as token type 1, so every layer's attention relates the post's words to the rumor's. It is
/// all-MiniLM-L6-v2 with its top two layers, and a linear head over the L2-normalised mean of the final states,
/// fine-tuned on the training posts and the entries' own phrasings and corrections (`scripts/fit_verifier.py`); the
/// lower layers and the embeddings are the English encoder's own, shared with it in memory.
///
/// The matcher asks it only about candidates that would be labelled or sent to review in an English post
/// (``RumorMatcher``): a label whose post, read this way, does not assert the rumor (``Judgement/asserts`` below
/// ``vetoBelow``) goes to review instead, and a review item it surely asserts (at least ``promoteFrom``) is labelled.
public struct PairVerifier: Sendable {
    /// The three readings, in the order of the head's outputs.
    public static let readings = ["asserts", "denies", "unrelated"]

    /// The probabilities of the three readings of one (post, rumor) pair.
    public struct Judgement: Sendable, Hashable {
        /// That the post asserts the rumor.
        public var asserts: Double
        /// That it denies it.
        public var denies: Double
        /// That it is about something else.
        public var unrelated: Double
    }

    /// The SHA-256 of the verifier built into RumorMatch (`Resources/verifier.safetensors`).
    public static let shippedSHA256 = "a7b63b69fb425d1a9243a385f3a267b01f92362438d550dfddb8bf1e1e99c3bc"

    /// A label is demoted to review when the post's probability of asserting the rumor is below this.
    public let vetoBelow: Double
    /// A review item is labelled when the post's probability of asserting the rumor is at least this (above 1: never).
    public let promoteFrom: Double
    /// The file the weights were read from.
    public let path: String
    private let encoder: BertEncoder
    private let tokenizer: WordPieceTokenizer
    private let headWeight: [Float]
    private let headBias: [Float]
    private let postTokens: Int
    private let rumorTokens: Int

    /// Reads a verifier file written by `scripts/fit_verifier.py` and builds it on `embedder`'s encoder.
    /// - Parameters:
    ///   - path: the `.safetensors` file; nil for the one built into RumorMatch.
    ///   - embedder: the English encoder (float or 8-bit; the verifier multiplies as it does).
    ///   - vetoBelow: overrides the file's veto threshold (its `veto_below` metadata).
    ///   - promoteFrom: overrides the file's promotion threshold (its `promote_from` metadata).
    /// - Throws: ``EmbeddingError`` naming the file and what is wrong with it: missing, damaged (the built-in file's
    ///   SHA-256 differs), fitted on another base encoder, or with tensors of the wrong shape.
    public init(path: String? = nil, embedder: SentenceEmbedder, vetoBelow: Double? = nil, promoteFrom: Double? = nil) throws(EmbeddingError) {
        let resolved: String
        if let path {
            resolved = path
        } else {
            guard let url = Bundle.module.url(forResource: "verifier", withExtension: "safetensors") else {
                throw .missingModel("the verifier (verifier.safetensors) is missing from this build; rebuild RumorControl from a clean checkout")
            }
            resolved = url.path
            let digest: String
            do {
                digest = Hex.encode(SHA256.hash(data: try Data(contentsOf: url, options: .alwaysMapped)))
            } catch {
                throw .missingModel("\(resolved) cannot be read (\(error.localizedDescription))")
            }
            guard digest == Self.shippedSHA256 else {
                throw .invalidModel("\(resolved) has SHA-256 \(digest), expected \(Self.shippedSHA256) (damaged); rebuild RumorControl from a clean checkout")
            }
        }
        let file = try SafetensorsFile(path: resolved)
        let metadata = file.metadata
        guard metadata["labels"] == Self.readings.joined(separator: ","),
            let first = metadata["first_tuned_layer"].flatMap(Int.init), (0..<6).contains(first),
            let postTokens = metadata["post_tokens"].flatMap(Int.init), let rumorTokens = metadata["rumor_tokens"].flatMap(Int.init),
            postTokens > 0, rumorTokens > 0, postTokens + rumorTokens + 3 <= BertEncoder.maximumPositions
        else {
            throw .invalidModel("\(resolved) is not a verifier written by scripts/fit_verifier.py (its metadata lacks labels, layers or token counts)")
        }
        guard metadata["base_model_sha256"] == SentenceEmbedder.weightsSHA256 else {
            throw .invalidModel(
                "\(resolved) was fitted on another base encoder (\(metadata["base_model_sha256"] ?? "none named")); refit it with scripts/fit_verifier.py")
        }
        let threshold = vetoBelow ?? metadata["veto_below"].flatMap(Double.init) ?? 0.5
        let promotion = promoteFrom ?? metadata["promote_from"].flatMap(Double.init) ?? 2
        guard (0...1).contains(threshold), promotion >= threshold else {
            throw .invalidModel("\(resolved): veto_below \(threshold) is not a probability at most promote_from \(promotion)")
        }
        encoder = try embedder.encoder.replacingLayers(from: first, with: file, quantized: embedder.precision == .int8)
        headWeight = try file.floats("classifier.weight", shape: [3, BertEncoder.hidden])
        headBias = try file.floats("classifier.bias", shape: [3])
        tokenizer = embedder.tokenizer
        self.postTokens = postTokens
        self.rumorTokens = rumorTokens
        self.vetoBelow = threshold
        self.promoteFrom = promotion
        self.path = resolved
    }

    /// The token ids of a pair, `[CLS] post [SEP] rumor [SEP]` with each text cut to its budget, and where the
    /// rumor's segment starts.
    func pairTokens(post: String, rumor: String) -> (ids: [Int32], second: Int) {
        let first = [WordPieceTokenizer.classifyID] + tokenizer.tokenize(post).dropFirst().dropLast().prefix(postTokens) + [WordPieceTokenizer.separatorID]
        let rest = tokenizer.tokenize(rumor).dropFirst().dropLast().prefix(rumorTokens) + [WordPieceTokenizer.separatorID]
        return (first + rest, first.count)
    }

    /// Reads each pair, in order.
    public func judge(_ pairs: [(post: String, rumor: String)]) -> [Judgement] {
        guard !pairs.isEmpty else { return [] }
        let tokens = pairs.map { pairTokens(post: $0.post, rumor: $0.rumor) }
        let vectors = encoder.embed(tokens.map(\.ids), secondSegmentStarts: tokens.map(\.second))
        let h = BertEncoder.hidden
        return vectors.map { vector in
            let logits = (0..<3).map { row in
                Double(headBias[row]) + (0..<h).reduce(0.0) { $0 + Double(headWeight[row * h + $1]) * Double(vector[$1]) }
            }
            let top = logits.max()!
            let exponentials = logits.map { Foundation.exp($0 - top) }
            let total = exponentials.reduce(0, +)
            return Judgement(asserts: exponentials[0] / total, denies: exponentials[1] / total, unrelated: exponentials[2] / total)
        }
    }
}
