/// Lets the matcher read posts in Spanish against entries written only in English.
///
/// The English encoder places a Spanish post far from the English rumor it repeats, and the lexical gate finds none of
/// its words in the entry. For a post that reads as Spanish (``readsAsSpanish(_:)``), this stage embeds the post and
/// its segments with the multilingual encoder, compares them with the same entry texts (rumors, titles and
/// phrasings; realities; corrections) embedded by that encoder, and gives the matcher the better of the two
/// encoders' similarities. The multilingual similarities are first put on the English encoder's scale
/// (``SimilarityScale``), so the fitted scorer reads them as it learnt to, and English posts never reach this stage.
///
/// The scale is fitted (``fittedScale(english:multilingual:)``) on the entries' own Spanish phrasings: their
/// multilingual similarities to every English text of the entries are matched, percentile by percentile, with the
/// English encoder's similarities between the English texts. That carries the loss of similarity across languages
/// over to the scale. `rumorctl fit` keeps it in the model, so entries without Spanish phrasings still have it.
struct CrossLingualStage: Sendable {
    /// A post the lexical gate turns away still goes on when the multilingual encoder finds it this near an entry's
    /// rumor (on the English encoder's scale): near enough to be about a rumor, far below what a label needs.
    static let gateSimilarity: Float = 0.45

    let embedder: MultilingualEmbedder
    let rumorAnchors: AnchorSet
    let realityAnchors: AnchorSet
    let correctionAnchors: AnchorSet
    let scale: SimilarityScale
    /// The fitting posts as this encoder reads them (``MatcherModel/crossLingualExemplars``), for the exemplar
    /// features of a post read across languages; nil when the model has none.
    var exemplarIndex: ExemplarIndex?

    /// Embeds the entry texts of the English anchor sets with the multilingual encoder.
    /// - Parameters:
    ///   - english: the English encoder's rumor, reality and correction anchors, in that order.
    ///   - scale: the model's fitted scale; nil to fit one on these entries (or, when they have too few Spanish
    ///     phrasings, to match the two encoders' similarities over the entries' texts).
    ///   - exemplars: the fitting posts embedded by the multilingual encoder, and the matcher's slugs in order.
    ///   - previous: an earlier stage whose vectors are reused for texts it embedded.
    init(
        embedder: MultilingualEmbedder, english: [AnchorSet], scale: SimilarityScale?, exemplars: (set: ExemplarSet, slugs: [String])?,
        reusing previous: CrossLingualStage?
    ) {
        self.embedder = embedder
        exemplarIndex = exemplars.map { ExemplarIndex($0.set, slugs: $0.slugs) }
        // Every text of the three sets in one call, so that the kept file holds them all.
        var previousVectors: [String: [Float]] = [:]
        for set in previous.map({ [$0.rumorAnchors, $0.realityAnchors, $0.correctionAnchors] }) ?? [] {
            for (index, text) in set.texts.enumerated() { previousVectors[text] = set.vector(index) }
        }
        var texts: [String] = []
        var seen: Set<String> = []
        for text in english.flatMap(\.texts) where seen.insert(text).inserted { texts.append(text) }
        let vectors = Dictionary(uniqueKeysWithValues: zip(texts, embedder.embedKeeping(texts, reusing: previousVectors)))
        let sets = english.map { set in AnchorSet(texts: Array(zip(set.owners, set.texts)), embed: { $0.map { vectors[$0]! } }) }
        (rumorAnchors, realityAnchors, correctionAnchors) = (sets[0], sets[1], sets[2])
        self.scale = scale ?? Self.fittedScale(english: english[0], multilingual: sets[0]) ?? SimilarityScale(from: sets[0], to: english[0])
    }

    /// The fewest Spanish phrasings a scale is fitted on.
    static let fewestSpanishTexts = 20

    /// The scale fitted on the Spanish texts among `english`'s (the same texts as `multilingual`'s): their multilingual
    /// similarities to the English texts, matched with the English encoder's similarities among the English texts.
    /// Nil when there are fewer than ``fewestSpanishTexts`` Spanish texts.
    static func fittedScale(english: AnchorSet, multilingual: AnchorSet) -> SimilarityScale? {
        let spanish = english.texts.indices.filter { readsAsSpanish(english.texts[$0]) }
        let others = english.texts.indices.filter { !readsAsSpanish(english.texts[$0]) }
        guard spanish.count >= fewestSpanishTexts, others.count >= 2 else { return nil }
        let across = multilingual.rows.similarities(spanish.map(multilingual.vector))
        let within = english.rows.similarities(others.map(english.vector))
        let count = english.owners.count
        let source = spanish.indices.flatMap { row in others.map { across[row * count + $0] } }
        let target = others.indices.flatMap { row in others.filter { $0 != others[row] }.map { within[row * count + $0] } }
        return SimilarityScale(source: source, target: target)
    }

    /// For each vector, the best similarity to each entry's anchors of `set`, on the English encoder's scale.
    func bestPerEntry(_ set: KeyPath<CrossLingualStage, AnchorSet>, _ vectors: [[Float]], entryCount: Int) -> [[Float]] {
        self[keyPath: set].bestPerEntry(vectors, entryCount: entryCount).map { $0.map(scale.map) }
    }

    /// What the fitting posts, read by this encoder, say of a post's multilingual vector (on the English encoder's
    /// scale); nil when the model has no such exemplars.
    func exemplarNeighbourhood(_ vector: [Float], slugCount: Int) -> ExemplarIndex.Neighbourhood? {
        exemplarIndex?.neighbourhood(vector, slugCount: slugCount, scale: scale)
    }

    /// Whether a normalised post reads as Spanish, Spanglish included: at least two common Spanish words and at least
    /// half as many as common English ones, or one Spanish word and a Spanish letter (á, ñ, ¿ ...).
    static func readsAsSpanish(_ text: String) -> Bool {
        var spanish = 0
        var english = 0
        for word in text.lowercased().split(whereSeparator: { !$0.isLetter }) {
            if spanishWords.contains(String(word)) { spanish += 1 } else if englishWords.contains(String(word)) { english += 1 }
        }
        let spanishLetter = text.lowercased().contains { "áéíóúñ¿¡".contains($0) }
        return (spanish >= 2 && 2 * spanish >= english) || (spanish >= 1 && spanishLetter)
    }

    private static let spanishWords: Set<String> = [
        "el", "los", "las", "del", "que", "y", "por", "para", "con", "una", "es", "se", "sin", "hay", "fue", "hubo", "sus", "al", "lo", "más",
        "pero", "votos", "boletas", "elección", "elecciones", "muertos", "votaron", "están", "esto", "eso", "esta", "ese", "como", "nos",
        "ya", "muy", "también", "porque", "cuando", "donde", "todo", "todos", "nada", "nadie", "aquí", "fraude", "mi", "su", "le", "les",
    ]
    private static let englishWords: Set<String> = [
        "the", "of", "and", "to", "in", "was", "were", "is", "a", "that", "for", "on", "with", "they", "it", "by", "this", "are", "be", "have",
    ]
}

/// Puts one encoder's cosine similarities on another's scale by matching their distributions over the same texts:
/// the similarity at each per-mille point of every pair of the entries' own texts under the first encoder maps to the
/// similarity at that percentile under the second (linear between percentiles).
public struct SimilarityScale: Sendable, Hashable, Codable {
    /// Similarities under the source encoder at each percentile, rising.
    public let source: [Float]
    /// The same percentiles under the target encoder.
    public let target: [Float]

    /// Matches two samples of similarities, percentile by percentile.
    init(source: [Float], target: [Float]) {
        self.source = Self.percentiles(source)
        self.target = Self.percentiles(target)
    }

    /// Matches the pairwise similarities of `from`'s anchors with those of `to`'s (the same texts, in the same order).
    init(from: AnchorSet, to: AnchorSet) {
        func pairs(_ set: AnchorSet) -> [Float] {
            let count = set.owners.count
            let products = set.rows.similarities((0..<count).map(set.vector))
            return (0..<count).flatMap { row in ((row + 1)..<max(row + 1, count)).map { products[row * count + $0] } }
        }
        self.init(source: pairs(from), target: pairs(to))
    }

    private static func percentiles(_ values: [Float]) -> [Float] {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return [-1, 1] }
        // Per mille: most pairs are of different entries, and the few of the same entry lie in the top percent, where
        // the scale must be finest.
        return (0...1000).map { sorted[$0 * (sorted.count - 1) / 1000] }
    }

    /// A source similarity on the target's scale; beyond the ends, shifted by the end's difference.
    func map(_ value: Float) -> Float {
        guard value > source[0] else { return value - source[0] + target[0] }
        guard value < source[source.count - 1] else { return value - source[source.count - 1] + target[target.count - 1] }
        var (lower, upper) = (0, source.count - 1)
        while upper - lower > 1 {
            let middle = (lower + upper) / 2
            if source[middle] < value { lower = middle } else { upper = middle }
        }
        let (low, high) = (source[upper - 1], source[upper])
        let share = high > low ? (value - low) / (high - low) : 0
        return target[upper - 1] + share * (target[upper] - target[upper - 1])
    }
}
