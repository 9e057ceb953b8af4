import Foundation

/// Tells a text that denies, corrects or mocks a rumor from one that asserts it.
///
/// A logistic regression over the text's word unigrams and bigrams (stop words kept: "did not", "no evidence",
/// "lol at" are the signal) and its sentence embedding. It is fitted on assertions (the entries' phrasings and the
/// training posts that make claims) against denials (the entries' corrections and the training refutations), so it
/// learns the cues rather than having them listed by hand; ``StanceCues`` remain as separate evidence.
public struct StanceModel: Sendable, Hashable, Codable {
    /// Weights of the n-grams seen in fitting (absent ones weigh 0).
    public var ngramWeights: [String: Double]
    /// Weights of the embedding's dimensions.
    public var embeddingWeights: [Double]
    /// The intercept.
    public var bias: Double

    enum CodingKeys: String, CodingKey {
        case ngramWeights = "ngram_weights"
        case embeddingWeights = "embedding_weights"
        case bias
    }

    /// Embedding dimensions are ~±0.1; scaling them brings them to the n-grams' range.
    static let embeddingScale = 10.0

    /// Creates a model from its weights.
    public init(ngramWeights: [String: Double], embeddingWeights: [Double], bias: Double) {
        self.ngramWeights = ngramWeights
        self.embeddingWeights = embeddingWeights
        self.bias = bias
    }

    /// The probability that a text denies rather than asserts.
    /// - Parameters:
    ///   - text: normalised text (``NormalizedText/text``).
    ///   - vector: its sentence embedding.
    public func denialProbability(text: String, vector: [Float]) -> Double {
        let z = LogisticRegression.logOdds(
            ngrams: Self.ngrams(text), dense: vector.map { Double($0) * Self.embeddingScale }, ngramWeights: ngramWeights,
            denseWeights: embeddingWeights,
            bias: bias)
        return 1 / (1 + exp(-z))
    }

    /// The distinct unigrams and bigrams of a normalised text; `?`, `!` and quotation marks count as words.
    public static func ngrams(_ text: String) -> Set<String> {
        ngrams(text, readingASCIIAsBytes: true)
    }

    /// The n-grams; ASCII text is read byte by byte when `readingASCIIAsBytes` (the same words, without Unicode
    /// look-ups; tests compare the two readings).
    static func ngrams(_ text: String, readingASCIIAsBytes: Bool) -> Set<String> {
        let words = readingASCIIAsBytes && text.utf8.allSatisfy { $0 < 0x80 } ? asciiWords(text) : words(text)
        var grams = Set(words)
        for (first, second) in zip(words, words.dropFirst()) { grams.insert(first + " " + second) }
        return grams
    }

    /// The words of ``ngrams(_:)``: runs of letters and digits, and `?`, `!` and `"` on their own.
    private static func words(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        for character in text {
            if character.isLetter || character.isNumber {
                current.append(character)
            } else {
                if !current.isEmpty { words.append(current) }
                current = ""
                if character == "?" || character == "!" || character == "\"" { words.append(String(character)) }
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    /// The same words of ASCII text, read byte by byte (no Unicode look-ups).
    private static func asciiWords(_ text: String) -> [String] {
        var words: [String] = []
        var start: Int?
        let bytes = Array(text.utf8)
        for (index, byte) in bytes.enumerated() {
            if byte.isASCIIAlphanumeric {
                if start == nil { start = index }
                continue
            }
            if let first = start { words.append(String(decoding: bytes[first..<index], as: UTF8.self)) }
            start = nil
            if byte == UInt8(ascii: "?") || byte == UInt8(ascii: "!") || byte == UInt8(ascii: "\"") { words.append(String(UnicodeScalar(byte))) }
        }
        if let first = start { words.append(String(decoding: bytes[first...], as: UTF8.self)) }
        return words
    }
}
