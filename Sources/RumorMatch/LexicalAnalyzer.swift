/// Turns normalised text into search terms: words of letters and digits, stop words dropped, English suffixes
/// stemmed (Porter's step 1: plurals, -ed, -ing), so "ballots", "ballot" and "balloting" meet.
public enum LexicalAnalyzer {
    /// The terms of a text, in order.
    public static func terms(_ text: String) -> [String] {
        var terms: [String] = []
        var word = String.UnicodeScalarView()
        func finish() {
            guard !word.isEmpty else { return }
            let string = String(word)
            word.removeAll()
            guard !stopWords.contains(string) else { return }
            let stemmed = stem(string)
            if stemmed.count >= 2 || stemmed.allSatisfy(\.isNumber) { terms.append(stemmed) }
        }
        for scalar in text.unicodeScalars {
            let isWordScalar =
                scalar.isASCII
                ? (("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar))
                : scalar.properties.isAlphabetic
            if isWordScalar {
                word.append(scalar)
            } else if scalar == "'" {
                continue  // "didn't" → "didnt", "trump's" → "trumps" → stemmed "trump"
            } else {
                finish()
            }
        }
        finish()
        return terms
    }

    /// Porter's step 1 (1a, 1b, 1c): enough for plurals and verb forms without over-stemming names.
    public static func stem(_ word: String) -> String {
        var w = Array(word.unicodeScalars)
        guard w.count > 3, w.allSatisfy({ ("a"..."z").contains($0) || ("A"..."Z").contains($0) }) else { return word }
        func ends(_ suffix: String) -> Bool {
            w.count > suffix.unicodeScalars.count && w.suffix(suffix.unicodeScalars.count).elementsEqual(suffix.unicodeScalars)
        }
        func replace(_ count: Int, _ with: String) {
            w.removeLast(count)
            w.append(contentsOf: with.unicodeScalars)
        }
        func hasVowel(_ part: ArraySlice<Unicode.Scalar>) -> Bool { part.contains { "aeiouy".unicodeScalars.contains($0) } }
        if ends("sses") {
            replace(2, "")
        } else if ends("ies") {
            replace(3, "i")
        } else if ends("ches") || ends("shes") || ends("xes") || ends("zes") {
            replace(2, "")
        } else if ends("ss") || ends("us") || ends("is") {
        } else if ends("s") {
            replace(1, "")
        }
        var stripped = false
        if ends("eed") {
            if w.count > 4 { replace(1, "") }
        } else if ends("ed"), hasVowel(w.dropLast(2)) {
            replace(2, "")
            stripped = true
        } else if ends("ing"), hasVowel(w.dropLast(3)), w.count > 5 {
            replace(3, "")
            stripped = true
        }
        if stripped {
            if ends("at") || ends("bl") || ends("iz") {
                w.append("e")
            } else if w.count >= 2, w[w.count - 1] == w[w.count - 2], !"lsz".unicodeScalars.contains(w[w.count - 1]) {
                w.removeLast()
            } else if isShortSyllable(w) {
                w.append("e")  // "voted" → "vot" → "vote", so it meets "vote"
            }
        }
        if w.count > 2, w.last == "y", hasVowel(w.dropLast()) { w[w.count - 1] = "i" }
        return String(String.UnicodeScalarView(w))
    }

    /// A stem of one syllable ending consonant-vowel-consonant (not w, x or y): Porter's "*o" condition.
    private static func isShortSyllable(_ w: [Unicode.Scalar]) -> Bool {
        let vowels = "aeiou".unicodeScalars
        guard w.count >= 3, w.count <= 4 else { return false }
        let last = w[w.count - 1]
        let middle = w[w.count - 2]
        let first = w[w.count - 3]
        guard !vowels.contains(last), !"wxy".unicodeScalars.contains(last), vowels.contains(middle), !vowels.contains(first) else { return false }
        return w.dropLast(3).allSatisfy { !vowels.contains($0) }
    }

    /// English and Spanish words too common to say what a post is about.
    public static let stopWords: Set<String> = [
        "a", "about", "above", "after", "again", "all", "am", "an", "and", "any", "are", "as", "at", "be", "because", "been", "before", "being",
        "below",
        "between", "both", "but", "by", "can", "could", "do", "does", "doing", "down", "during", "each", "few", "for", "from", "further", "had",
        "has", "have", "having", "he", "her", "here", "hers", "herself", "him", "himself", "his", "how", "i", "if", "in", "into", "is", "it",
        "its", "itself", "just", "me", "more", "most", "my", "myself", "of", "off", "on", "once", "only", "or", "other", "our", "ours",
        "ourselves", "out", "over", "own", "same", "she", "should", "so", "some", "such", "than", "that", "the", "their", "theirs", "them",
        "themselves", "then", "there", "these", "they", "this", "those", "through", "to", "too", "under", "until", "up", "very", "was", "we",
        "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with", "would", "you", "your", "yours", "yourself",
        "not", "no", "nor", "im", "ive", "youre", "theyre", "thats", "its", "lets", "get", "got", "also", "really", "even", "still", "now", "one",
        "like", "amp",
        "el", "la", "los", "las", "un", "una", "unos", "unas", "de", "del", "y", "o", "que", "en", "por", "para", "con", "se", "su", "sus",
        "al", "lo", "es", "son", "fue", "como", "mas", "muy", "ya", "le", "les", "me", "mi", "te", "tu", "nos", "este", "esta", "estos", "esa",
        "eso", "hay",
    ]
}
