import Foundation

/// A post's text normalised for matching, remembering for every normalised scalar which scalar of the original
/// it came from, so a match can be shown on the text the person wrote.
///
/// What normalisation does, in order, one grapheme cluster at a time: URLs are dropped; `#hashtags` and `@mentions`
/// are split into words (`#StopTheSteal` → `stop the steal`, `#stopthesteal` by dictionary, `@DominionVoting` →
/// `dominion voting`); emoji become
/// sentence breaks (people use them as bullets); state abbreviations and common short forms are spelled out
/// (`PA` → `pennsylvania`, `Philly` → `philadelphia`); the rest is NFKC-normalised and case-folded; typographic
/// quotes and dashes become ASCII; runs of three or more equal letters shrink to two (`sooo` → `soo`).
public struct NormalizedText: Sendable {
    /// The original text's scalars.
    public let original: [Unicode.Scalar]
    /// The normalised text.
    public let text: String
    /// For each scalar of ``text``, the offset of the original scalar it came from.
    public let origins: [Int]

    /// Normalises a text.
    /// - Parameters:
    ///   - original: the text as written.
    ///   - dictionary: known words, for splitting hashtags written without capitals.
    public init(_ original: String, dictionary: Set<String> = []) {
        var builder = Builder(original: Array(original.unicodeScalars), dictionary: dictionary)
        builder.run(original)
        self.original = builder.original
        text = String(builder.output)
        origins = builder.origins
    }

    /// The range of original scalars that a range of normalised scalars came from.
    public func originalRange(_ normalized: Range<Int>) -> Range<Int> {
        guard !normalized.isEmpty, normalized.lowerBound < origins.count else { return 0..<0 }
        let start = origins[normalized.lowerBound]
        let lastOrigin = origins[min(normalized.upperBound, origins.count) - 1]
        // Extend to the end of the original grapheme cluster (or expanded word) the last scalar came from.
        var end = lastOrigin + 1
        let nextOrigin = normalized.upperBound < origins.count ? origins[normalized.upperBound] : original.count
        if nextOrigin > end { end = nextOrigin }
        while end > start + 1, original[end - 1].properties.isWhitespace { end -= 1 }
        return start..<end
    }

    /// The original text of a range of original scalars.
    public func originalText(_ range: Range<Int>) -> String {
        String(String.UnicodeScalarView(original[range.clamped(to: 0..<original.count)]))
    }

    /// Short forms spelled out. Keys with capitals match only as written (so "pa" and "mi" stay words).
    static let abbreviations: [String: String] = [
        "PA": "pennsylvania", "MI": "michigan", "GA": "georgia", "AZ": "arizona", "WI": "wisconsin", "NV": "nevada", "NC": "north carolina",
        "MN": "minnesota", "TX": "texas", "FL": "florida", "OH": "ohio", "NY": "new york", "CA": "california", "USPS": "postal service",
        "SoS": "secretary of state", "SOS": "secretary of state", "DOJ": "justice department", "AG": "attorney general",
        "GOP": "republican", "DNC": "democratic party", "RNC": "republican party",
        "philly": "philadelphia", "dems": "democrats", "repubs": "republicans", "illegals": "illegal immigrants",
    ]

    private struct Builder {
        let original: [Unicode.Scalar]
        let dictionary: Set<String>
        var output = String.UnicodeScalarView()
        var origins: [Int] = []

        init(original: [Unicode.Scalar], dictionary: Set<String>) {
            self.original = original
            self.dictionary = dictionary
        }

        /// The last two scalars emitted (to drop a letter's third repeat without reading `output` back).
        var last: Unicode.Scalar?
        var beforeLast: Unicode.Scalar?

        mutating func emit(_ scalar: Unicode.Scalar, from origin: Int) {
            if scalar == last, scalar == beforeLast, scalar.properties.isAlphabetic { return }
            beforeLast = last
            last = scalar
            output.append(scalar)
            origins.append(origin)
        }

        mutating func emit(_ text: String, from origin: Int) {
            for scalar in text.unicodeScalars { emit(scalar, from: origin) }
        }

        mutating func run(_ text: String) {
            let characters = Array(text)
            var offsets: [Int] = []
            var offset = 0
            for character in characters {
                offsets.append(offset)
                offset += character.unicodeScalars.count
            }
            var index = 0
            while index < characters.count {
                let character = characters[index]
                let origin = offsets[index]
                let atWordStart = index == 0 || !(characters[index - 1].isLetterQuick || characters[index - 1].isNumberQuick)
                if atWordStart, let end = urlEnd(characters, from: index) {
                    emit(" ", from: origin)
                    index = end
                } else if character == "#" || character == "＃" || character == "@", atWordStart, index + 1 < characters.count,
                    characters[index + 1].isLetterQuick
                {
                    var end = index + 1
                    while end < characters.count, characters[end].isWordCharacter { end += 1 }
                    emit(" ", from: origin)
                    // Each letter of the split words keeps the offset of the letter it came from.
                    var source = index + 1
                    for word in hashtagWords(Array(characters[(index + 1)..<end])) {
                        for character in word.lowercased() {
                            while source < end - 1, characters[source] == "_" { source += 1 }
                            emit(String(character), from: offsets[min(source, end - 1)])
                            source += 1
                        }
                        emit(" ", from: offsets[min(source, end) - 1])
                    }
                    index = end
                } else if character.isEmojiLike {
                    emit("\n", from: origin)
                    index += 1
                } else if atWordStart, character.isLetterQuick, let (expansion, end) = abbreviation(characters, from: index) {
                    emit(expansion, from: origin)
                    index = end
                } else if let ascii = character.asciiValue {
                    // Most text is ASCII: lower-case it here rather than through the Unicode mappings of `fold`.
                    emit(Unicode.Scalar(ascii >= 65 && ascii <= 90 ? ascii + 32 : ascii), from: origin)
                    index += 1
                } else {
                    emit(Self.fold(character), from: origin)
                    index += 1
                }
            }
        }

        static func fold(_ character: Character) -> String {
            switch character {
            case "‘", "’", "‛", "′", "`", "´": return "'"
            case "“", "”", "„", "‟", "″", "«", "»": return "\""
            case "‐", "‑", "‒", "–", "—", "―": return "-"
            case "…": return "..."
            default: return String(character).precomposedStringWithCompatibilityMapping.lowercased()
            }
        }

        /// The end of a URL starting here, if one does.
        func urlEnd(_ characters: [Character], from index: Int) -> Int? {
            let prefixes = ["https://", "http://", "www."]
            let rest = characters[index...]
            guard prefixes.contains(where: { prefix in rest.count > prefix.count && zip(rest, prefix).allSatisfy { $0.lowercased() == String($1) } })
            else { return nil }
            var end = index
            while end < characters.count, !characters[end].isWhitespace { end += 1 }
            return end
        }

        /// A short form starting here, spelled out, and where the word ends.
        func abbreviation(_ characters: [Character], from index: Int) -> (String, Int)? {
            var end = index
            while end < characters.count, characters[end].isLetterQuick { end += 1 }
            guard end - index <= 7, end == characters.count || !characters[end].isNumberQuick else { return nil }
            let word = String(characters[index..<end])
            // Keys with capitals match exactly as written; lower-case keys match in any case.
            guard let expansion = NormalizedText.abbreviations[word] ?? NormalizedText.abbreviations[word.lowercased()] else { return nil }
            return (expansion, end)
        }

        /// Splits a hashtag body into words: at case changes and digits, else by the dictionary.
        func hashtagWords(_ body: [Character]) -> [String] {
            var words: [String] = []
            var current = ""
            for (position, character) in body.enumerated() {
                let previous = position > 0 ? body[position - 1] : nil
                let next = position + 1 < body.count ? body[position + 1] : nil
                let boundary: Bool
                if let previous {
                    boundary =
                        (previous.isLowercase && character.isUppercase)
                        || (previous.isUppercase && character.isUppercase && next?.isLowercase == true)
                        || (previous.isLetter != character.isLetter) || character == "_"
                } else {
                    boundary = false
                }
                if boundary, !current.isEmpty {
                    words.append(current)
                    current = ""
                }
                if character != "_" { current.append(character) }
            }
            if !current.isEmpty { words.append(current) }
            return words.flatMap { word in word.count > 6 && word.allSatisfy(\.isLetter) ? segment(word.lowercased()) : [word] }
        }

        /// Dictionary word segmentation that prefers few, long words; the word itself when no split is better.
        func segment(_ word: String) -> [String] {
            guard !dictionary.isEmpty, !dictionary.contains(word) else { return [word] }
            let characters = Array(word)
            // best[i]: the fewest words covering characters[0..<i].
            var best: [(count: Int, previous: Int)?] = Array(repeating: nil, count: characters.count + 1)
            best[0] = (0, 0)
            for end in 1...characters.count {
                for start in max(0, end - 20)..<end {
                    guard let before = best[start] else { continue }
                    let piece = String(characters[start..<end])
                    guard piece.count >= 2 || piece == "a" || piece == "i", dictionary.contains(piece) else { continue }
                    if best[end] == nil || before.count + 1 < best[end]!.count { best[end] = (before.count + 1, start) }
                }
            }
            guard best[characters.count] != nil else { return [word] }
            var pieces: [String] = []
            var end = characters.count
            while end > 0 {
                let start = best[end]!.previous
                pieces.append(String(characters[start..<end]))
                end = start
            }
            return pieces.reversed()
        }
    }
}

extension Character {
    var isWordCharacter: Bool { isLetterQuick || isNumberQuick || self == "_" }

    /// `isLetter`, answered without the Unicode tables for ASCII (most of any post).
    var isLetterQuick: Bool {
        guard let ascii = asciiValue else { return isLetter }
        return (97...122).contains(ascii | 0x20)
    }

    /// `isNumber`, answered without the Unicode tables for ASCII.
    var isNumberQuick: Bool {
        guard let ascii = asciiValue else { return isNumber }
        return (48...57).contains(ascii)
    }

    /// Pictographs and symbols used as emoji (digits, `#` and `*` are emoji too, but not here).
    var isEmojiLike: Bool {
        guard let first = unicodeScalars.first, !first.isASCII else { return false }
        return unicodeScalars.contains { $0.properties.isEmojiPresentation || ($0.properties.isEmoji && $0.value >= 0x2100) }
    }
}
