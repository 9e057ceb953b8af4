import Foundation
import RumorMatch
import RumorTestSupport
import Testing

@Suite("Matcher: the quick stage")
struct QuickStageTests {
    @Test("the ridge map recovers a linear map from exact pairs")
    func linearMapFit() {
        let d = SentenceEmbedder.dimension
        var state: UInt64 = 42
        func random() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(state >> 40) / Float(1 << 24) - 0.5
        }
        let truth = (0..<d * d).map { _ in random() }
        let inputs = (0..<800).map { _ in (0..<d).map { _ in random() } }
        let targets = inputs.map { x in (0..<d).map { j in (0..<d).reduce(Float(0)) { $0 + x[$1] * truth[$1 * d + j] } } }
        let fitted = LinearMap.fit(inputs: inputs, targets: targets, l2: 1e-6)
        let error = zip(fitted, truth).map { abs($0 - $1) }.max() ?? .infinity
        #expect(error < 1e-3, "largest difference \(error)")
    }

    @Test("per-token vectors are computed once, kept in the model's folder, and recomputed when that file is damaged")
    func tokenVectorFile() async throws {
        try await withTemporaryFolder { folder in
            let source = URL(fileURLWithPath: ModelLocation.resolve())
            for name in ["model.safetensors", "vocab.txt"] {
                try FileManager.default.createSymbolicLink(
                    at: folder.appendingPathComponent(name), withDestinationURL: source.appendingPathComponent(name))
            }
            let embedder = try SentenceEmbedder(modelDirectory: folder.path)
            let text = "the dominion machines switched votes"
            let computed = embedder.tokenVectorEmbedder()
            #expect(computed.usesTokenVectors && !embedder.usesTokenVectors)
            let file = folder.appendingPathComponent(embedder.tokenVectorFile)
            // Each precision keeps its own vectors: they come from the encoder.
            #expect(embedder.tokenVectorFile != (try SentenceEmbedder(modelDirectory: folder.path, precision: .float32)).tokenVectorFile)
            let size = try #require(try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int)
            #expect(size == 40 + 30_522 * SentenceEmbedder.dimension * 4)
            let vector = computed.embed(text)
            #expect(abs(vector.map { $0 * $0 }.reduce(0, +) - 1) < 1e-4)
            // Read back, the same vectors.
            #expect(embedder.tokenVectorEmbedder().embed(text) == vector)
            // A damaged file is not trusted: the vectors are computed again and the file rewritten.
            let handle = try FileHandle(forUpdating: file)
            try handle.seek(toOffset: 20_000_000)
            try handle.write(contentsOf: Data(repeating: 0x7F, count: 64))
            try handle.close()
            #expect(embedder.tokenVectorEmbedder().embed(text) == vector)
            let rewritten = try Data(contentsOf: file)
            #expect(rewritten[20_000_000..<20_000_064] != Data(repeating: 0x7F, count: 64))
            // A map applies to every token: the identity changes nothing.
            let identity = (0..<SentenceEmbedder.dimension * SentenceEmbedder.dimension).map {
                $0 % (SentenceEmbedder.dimension + 1) == 0 ? Float(1) : 0
            }
            let mapped = embedder.tokenVectorEmbedder(map: identity).embed(text)
            #expect(zip(mapped, vector).allSatisfy { abs($0 - $1) < 1e-5 })
        }
    }

    @Test("the quick stage decides the posts it is sure of, agrees with the encoder on them, and leaves the rest to it")
    func cascade() throws {
        let matcher = try sharedMatcher.get()
        let model = matcher.configuration.model
        let quick = try #require(model.quick, "the shipped model has a quick stage")
        #expect(quick.dropBelow < quick.labelAbove && quick.labelAbove <= quick.labelAboveWithDenialCue)
        let posts = try Fixtures.jsonLines(Fixtures.devPosts).compactMap { $0["text"] as? String }
        let staged = matcher.matchWithStages(posts)
        for stage in [RumorMatcher.Stage.gate, .quick, .encoder] { #expect(staged.contains { $0.stage == stage }, "no post decided by \(stage)") }
        var withoutQuick = matcher
        withoutQuick.configuration.model.quick = nil
        let full = withoutQuick.matchWithStages(posts)
        var agreeing = 0
        var decided = 0
        for (post, ((result, stage), (fullResult, fullStage))) in zip(posts, zip(staged, full)) {
            #expect((stage == .gate) == (fullStage == .gate), "the gate decides the same posts")
            #expect(fullStage != .quick)
            if stage == .encoder { #expect(result == fullResult) }
            guard stage == .quick else { continue }
            // Quick decisions are labels at or above its bound (its own scores; higher for a post with a denial cue), or
            // nothing; never review.
            #expect(result.review.isEmpty)
            let cues = StanceCues.count(in: matcher.candidates(post).0.text)
            #expect(result.labels.allSatisfy { $0.score >= quick.labelBound(cues) - 5e-4 })
            decided += 1
            if Set(result.labels.map(\.slug)) == Set(fullResult.labels.map(\.slug)) { agreeing += 1 }
        }
        #expect(Double(agreeing) >= 0.9 * Double(decided), "\(agreeing) of \(decided) quick decisions agree with the encoder's")
    }

    @Test("a model fitted before the denial-cue bound still loads, and sends posts with a denial cue to the encoder")
    func modelWithoutDenialCueBound() throws {
        let model = try MatcherModel.shipped()
        var json = try #require(try JSONSerialization.jsonObject(with: model.json()) as? [String: Any])
        var quick = try #require(json["quick"] as? [String: Any])
        quick["label_above_with_denial_cue"] = nil
        json["quick"] = quick
        let older = try #require(try MatcherModel.load(JSONSerialization.data(withJSONObject: json), source: "older.json").quick)
        #expect(older.labelBound(StanceCues.count(in: "they did not switch votes")) == 1)
        #expect(older.labelBound(StanceCues.count(in: "they switched votes")) == model.quick?.labelAbove)
    }

    @Test("a deployment's own thresholds turn the quick stage off; a model with a damaged map is refused")
    func thresholdsAndDamage() throws {
        let model = try MatcherModel.shipped()
        #expect(model.withThresholds(label: nil, review: nil).quick != nil)
        #expect(model.withThresholds(label: model.labelThreshold, review: model.reviewThreshold).quick != nil)
        #expect(model.withThresholds(label: 0.9, review: nil).quick == nil)
        #expect(model.withThresholds(label: nil, review: 0.3).labelThreshold == model.labelThreshold)
        #expect(model.withThresholds(label: nil, review: 0.3).quick == nil)
        var damaged = model
        damaged.quick?.map = "AAAA"
        let error = #expect(throws: EmbeddingError.self) { try MatcherModel.load(damaged.json(), source: "damaged.json") }
        #expect(error?.description.contains("damaged.json") == true && error?.description.contains("rumorctl fit") == true)
        var outOfOrder = model
        outOfOrder.quick?.labelAboveWithDenialCue = (model.quick?.labelAbove ?? 0) - 0.1
        #expect(throws: EmbeddingError.self) { try MatcherModel.load(outOfOrder.json(), source: "out-of-order.json") }
    }
}
