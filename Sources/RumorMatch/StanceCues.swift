import Foundation

/// Words and phrases that show a post denying, correcting or mocking a rumor rather than asserting it.
///
/// Cues alone decide nothing: believers write "no evidence, my foot" and "Poll watchers NOT allowed in". They are
/// features that the fitted model weighs together with how close the post is to the entry's reality.
public enum StanceCues {
    /// Counts of each kind of cue in a normalised text.
    public struct Counts: Sendable, Hashable {
        /// not, never, didn't, wasn't ...
        public var negations = 0
        /// false, hoax, debunked, myth, misinformation, "not true", "no evidence" ...
        public var refutations = 0
        /// PSA, reminder, "stop sharing", "lol at", "fact check" ...
        public var corrections = 0
        /// Quotation marks around part of the text (scare quotes).
        public var quotes = 0
        /// Words of fraud and accusation: rigged, stolen, fraud, fake, illegal ...
        public var accusations = 0

        /// Whether any negation, refutation or correction cue occurs.
        public var suggestsDenial: Bool { negations > 0 || refutations > 0 || corrections > 0 }
    }

    static let negationWords: Set<String> = [
        "not", "never", "didnt", "doesnt", "dont", "isnt", "wasnt", "werent", "arent", "hasnt", "havent", "wont", "cant", "couldnt", "no",
        "nobody", "nothing", "nope", "nunca", "nadie", "nada",
    ]
    static let refutationWords: Set<String> = [
        "false", "hoax", "debunked", "debunk", "myth", "myths", "misinformation", "disinformation", "conspiracy", "baseless", "untrue", "bogus",
        "falso", "falsa", "mentira", "bulo", "bulos", "desinformacion", "fake", "lies", "lie", "nonsense", "fiction", "fabricated",
        "misleading", "wrong", "debunking", "unfounded", "rumor", "rumors", "meme", "claim", "claims", "theory", "theories",
    ]
    static let refutationPhrases = [
        "not true", "isnt true", "wasnt true", "no evidence", "never happened", "did not happen", "didnt happen", "no such", "there is no",
        "there was no", "there were no", "not a thing", "no es cierto", "no es verdad", "no hubo", "is not", "was not", "were not", "did not",
        "does not", "no proof", "nothing to", "thats not", "that's not", "not how", "not fraud", "its not", "it's not",
    ]
    static let correctionPhrases = [
        "psa", "reminder", "stop sharing", "please stop", "lol at", "fact check", "fact-check", "for the record", "actually", "verifiquen",
        "the truth is", "in reality", "explained", "let it go", "let's be clear", "to be clear", "stop spreading", "check before", "read the",
        "people who think", "people claiming", "keep saying", "keeps saying", "falls apart", "doesn't survive", "no, ", "nope",
    ]
    static let accusationWords: Set<String> = [
        "rigged", "stolen", "steal", "fraud", "fraudulent", "fake", "illegal", "illegally", "cheat", "cheated", "cheating", "corrupt", "coverup",
        "wake", "exposed", "proof", "proves", "caught", "fraude", "robaron", "robada", "trampa",
    ]

    private static let refutationPhraseBytes = refutationPhrases.map { Array($0.utf8) }
    private static let correctionPhraseBytes = correctionPhrases.map { Array($0.utf8) }

    /// Whether `needle` occurs in `haystack` (written out: the standard library's `contains(_:)` over collections
    /// took about 200 times as long on these arrays).
    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard let first = needle.first, haystack.count >= needle.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start] == first {
            var index = 1
            while index < needle.count, haystack[start + index] == needle[index] { index += 1 }
            if index == needle.count { return true }
        }
        return false
    }

    /// Counts the cues in normalised text.
    public static func count(in text: String) -> Counts {
        count(in: text, readingASCIIAsBytes: true)
    }

    /// Counts the cues; ASCII text is read byte by byte when `readingASCIIAsBytes`, which finds the same words and
    /// marks as the Character rules without their Unicode look-ups (most of the time a post spent here). Tests
    /// compare the two readings.
    static func count(in text: String, readingASCIIAsBytes: Bool) -> Counts {
        var counts = Counts()
        let bytes = Array(text.utf8)
        let isASCII = readingASCIIAsBytes && bytes.allSatisfy { $0 < 0x80 }
        let words =
            isASCII
            ? bytes.split { !($0.isASCIIAlphanumeric || $0 == UInt8(ascii: "'")) }.map {
                String(decoding: $0.filter { $0 != UInt8(ascii: "'") }, as: UTF8.self)
            }
            : text.split { !($0.isLetter || $0.isNumber || $0 == "'") }.map { String($0.filter { $0 != "'" }) }
        for word in words {
            if negationWords.contains(word) { counts.negations += 1 }
            if refutationWords.contains(word) { counts.refutations += 1 }
            if accusationWords.contains(word) { counts.accusations += 1 }
        }
        // The phrases are ASCII, so a search of the UTF-8 bytes finds exactly the occurrences a string search would.
        let padded = [UInt8(ascii: " ")] + bytes + [UInt8(ascii: " ")]
        for phrase in refutationPhraseBytes where contains(padded, phrase) { counts.refutations += 1 }
        for phrase in correctionPhraseBytes where contains(padded, phrase) { counts.corrections += 1 }
        // Quotation marks, but not apostrophes inside words ("didn't").
        counts.quotes =
            isASCII
            ? quotationMarks(bytes, isMark: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "'") }, isLetter: \.isASCIILetter) / 2
            : quotationMarks(Array(text), isMark: { $0 == "\"" || $0 == "'" }, isLetter: \.isLetter) / 2
        return counts
    }

    /// How many quotation marks (`isMark`) of a text are not between two letters.
    private static func quotationMarks<Element>(_ text: [Element], isMark: (Element) -> Bool, isLetter: (Element) -> Bool) -> Int {
        text.indices.filter { index in
            guard isMark(text[index]) else { return false }
            let before = index > 0 && isLetter(text[index - 1])
            let after = index + 1 < text.count && isLetter(text[index + 1])
            return !(before && after)
        }.count
    }
}

extension UInt8 {
    /// Whether this UTF-8 byte is an ASCII letter.
    var isASCIILetter: Bool { (0x41...0x5A).contains(self) || (0x61...0x7A).contains(self) }

    /// Whether this UTF-8 byte is an ASCII letter or digit (what `Character.isLetter || isNumber` says of ASCII).
    var isASCIIAlphanumeric: Bool { isASCIILetter || (0x30...0x39).contains(self) }
}
