import Foundation
import RumorCore
import RumorMatch
import RumorStore
import RumorTestSupport
import Testing

/// The matcher over the shipped knowledge base with the shipped model, built once (embedding the anchors takes seconds).
let sharedMatcher = Result { () throws -> RumorMatcher in
    RumorMatcher(
        entries: try ShippedKnowledgeBase.entries(), embedder: try sharedEmbedder.get(), configuration: .init(model: try MatcherModel.shipped()))
}

@Suite("Matcher")
struct RumorMatcherTests {
    @Test("the seed post gets exactly its five claims, each with the span that makes it")
    func seedPost() throws {
        let matcher = try sharedMatcher.get()
        let post = try #require(Fixtures.jsonLines(Fixtures.devPosts).first { $0["id"] as? String == "d-seed" }?["text"] as? String)
        let result = matcher.match(post)
        #expect(
            Set(result.labels.map(\.slug)) == [
                "dead-people-voting", "poll-watchers-barred", "machines-switched-votes", "late-ballots-counted", "election-stolen",
            ])
        let spans = Dictionary(uniqueKeysWithValues: result.labels.map { ($0.slug, $0.span.text.lowercased()) })
        #expect(spans["dead-people-voting"]?.contains("dead people voting") == true)
        #expect(spans["poll-watchers-barred"]?.contains("poll watchers not allowed") == true)
        #expect(spans["machines-switched-votes"]?.contains("changed votes from trump to biden") == true)
        #expect(spans["late-ballots-counted"]?.contains("late voting") == true)
        let scalars = Array(post.unicodeScalars)
        for label in result.labels {
            #expect(String(String.UnicodeScalarView(scalars[label.span.start..<label.span.end])) == label.span.text)
            #expect(label.url.hasSuffix("/rumors/\(label.slug)"))
            #expect(label.labelText == "This claim about election fraud is disputed.")
            #expect((0...1).contains(label.score))
        }
    }

    @Test("a matcher rebuilt after a publish, reusing the previous one's embeddings, labels as a fresh build does")
    func incrementalRebuild() throws {
        let entries = try ShippedKnowledgeBase.entries()
        let embedder = try sharedEmbedder.get()
        let model = try MatcherModel.shipped()
        // Before: one entry missing and another worded differently; after: the shipped set.
        var changed = entries
        changed[1].reality = "An older wording of this entry's reality."
        let before = RumorMatcher(entries: Array(changed.dropFirst()), embedder: embedder, configuration: .init(model: model))
        let rebuilt = RumorMatcher(entries: entries, embedder: embedder, configuration: .init(model: model), reusing: before)
        let fresh = try sharedMatcher.get()
        let posts = try Fixtures.jsonLines(Fixtures.devPosts).prefix(40).compactMap { $0["text"] as? String }
        for (post, (a, b)) in zip(posts, zip(rebuilt.match(posts), fresh.match(posts))) {
            #expect(a.labels.map(\.slug) == b.labels.map(\.slug) && a.review.map(\.slug) == b.review.map(\.slug), "\(post.prefix(60))")
            for (x, y) in zip(a.labels + a.review, b.labels + b.review) { #expect(abs(x.score - y.score) < 1e-3) }
        }
    }

    @Test("a post that corrects a rumor is not labelled")
    func refutationNotLabelled() throws {
        let matcher = try sharedMatcher.get()
        let result = matcher.match(
            "No, Sharpies did NOT invalidate ballots in Maricopa County. If a tabulator can't read a ballot, a bipartisan board duplicates it and it gets counted."
        )
        #expect(!result.labels.contains { $0.slug == "sharpie-ballots-invalidated" })
    }

    @Test("a post that shares no words with the knowledge base exits at the lexical gate")
    func gate() throws {
        let matcher = try sharedMatcher.get()
        #expect(matcher.candidates("Sourdough attempt #5 🍞").1.isEmpty)
        #expect(matcher.match("Sourdough attempt #5 came out great").labels.isEmpty)
    }

    @Test("the fitted gate turns away claims about other topics and lets election claims through, however worded")
    func gateOnAGeneralStream() throws {
        let matcher = try sharedMatcher.get()
        let threshold = matcher.configuration.model.gate.threshold
        for other in [
            "Bill Gates admits his vaccine will alter your DNA", "Photo shows a shark swimming on a flooded highway in Houston after the hurricane",
            "NASA confirms the earth will go dark for six days in December",
        ] {
            #expect(matcher.gateLogOdds(other) < threshold, "\(other)")
            #expect(matcher.candidates(other).1.isEmpty, "\(other)")
        }
        for claim in [
            "grandpa's been in the ground since 2012 but somehow he mailed a ballot this year",
            "So they're still counting ballots that showed up three days late?",
            "they rigged it. plain and simple",
        ] {
            #expect(matcher.gateLogOdds(claim) >= threshold, "\(claim)")
        }
    }

    @Test("a paraphrase with none of the rumor's words still lands on it")
    func paraphrase() throws {
        let matcher = try sharedMatcher.get()
        let result = matcher.match("grandpa's been in the ground since 2012 but somehow he mailed a ballot this year")
        #expect((result.labels + result.review).first?.slug == "dead-people-voting")
    }

    @Test("the shipped model keeps its measured quality on the dev posts (in-sample: the model was fitted on them too)")
    func devPostsRegression() throws {
        let matcher = try sharedMatcher.get()
        var evaluation = MatchEvaluation()
        for line in try Fixtures.jsonLines(Fixtures.devPosts) {
            let post = LabelledPost(
                id: line["id"] as? String ?? "", text: line["text"] as? String ?? "", claims: Set(line["claims"] as? [String] ?? []),
                kind: line["kind"] as? String ?? "")
            evaluation.add(post, result: matcher.match(post.text))
        }
        #expect(evaluation.precision >= 0.95, "\(evaluation.report)")
        #expect(evaluation.recall >= 0.90, "\(evaluation.report)")
        #expect(evaluation.flagRate(kinds: ["refutation"]) <= 0.05)
        #expect(evaluation.flagRate(kinds: MatchEvaluation.cleanKinds) <= 0.05)
        #expect(evaluation.report.split(separator: "\n").last?.hasPrefix("precision=") == true)
    }
}
