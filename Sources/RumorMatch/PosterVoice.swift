/// What a post says in the poster's own voice, apart from what it quotes.
///
/// Real posts often repeat someone else's words: a host's line or a headline in quotation marks, then a handle and
/// "True!" or "Must watch". The claim is in the quote, and the poster's few words outside it say whether they endorse
/// it ("So true") or answer it ("No. That's false"). Quotation alone says neither, so the matcher weighs the share
/// of the post that is quoted together with the cues outside it.
public struct PosterVoice: Sendable, Hashable {
    /// The share of the post's words that are inside quotation marks (0 to 1).
    public var quotedShare = 0.0
    /// Words and phrases of agreement in the poster's own words: true, so true, must watch, exactly, 100% ...
    public var endorsements = 0
    /// Negation, refutation and correction cues (``StanceCues``) in the poster's own words.
    public var denials = 0

    /// Phrases of agreement, matched at word boundaries of normalised text.
    static let endorsementPhrases = [
        "true", "so true", "very true", "totally true", "exactly", "correct", "must watch", "must read", "read this", "wow", "big!",
        "huge!", "amen", "bingo", "nailed it", "spot on", "well said", "100%", "100 percent", "agree", "absolutely", "thank you", "thanks",
        "great job", "facts", "this!", "yes!", "cierto", "es cierto", "verdad", "asi es", "así es", "exacto", "gracias", "tal cual",
    ]
    private static let endorsementPhraseBytes = endorsementPhrases.map { Array($0.utf8) }

    /// Reads a normalised post (``NormalizedText/text``).
    public init(_ text: String) {
        let scalars = Array(text.unicodeScalars)
        let quoted = Segmenter.quotations(in: scalars, maximumWords: .max)
        let total = Segmenter.wordCount(scalars[...])
        guard total > 0 else { return }
        var outside = String.UnicodeScalarView()
        var start = 0
        var quotedWords = 0
        for range in quoted {
            outside.append(contentsOf: scalars[start..<max(start, range.lowerBound - 1)])
            outside.append("\n")
            quotedWords += Segmenter.wordCount(scalars[range])
            start = min(scalars.count, range.upperBound + 1)
        }
        outside.append(contentsOf: scalars[start...])
        let own = String(outside)
        quotedShare = Double(quotedWords) / Double(total)
        let cues = StanceCues.count(in: own)
        denials = cues.negations + cues.refutations + cues.corrections
        let bytes = [UInt8(ascii: " ")] + Array(own.utf8) + [UInt8(ascii: " ")]
        endorsements = Self.endorsementPhraseBytes.filter { Self.occursAsWords($0, in: bytes) }.count
    }

    /// Whether `phrase` occurs in `bytes` as whole words and not right after a negation ("not true" agrees with
    /// nothing).
    private static func occursAsWords(_ phrase: [UInt8], in bytes: [UInt8]) -> Bool {
        guard bytes.count >= phrase.count + 2 else { return false }
        let isWordByte: (UInt8) -> Bool = { $0.isASCIIAlphanumeric || $0 >= 0x80 || $0 == UInt8(ascii: "'") }
        for start in 1...(bytes.count - phrase.count - 1) where bytes[start] == phrase[0] {
            guard bytes[start..<(start + phrase.count)].elementsEqual(phrase) else { continue }
            let endsInWord = phrase.last.map(isWordByte) ?? false
            guard !isWordByte(bytes[start - 1]), !(endsInWord && isWordByte(bytes[start + phrase.count])) else { continue }
            var wordEnd = start - 1
            while wordEnd > 0, !isWordByte(bytes[wordEnd]) { wordEnd -= 1 }
            var wordStart = wordEnd
            while wordStart > 0, isWordByte(bytes[wordStart - 1]) { wordStart -= 1 }
            let previous = String(decoding: bytes[wordStart...wordEnd].filter { $0 != UInt8(ascii: "'") }, as: UTF8.self)
            if !StanceCues.negationWords.contains(previous) { return true }
        }
        return false
    }
}
