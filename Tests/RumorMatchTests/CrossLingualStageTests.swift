import Foundation
import RumorCore
import RumorStore
import RumorTestSupport
import Testing

@testable import RumorMatch

@Suite("Cross-lingual stage")
struct CrossLingualStageTests {
    /// The shipped entries without their Spanish phrasings and corrections.
    static func entriesWithoutSpanish() throws -> [Entry] {
        try ShippedKnowledgeBase.entries().map { entry in
            var entry = entry
            entry.phrasings.removeAll(where: CrossLingualStage.readsAsSpanish)
            entry.corrections.removeAll(where: CrossLingualStage.readsAsSpanish)
            return entry
        }
    }

    @Test("Spanish and Spanglish read as Spanish; English, with a Spanish name in it, does not")
    func language() {
        #expect(CrossLingualStage.readsAsSpanish("los muertos votaron en michigan y nadie dice nada"))
        #expect(CrossLingualStage.readsAsSpanish("bro, las boletas llegaron after election day y las contaron anyway"))
        #expect(!CrossLingualStage.readsAsSpanish("dead people voted in michigan, and the county clerk in los angeles knows it"))
        #expect(!CrossLingualStage.readsAsSpanish(""))
    }

    @Test("the scale keeps order and maps the ends of one sample onto the other's")
    func scale() {
        let scale = SimilarityScale(source: (0..<500).map { 0.7 + Float($0) / 2000 }, target: (0..<500).map { Float($0) / 500 })
        let mapped = stride(from: Float(0.6), through: 1.0, by: 0.01).map(scale.map)
        #expect(zip(mapped, mapped.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(abs(scale.map(0.7)) < 0.01)
        #expect(abs(scale.map(0.9495) - 0.998) < 0.01)
    }

    @Test("a Spanish post against English-only entries: the multilingual encoder finds its entry and sends it to the full model")
    func spanishPost() throws {
        let entries = try Self.entriesWithoutSpanish()
        let model = try MatcherModel.shipped()
        let english = RumorMatcher(entries: entries, embedder: try sharedEmbedder.get(), configuration: .init(model: model))
        let across = RumorMatcher(
            entries: entries, embedder: try sharedEmbedder.get(), configuration: .init(model: model), multilingual: try sharedMultilingual.get())
        #expect(across.readsAcrossLanguages && !english.readsAcrossLanguages)
        let post = "Encontraron un montón de boletas llenas en una cuneta en Pensilvania. Los votos de la gente, tirados en la tierra."
        let (_, candidates) = across.candidates(post)
        // The candidates of `candidates(_:)` skip the meaning gate; the full path admits the post by it.
        let best = try #require(candidates.max { $0.features.segmentSimilarity < $1.features.segmentSimilarity })
        #expect(best.entry.slug == "ballots-dumped")
        let gated = across.matchWithStages([post])[0]
        #expect(gated.stage == .encoder)
        // English posts never reach the stage: the same labels with and without it.
        let posts = try Fixtures.jsonLines(Fixtures.devPosts).compactMap { $0["text"] as? String }.prefix(40)
        let englishPosts = posts.filter { !CrossLingualStage.readsAsSpanish(NormalizedText($0, dictionary: []).text) }
        #expect(english.match(Array(englishPosts)) == across.match(Array(englishPosts)))
    }
}
