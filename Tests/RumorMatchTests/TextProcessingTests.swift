import Foundation
import RumorCore
import RumorTestSupport
import Testing

@testable import RumorMatch

@Suite("Normalisation, segmentation and lexical analysis")
struct TextProcessingTests {
    @Test("hashtags and mentions split at capitals and by dictionary; URLs go; case folds")
    func hashtagsAndNoise() {
        let text = NormalizedText(
            "RT @DominionVoting: #StopTheSteal #sharpiegate https://t.co/abc DOMINION!!", dictionary: ["sharpie", "gate", "stop", "the", "steal"])
        #expect(text.text.contains("stop the steal"))
        #expect(text.text.contains("sharpie gate"))
        #expect(text.text.contains("dominion voting"))
        #expect(!text.text.contains("@"))
        #expect(!text.text.contains("t.co"))
        #expect(text.text.contains("dominion"))
    }

    @Test("abbreviations are spelled out only as written, and compatibility forms fold")
    func abbreviationsAndCompatibility() {
        #expect(NormalizedText("Ballots in PA and Philly").text == "ballots in pennsylvania and philadelphia")
        #expect(NormalizedText("my pa voted").text == "my pa voted")
        #expect(NormalizedText("𝐃𝐎𝐌𝐈𝐍𝐈𝐎𝐍 ｖｏｔｅｓ").text == "dominion votes")
        #expect(NormalizedText("sooooo riggedddd").text == "soo riggedd")
    }

    @Test("every normalised range maps back to the words the person wrote")
    func offsetsMapBack() {
        let original = "Dead people voted in GA 🧟 — thousands of them! #ElectionFraud"
        let text = NormalizedText(original, dictionary: [])
        let scalars = Array(text.text.unicodeScalars)
        let needle = Array("georgia".unicodeScalars)
        let start = try! #require((0...(scalars.count - needle.count)).first { scalars[$0..<$0 + needle.count].elementsEqual(needle) })
        let range = text.originalRange(start..<start + needle.count)
        #expect(text.originalText(range) == "GA")
        let whole = text.originalRange(0..<scalars.count)
        #expect(text.originalText(whole).hasPrefix("Dead people voted"))
    }

    @Test("words split from a hashtag map back to the hashtag's letters")
    func hashtagOffsets() {
        let text = NormalizedText("Vote! #StopTheSteal now")
        let scalars = Array(text.text.unicodeScalars)
        let needle = Array("stop the steal".unicodeScalars)
        let start = try! #require((0...(scalars.count - needle.count)).first { scalars[$0..<$0 + needle.count].elementsEqual(needle) })
        #expect(text.originalText(text.originalRange(start..<start + needle.count)) == "StopTheSteal")
    }

    @Test("the seed post splits into sentences and clauses that each carry one claim")
    func seedSegments() throws {
        let post = try #require(Fixtures.jsonLines(Fixtures.devPosts).first { $0["id"] as? String == "d-seed" }?["text"] as? String)
        let segments = Segmenter.segments(of: NormalizedText(post))
        let texts = segments.map(\.text)
        #expect(segments.first?.kind == .post)
        #expect(texts.contains { $0.contains("dead people voting") && !$0.contains("poll watchers") })
        #expect(texts.contains { $0.hasPrefix("poll watchers not allowed into polling locations") && !$0.contains("glitches") })
        #expect(texts.contains { $0.contains("late voting") && !$0.contains("glitches") })
    }

    @Test("quoted spans become quote segments; apostrophes do not")
    func quotes() {
        let segments = Segmenter.segments(of: NormalizedText("lol at the 'dead people voted' guy. He didn't check."))
        #expect(segments.filter { $0.kind == .quote }.map(\.text) == ["dead people voted"])
    }

    @Test("a quoted claim endorsed in the poster's own words reads apart from one answered with a denial")
    func posterVoice() {
        let endorsed = PosterVoice(NormalizedText("“Thousands of dead people voted in Georgia, the state is covering it up” @NightShowHost So true!").text)
        #expect(endorsed.quotedShare > 0.6)
        #expect(endorsed.endorsements >= 1)
        #expect(endorsed.denials == 0)
        let answered = PosterVoice(NormalizedText("“Thousands of dead people voted in Georgia” No. That's false, the state checked every name.").text)
        #expect(answered.quotedShare > 0.2 && answered.quotedShare < 0.6)
        #expect(answered.endorsements == 0)
        #expect(answered.denials >= 2)
        // The quoted speaker's "not" is theirs, not the poster's; "not true" is no endorsement.
        let quotedNegation = PosterVoice(NormalizedText("\"Poll watchers were not allowed in\" - exactly, 100%").text)
        #expect(quotedNegation.denials == 0)
        #expect(quotedNegation.endorsements == 2)
        #expect(PosterVoice(NormalizedText("That is not true at all, and it isn't correct").text).endorsements == 0)
        let plain = PosterVoice(NormalizedText("Counting takes days in every state, it always has").text)
        #expect(plain.quotedShare == 0)
        #expect(plain.endorsements == 0)
    }

    @Test("stance cues and n-grams read ASCII byte by byte exactly as they read it character by character")
    func asciiReadings() throws {
        let posts = try Fixtures.jsonLines(Fixtures.devPosts).compactMap { $0["text"] as? String }
        let edgeCases = [
            "\"dead people voted\" lol. they didn't", "'quoted' and 'half", "x\r\ny", "a\"b\"c", "no, \"", "'", "\"\"", "", "99% rigged!!! ??",
            "can't won't isn't", "it's not true", "psa:stop sharing", "@handle #tag",
        ]
        var compared = 0
        for text in (posts + edgeCases).map({ NormalizedText($0).text }) + edgeCases where text.utf8.allSatisfy({ $0 < 0x80 }) {
            #expect(StanceCues.count(in: text, readingASCIIAsBytes: true) == StanceCues.count(in: text, readingASCIIAsBytes: false), "\(text)")
            #expect(StanceModel.ngrams(text, readingASCIIAsBytes: true) == StanceModel.ngrams(text, readingASCIIAsBytes: false), "\(text)")
            compared += 1
        }
        #expect(compared > 150)
    }

    @Test("terms drop stop words and stem plurals and verb forms")
    func terms() {
        #expect(LexicalAnalyzer.terms("the ballots were counted and the voters voted") == ["ballot", "count", "voter", "vote"])
        #expect(LexicalAnalyzer.stem("voted") == LexicalAnalyzer.stem("vote"))
        #expect(LexicalAnalyzer.stem("glitches") == "glitch")
        #expect(LexicalAnalyzer.stem("Dominion") == "Dominion")
    }

    @Test("BM25 ranks the document that shares the rare term first")
    func bm25() {
        let documents = [["ballot", "count"], ["ballot", "sharpie", "maricopa"], ["ballot", "mail"], ["vote", "ballot"]]
        let index = BM25Index(documents: documents)
        let scores = index.scores(["sharpie", "ballot"])
        #expect(scores.max { $0.value < $1.value }?.key == 1)
        #expect(index.inverseDocumentFrequency("sharpie") > index.inverseDocumentFrequency("ballot"))
        #expect(index.scores(["unknown"]).isEmpty)
    }

    @Test("TSV with quoted fields, tabs and line breaks inside quotes")
    func delimitedText() {
        let rows = DelimitedText.rows("id\tclaim\ttitle\n1\t\"a \"\"quoted\"\"\tclaim\"\tT\n2\tplain\t\"two\nlines\"\n")
        #expect(rows.count == 3)
        #expect(rows[1] == ["1", "a \"quoted\"\tclaim", "T"])
        #expect(rows[2] == ["2", "plain", "two\nlines"])
    }

    @Test("MAP@k, MRR and P@k follow the CheckThat! definitions")
    func retrievalMetrics() {
        #expect(RetrievalMetrics.averagePrecision(ranked: ["a", "b", "c"], relevant: ["b"], k: 5) == 0.5)
        #expect(RetrievalMetrics.averagePrecision(ranked: ["a", "b", "c", "d", "e", "f"], relevant: ["f"], k: 5) == 0)
        #expect(RetrievalMetrics.averagePrecision(ranked: ["x", "a", "y", "b"], relevant: ["a", "b"], k: 5) == (0.5 + 0.5) / 2)
        #expect(RetrievalMetrics.reciprocalRank(ranked: ["x", "y", "a"], relevant: ["a"]) == 1.0 / 3)
        #expect(RetrievalMetrics.precision(ranked: ["a", "x", "y"], relevant: ["a"], k: 3) == 1.0 / 3)
    }
}

@Suite("Fitted models")
struct FittedModelTests {
    @Test("boosted trees learn an interaction a linear model cannot (XOR)")
    func boostedTreesXOR() {
        var examples: [[Double]] = []
        var labels: [Bool] = []
        for i in 0..<400 {
            let x = Double(i % 20) / 20
            let y = Double(i / 20) / 20
            examples.append([x, y])
            labels.append((x > 0.5) != (y > 0.5))
        }
        var parameters = BoostedTrees.Parameters()
        parameters.depth = 2
        parameters.minimumChildWeight = 1
        let model = BoostedTrees.fit(examples: examples, labels: labels, names: ["x", "y"], parameters: parameters)
        let correct = zip(examples, labels).filter { (model.probability($0) > 0.5) == $1 }.count
        #expect(correct >= 380)
    }

    @Test("the stance model learns denial cues")
    func stance() {
        let assertions = ["the machines switched votes", "dead people voted in georgia", "ballots were dumped in a ditch", "they stole the election"]
        let denials = [
            "no, the machines did not switch votes", "dead people did not vote, that is false", "no ballots were dumped, that is a myth",
            "the election was not stolen, that is false",
        ]
        let vector = [Float](repeating: 0, count: 384)
        let model = StanceModel.fit(examples: assertions.map { ($0, vector, false) } + denials.map { ($0, vector, true) }, minimumCount: 1)
        #expect(model.denialProbability(text: "no, the sharpies did not invalidate ballots, that is false", vector: vector) > 0.5)
        #expect(model.denialProbability(text: "sharpies invalidated our ballots", vector: vector) < 0.5)
    }

    @Test("the gate learns which words make a post a possible claim, and its log-odds order unseen posts")
    func gateFit() {
        let claims = [
            "dead people voted in georgia", "the machines switched votes to biden", "ballots were dumped in a ditch",
            "they counted ballots that arrived late", "poll watchers were thrown out of the count", "the election was stolen from us",
        ]
        let others = [
            "the vaccine changes your dna", "sharks swim on a flooded highway", "the moon landing was staged in a studio",
            "5g towers spread the virus", "a celebrity died in a car crash today", "the earth will go dark for six days",
        ]
        func inputs(_ text: String, _ rarity: Double, _ bm25: Double) -> TopicGate.Inputs {
            TopicGate.Inputs(terms: LexicalAnalyzer.terms(text), topicRarity: rarity, bestBM25: bm25)
        }
        let gate = TopicGate.fit(claims.map { (inputs($0, 3, 2), true) } + others.map { (inputs($0, 0, 0), false) })
        #expect(gate.threshold < -1e8, "the threshold is the caller's to set")
        let claim = gate.logOdds(inputs("dead people's ballots were counted", 2, 1))
        let other = gate.logOdds(inputs("the vaccine towers spread the virus", 0, 0))
        #expect(claim > 0 && other < 0, "claim \(claim), other \(other)")
    }

    @Test("a model whose exemplars do not line up is refused when read, with advice to refit")
    func misalignedExemplarsRefused() throws {
        var model = try MatcherModel.shipped()
        #expect(model.exemplars.clean.count == model.exemplars.claims.count && !model.exemplars.claims.isEmpty)
        model.exemplars.clean.removeLast()
        let error = #expect(throws: EmbeddingError.self) { try MatcherModel.load(model.json(), source: "misaligned.json") }
        #expect(error?.description.contains("misaligned.json") == true && error?.description.contains("rumorctl fit") == true)
    }

    @Test("a model fitted on an earlier, shorter list of features still loads; one fitted on other features is refused")
    func earlierFeatureListsLoad() throws {
        var model = try MatcherModel.shipped()
        model.scorer.names = Array(MatchFeatures.names.prefix(27))
        model.quick?.scorer.names = Array(MatchFeatures.names.prefix(27))
        #expect(throws: Never.self) { try MatcherModel.load(model.json(), source: "earlier.json") }
        model.scorer.names[3] = "renamed"
        let error = #expect(throws: EmbeddingError.self) { try MatcherModel.load(model.json(), source: "other.json") }
        #expect(error?.description.contains("other.json") == true)
    }

    @Test("exemplar embeddings survive the float16 round trip")
    func exemplarRoundTrip() {
        let vector = (0..<384).map { Float($0 % 7) / 10 - 0.3 }
        let set = ExemplarSet(embeddings: [vector], claims: [["trump-won"]], clean: [false])
        let decoded = set.decodedVectors()
        #expect(decoded.count == 384)
        #expect(zip(decoded, vector).map { abs($0 - $1) }.max()! < 1e-3)
    }

    @Test("the nearest exemplars vote: a post next to traps gets a high clean share and no vote for the rumor")
    func exemplarNeighbourhood() {
        func unit(_ axis: Int, _ lean: Int = -1) -> [Float] {
            var vector = [Float](repeating: 0, count: 384)
            vector[axis] = 1
            if lean >= 0 { vector[lean] = 0.3 }
            let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return vector.map { $0 / norm }
        }
        // Exemplars near axis 0 assert the first slug; those near axis 1 are traps; the one near axis 2 is a refutation.
        let set = ExemplarSet(
            embeddings: [unit(0), unit(0, 5), unit(0, 6), unit(1), unit(1, 5), unit(1, 6), unit(2)],
            claims: [["dead-people-voting"], ["dead-people-voting"], ["dead-people-voting", "trump-won"], [], [], [], []],
            clean: [false, false, false, true, true, true, false])
        let index = ExemplarIndex(set, slugs: ["dead-people-voting", "trump-won"])
        let claimLike = index.neighbourhood(unit(0, 7), slugCount: 2)
        let trapLike = index.neighbourhood(unit(1, 7), slugCount: 2)
        #expect(claimLike.votes[0] > 0.6 && trapLike.votes[0] < claimLike.votes[0])
        #expect(claimLike.votes[1] < claimLike.votes[0], "one of three claims asserts the second slug")
        #expect(trapLike.cleanShare > 0.6 && claimLike.cleanShare < trapLike.cleanShare)
        #expect(claimLike.claimShare > trapLike.claimShare)
        #expect(claimLike.nearest[0].asserting > 0.9 && trapLike.nearest[0].other > 0.9)
        // Leaving the claims out (a fold, while fitting) leaves nothing to vote for the slug.
        let withoutClaims = ExemplarIndex(set, slugs: ["dead-people-voting", "trump-won"]) { $0 < 3 }
        #expect(withoutClaims.neighbourhood(unit(0, 7), slugCount: 2).votes[0] == 0)
    }
}
