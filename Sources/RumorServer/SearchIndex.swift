import RumorCore
import RumorMatch
import Synchronization

/// Ranks entries for the site's search box: BM25 over every field people search by, and, once the sentence embedder
/// is loaded, the meaning of a whole-sentence query against each entry's rumor and phrasings.
final class SearchIndex: Sendable {
    /// One result: the entry, its score, and the text that matched best.
    struct Hit {
        var entry: Entry
        var score: Double
    }

    /// The weight of the lexical score next to the cosine; the same balance `rumorctl rank` fitted on CheckThat!.
    static let lexicalWeight = 0.6
    /// The cosine at which an entry counts as about the query even without a shared word.
    static let minimumCosine: Float = 0.45
    /// The share of the best BM25 score below which a shared common word alone does not make a result.
    static let minimumLexical = 0.25

    private let entries: [Entry]
    private let index: BM25Index
    private let vectors = Mutex<[[[Float]]]?>(nil)

    init(entries: [Entry]) {
        self.entries = entries
        index = BM25Index(documents: entries.map { entry in
            let fields = [entry.title, entry.rumor, entry.reality, entry.details] + entry.keywords + entry.phrasings + entry.topics
            return LexicalAnalyzer.terms(NormalizedText(fields.joined(separator: "\n")).text)
        })
    }

    /// The entries that match a query, best first.
    /// - Parameters:
    ///   - query: what the person typed.
    ///   - embedder: the sentence embedder when loaded; without it only words count.
    ///   - boosted: slugs the matcher recognised in the query, ranked first.
    func search(_ query: String, embedder: SentenceEmbedder?, boosted: Set<String> = []) -> [Hit] {
        let text = NormalizedText(query).text
        let lexical = index.scores(LexicalAnalyzer.terms(text))
        let best = max(Double(lexical.values.max() ?? 0), 1e-9)
        var cosines = [Float](repeating: 0, count: entries.count)
        if let embedder {
            let queryVector = embedder.embed(text)
            for (entry, texts) in entryVectors(embedder).enumerated() {
                cosines[entry] = texts.map { zip($0, queryVector).reduce(Float(0)) { $0 + $1.0 * $1.1 } }.max() ?? 0
            }
        }
        var hits: [Hit] = []
        for (position, entry) in entries.enumerated() {
            let words = Double(lexical[position] ?? 0) / best
            guard words >= Self.minimumLexical || cosines[position] >= Self.minimumCosine || boosted.contains(entry.slug) else { continue }
            let score = Double(cosines[position]) + Self.lexicalWeight * words + (boosted.contains(entry.slug) ? 2 : 0)
            hits.append(Hit(entry: entry, score: score))
        }
        return hits.sorted { ($0.score, $1.entry.slug) > ($1.score, $0.entry.slug) }
    }

    /// Each entry's vectors (title, rumor, phrasings), embedded at the first search that has the embedder.
    private func entryVectors(_ embedder: SentenceEmbedder) -> [[[Float]]] {
        vectors.withLock { cached in
            if let cached { return cached }
            let texts = entries.map { [$0.title, $0.rumor] + $0.phrasings }
            let flat = embedder.embed(texts.flatMap { $0 })
            var result: [[[Float]]] = []
            var position = 0
            for group in texts {
                result.append(Array(flat[position..<position + group.count]))
                position += group.count
            }
            cached = result
            return result
        }
    }
}
