/// A piece of a post that may make a claim on its own: the whole post, a sentence, or a clause.
public struct TextSegment: Sendable, Hashable {
    /// What kind of piece it is.
    public enum Kind: String, Sendable, Hashable {
        case post, sentence, clause
        /// Words inside quotation marks: in a post, often the rumor being quoted in order to mock or deny it.
        case quote
    }

    /// Its range in the normalised text's scalars.
    public var range: Range<Int>
    /// Its normalised text.
    public var text: String
    /// What kind of piece it is.
    public var kind: Kind
}

/// Splits a normalised post into the pieces the matcher scores: a post may make several claims (the 2020 post
/// that opens the seed story makes five), so each sentence and each clause is scored as well as the whole.
public enum Segmenter {
    /// Clauses shorter than this many words are merged with their neighbour.
    static let minimumClauseWords = 3
    /// Scoring cost grows with segments; a very long post keeps its first ones.
    public static let maximumSegments = 24

    /// The whole post, its sentences and their clauses, without duplicates.
    public static func segments(of text: NormalizedText) -> [TextSegment] {
        let scalars = Array(text.text.unicodeScalars)
        var segments: [TextSegment] = []
        var seen: Set<String> = []
        func add(_ range: Range<Int>, _ kind: TextSegment.Kind) {
            let trimmed = trim(range, in: scalars)
            guard !trimmed.isEmpty, wordCount(scalars[trimmed]) >= 2, segments.count < maximumSegments else { return }
            let string = String(String.UnicodeScalarView(scalars[trimmed]))
            if seen.insert(string).inserted { segments.append(TextSegment(range: trimmed, text: string, kind: kind)) }
        }
        add(0..<scalars.count, .post)
        let sentences = split(0..<scalars.count, in: scalars, at: sentenceBreak)
        for sentence in sentences where sentences.count > 1 { add(sentence, .sentence) }
        for sentence in sentences {
            let clauses = merge(split(sentence, in: scalars, at: clauseBreak), in: scalars)
            for clause in clauses where clauses.count > 1 { add(clause, .clause) }
        }
        for quote in quotations(in: scalars) { add(quote, .quote) }
        return segments
    }

    /// Spans of two to `maximumWords` words between matching quotation marks; an opening mark starts a word and a
    /// closing one ends it, so apostrophes inside words ("didn't") are not taken for quotes.
    static func quotations(in scalars: [Unicode.Scalar], maximumWords: Int = 12) -> [Range<Int>] {
        var spans: [Range<Int>] = []
        var open: (mark: Unicode.Scalar, index: Int)?
        for (index, scalar) in scalars.enumerated() where scalar == "'" || scalar == "\"" {
            let before = index > 0 ? scalars[index - 1] : " "
            let after = index + 1 < scalars.count ? scalars[index + 1] : " "
            let isLetter: (Unicode.Scalar) -> Bool = { $0.properties.isAlphabetic || ("0"..."9").contains($0) }
            if let current = open, current.mark == scalar, isLetter(before) || ".!?".unicodeScalars.contains(before), !isLetter(after) {
                let inner = (current.index + 1)..<index
                if (2...maximumWords).contains(wordCount(scalars[inner])) { spans.append(inner) }
                open = nil
            } else if !isLetter(before), isLetter(after) {
                open = (scalar, index)
            }
        }
        return spans
    }

    /// The length of the break at `index` (0 when none): line breaks, sentence punctuation before a space,
    /// list markers like `2)`.
    private static func sentenceBreak(_ scalars: [Unicode.Scalar], _ index: Int) -> Int {
        let scalar = scalars[index]
        if scalar == "\n" { return 1 }
        if ".!?;:".unicodeScalars.contains(scalar) {
            var end = index
            while end < scalars.count, ".!?;:".unicodeScalars.contains(scalars[end]) { end += 1 }
            if end == scalars.count || scalars[end].properties.isWhitespace || scalars[end] == "\"" || scalars[end] == "'" {
                // "3.5" and "U.S." are not breaks: a single '.' between letters or digits.
                if scalar == ".", end - index == 1, index > 0, end < scalars.count, !scalars[end].properties.isWhitespace { return 0 }
                return end - index
            }
        }
        if scalar == ")", index > 0, ("0"..."9").contains(scalars[index - 1]), index < 2 || !("0"..."9").contains(scalars[index - 2]) {
            return 1
        }
        return 0
    }

    /// Clause breaks: commas, dashes and the conjunctions that join two claims.
    private static func clauseBreak(_ scalars: [Unicode.Scalar], _ index: Int) -> Int {
        let scalar = scalars[index]
        if scalar == ",", index + 1 < scalars.count, scalars[index + 1] == " " { return 1 }
        if scalar == " " {
            for word in [" - ", " and ", " but ", " while ", " then ", " y ", " pero "] {
                let pattern = Array(word.unicodeScalars)
                if scalars[index...].starts(with: pattern) { return pattern.count }
            }
        }
        return 0
    }

    private static func split(_ range: Range<Int>, in scalars: [Unicode.Scalar], at breakLength: ([Unicode.Scalar], Int) -> Int) -> [Range<Int>] {
        var pieces: [Range<Int>] = []
        var start = range.lowerBound
        var index = range.lowerBound
        while index < range.upperBound {
            let length = breakLength(scalars, index)
            if length > 0 {
                if start < index { pieces.append(start..<index) }
                index += length
                start = index
            } else {
                index += 1
            }
        }
        if start < range.upperBound { pieces.append(start..<range.upperBound) }
        return pieces
    }

    /// Joins clauses too short to make a claim with the one after (or, at the end, the one before).
    private static func merge(_ clauses: [Range<Int>], in scalars: [Unicode.Scalar]) -> [Range<Int>] {
        var merged: [Range<Int>] = []
        var pending: Range<Int>?
        for clause in clauses {
            let current = pending.map { $0.lowerBound..<clause.upperBound } ?? clause
            if wordCount(scalars[current]) < minimumClauseWords {
                pending = current
            } else {
                merged.append(current)
                pending = nil
            }
        }
        if let pending {
            if let last = merged.popLast() { merged.append(last.lowerBound..<pending.upperBound) } else { merged.append(pending) }
        }
        return merged
    }

    private static func trim(_ range: Range<Int>, in scalars: [Unicode.Scalar]) -> Range<Int> {
        var lower = range.lowerBound
        var upper = range.upperBound
        let junk: (Unicode.Scalar) -> Bool = { $0.properties.isWhitespace || "-,.;:!?\"'()*•".unicodeScalars.contains($0) }
        while lower < upper, junk(scalars[lower]) { lower += 1 }
        while upper > lower, junk(scalars[upper - 1]) && !"!?.".unicodeScalars.contains(scalars[upper - 1]) { upper -= 1 }
        while upper > lower, scalars[upper - 1].properties.isWhitespace { upper -= 1 }
        return lower..<upper
    }

    static func wordCount(_ scalars: ArraySlice<Unicode.Scalar>) -> Int {
        var count = 0
        var inWord = false
        for scalar in scalars {
            let letter = scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
            if letter && !inWord { count += 1 }
            inWord = letter
        }
        return count
    }
}
