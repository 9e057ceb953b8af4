import Foundation

/// The BERT uncased WordPiece tokenizer, exactly as the reference (`tokenizers`' `BertNormalizer`,
/// `BertPreTokenizer` and `WordPiece`, with sentence-transformers' truncation at 256 tokens).
///
/// The order of the steps matters and follows the reference: special tokens are matched on the raw text;
/// then clean text (drop NUL, U+FFFD and every C* scalar but tab/newline/return; other white space becomes a
/// space), space out CJK ideographs, strip accents (NFD, drop Mn), lower-case one scalar at a time; split on
/// white space and punctuation; then greedy longest-match word pieces with `##` continuations.
public struct WordPieceTokenizer: Sendable {
    /// `[PAD]`.
    public static let padID: Int32 = 0
    /// `[UNK]`.
    public static let unknownID: Int32 = 100
    /// `[CLS]`.
    public static let classifyID: Int32 = 101
    /// `[SEP]`.
    public static let separatorID: Int32 = 102
    /// Words longer than this many scalars become `[UNK]`.
    public static let maximumWordLength = 100

    /// The vocabulary's whole words of letters (no `##` pieces): a dictionary for splitting hashtags.
    public var wholeWords: Set<String> {
        Set(vocabulary.keys.filter { $0.count >= 2 && $0.allSatisfy { $0.isLetter && $0.isASCII } })
    }

    /// The most tokens a sequence keeps, `[CLS]` and `[SEP]` included.
    public let maximumLength: Int
    private let vocabulary: [String: Int32]
    private let specialTokens: [(text: [Unicode.Scalar], id: Int32)]

    /// Loads `vocab.txt` (one token a line; the line number is the id).
    /// - Parameters:
    ///   - vocabularyFile: the file's contents.
    ///   - maximumLength: the truncation length, special tokens included.
    /// - Throws: ``EmbeddingError`` when the vocabulary lacks the special tokens.
    public init(vocabularyFile: String, maximumLength: Int = 256) throws(EmbeddingError) {
        var vocabulary: [String: Int32] = [:]
        for (index, line) in vocabularyFile.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let token = line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
            if !token.isEmpty, vocabulary[token] == nil { vocabulary[token] = Int32(index) }
        }
        let specials = ["[PAD]": Self.padID, "[UNK]": Self.unknownID, "[CLS]": Self.classifyID, "[SEP]": Self.separatorID, "[MASK]": 103]
        for (token, id) in specials where vocabulary[token] != id {
            throw .invalidModel("vocab.txt does not have \(token) at line \(id + 1); it is not the all-MiniLM-L6-v2 vocabulary")
        }
        self.vocabulary = vocabulary
        self.maximumLength = maximumLength
        specialTokens = specials.map { (Array($0.key.unicodeScalars), $0.value) }.sorted { $0.text.count > $1.text.count }
    }

    /// The token ids of a text: `[CLS]`, word pieces truncated to fit, `[SEP]`.
    public func tokenize(_ text: String) -> [Int32] {
        var ids: [Int32] = [Self.classifyID]
        let budget = maximumLength - 1
        for segment in splitSpecialTokens(Array(text.unicodeScalars)) where ids.count < budget {
            switch segment {
            case .special(let id): ids.append(id)
            case .text(let scalars):
                for word in words(normalize(scalars)) {
                    ids += wordPieces(word)
                    if ids.count >= budget { break }
                }
            }
        }
        if ids.count > budget { ids.removeSubrange(budget...) }
        ids.append(Self.separatorID)
        return ids
    }

    private enum Segment {
        case special(Int32)
        case text(ArraySlice<Unicode.Scalar>)
    }

    /// Splits out `[CLS]`, `[SEP]`, `[MASK]`, `[UNK]` and `[PAD]` written literally in the raw text.
    private func splitSpecialTokens(_ scalars: [Unicode.Scalar]) -> [Segment] {
        var segments: [Segment] = []
        var start = 0
        var index = 0
        while index < scalars.count {
            if scalars[index] == "[", let special = specialTokens.first(where: { scalars[index...].starts(with: $0.text) }) {
                if start < index { segments.append(.text(scalars[start..<index])) }
                segments.append(.special(special.id))
                index += special.text.count
                start = index
            } else {
                index += 1
            }
        }
        if start < scalars.count { segments.append(.text(scalars[start...])) }
        return segments
    }

    /// `BertNormalizer`: clean text, CJK spacing, accent stripping, per-scalar lower-casing.
    func normalize(_ scalars: ArraySlice<Unicode.Scalar>) -> [Unicode.Scalar] {
        // ASCII has nothing to decompose or strip; a table made by the same rules cleans and lower-cases it.
        if scalars.allSatisfy(\.isASCII) { return scalars.compactMap { Self.normalizedASCII[Int($0.value)] } }
        var cleaned = String.UnicodeScalarView()
        for scalar in scalars {
            if scalar.value == 0 || scalar.value == 0xFFFD || scalar.isBertControl { continue }
            if scalar.properties.isWhitespace {
                cleaned.append(" ")
            } else if scalar.isCJKIdeograph {
                cleaned.append(" ")
                cleaned.append(scalar)
                cleaned.append(" ")
            } else {
                cleaned.append(scalar)
            }
        }
        let decomposed = String(cleaned).decomposedStringWithCanonicalMapping.unicodeScalars
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(decomposed.count)
        for scalar in decomposed where scalar.properties.generalCategory != .nonspacingMark {
            if scalar.isASCII {
                result.append(("A"..."Z").contains(scalar) ? Unicode.Scalar(scalar.value + 32)! : scalar)
            } else {
                result += scalar.properties.lowercaseMapping.unicodeScalars
            }
        }
        return result
    }

    /// What ``normalize(_:)`` makes of each ASCII scalar (nil: dropped), worked out once by the rules above.
    private static let normalizedASCII: [Unicode.Scalar?] = (0..<128).map { value in
        let scalar = Unicode.Scalar(UInt8(value))
        if value == 0 || scalar.isBertControl { return nil }
        if scalar.properties.isWhitespace { return " " }
        return ("A"..."Z").contains(scalar) ? Unicode.Scalar(UInt8(value + 32)) : scalar
    }

    /// Whether each ASCII scalar is white space, looked up once.
    private static let whitespaceASCII: [Bool] = (0..<128).map { Unicode.Scalar(UInt8($0)).properties.isWhitespace }

    /// `BertPreTokenizer`: split on white space (dropped) and around each punctuation scalar (kept).
    func words(_ scalars: [Unicode.Scalar]) -> [ArraySlice<Unicode.Scalar>] {
        var words: [ArraySlice<Unicode.Scalar>] = []
        var start = 0
        for (index, scalar) in scalars.enumerated() {
            if scalar.isASCII ? Self.whitespaceASCII[Int(scalar.value)] : scalar.properties.isWhitespace {
                if start < index { words.append(scalars[start..<index]) }
                start = index + 1
            } else if scalar.isBertPunctuation {
                if start < index { words.append(scalars[start..<index]) }
                words.append(scalars[index...index])
                start = index + 1
            }
        }
        if start < scalars.count { words.append(scalars[start...]) }
        return words
    }

    /// `WordPiece`: greedy longest match first; a word that cannot be covered is one `[UNK]`.
    func wordPieces(_ word: ArraySlice<Unicode.Scalar>) -> [Int32] {
        guard word.count <= Self.maximumWordLength else { return [Self.unknownID] }
        if let id = vocabulary[String(String.UnicodeScalarView(word))] { return [id] }
        var pieces: [Int32] = []
        var start = word.startIndex
        while start < word.endIndex {
            var end = word.endIndex
            var found: Int32?
            while start < end {
                var candidate = start == word.startIndex ? "" : "##"
                candidate.unicodeScalars.append(contentsOf: word[start..<end])
                if let id = vocabulary[candidate] {
                    found = id
                    break
                }
                end -= 1
            }
            guard let id = found else { return [Self.unknownID] }
            pieces.append(id)
            start = end
        }
        return pieces
    }
}

extension Unicode.Scalar {
    /// The reference's `is_control`: general category C* except tab, newline and carriage return.
    var isBertControl: Bool {
        if self == "\t" || self == "\n" || self == "\r" { return false }
        switch properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned: return true
        default: return false
        }
    }

    /// The reference's `is_bert_punc`: ASCII punctuation or any Unicode P* category.
    var isBertPunctuation: Bool {
        if isASCII { return (0x21...0x2F).contains(value) || (0x3A...0x40).contains(value) || (0x5B...0x60).contains(value) || (0x7B...0x7E).contains(value) }
        switch properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation, .finalPunctuation,
            .otherPunctuation:
            return true
        default: return false
        }
    }

    /// The CJK ideograph blocks the reference spaces out.
    var isCJKIdeograph: Bool {
        switch value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F, 0x2B820...0x2CEAF, 0xF900...0xFAFF,
            0x2F800...0x2FA1F:
            return true
        default: return false
        }
    }
}
