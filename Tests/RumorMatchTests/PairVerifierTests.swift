import Foundation
import RumorCore
import RumorStore
import RumorTestSupport
import Testing

@testable import RumorMatch

/// The shipped verifier on the float and the 8-bit English encoder, each loaded once.
let sharedFloat32Verifier = Result { () throws(EmbeddingError) in try PairVerifier(embedder: try sharedFloat32Embedder.get()) }
let sharedVerifier = Result { () throws(EmbeddingError) in try PairVerifier(embedder: try sharedEmbedder.get()) }

@Suite("Verification stage: a cross-encoder over the post and the rumor")
struct PairVerifierTests {
    /// `Tests/Fixtures/verifier/reference.jsonl`: pairs with their token ids and float64 probabilities.
    static func references() throws -> [(post: String, rumor: String, ids: [Int32], segment: Int, probabilities: [Double])] {
        let rumors = Dictionary(uniqueKeysWithValues: try ShippedKnowledgeBase.entries().map { ($0.slug, $0.rumor) })
        return try Fixtures.jsonLines(Fixtures.repositoryRoot.appendingPathComponent("Tests/Fixtures/verifier/reference.jsonl")).map { line in
            (
                line["post"] as? String ?? "", rumors[line["slug"] as? String ?? ""] ?? "", (line["ids"] as? [NSNumber] ?? []).map(\.int32Value),
                (line["segment"] as? NSNumber)?.intValue ?? -1, (line["probabilities"] as? [NSNumber] ?? []).map(\.doubleValue)
            )
        }
    }

    @Test("pair token ids equal the reference tokenizer's, post and rumor each cut to their budget")
    func tokenParity() throws {
        let verifier = try sharedFloat32Verifier.get()
        let references = try Self.references()
        #expect(references.count >= 200)
        let tokenizer = try sharedFloat32Embedder.get().tokenizer
        #expect(references.contains { tokenizer.tokenize($0.post).count > 114 }, "the fixture holds posts long enough to be cut")
        for reference in references {
            let tokens = verifier.pairTokens(post: reference.post, rumor: reference.rumor)
            #expect(tokens.ids == reference.ids, "\(reference.post.prefix(60))")
            #expect(tokens.second == reference.segment)
        }
    }

    @Test("probabilities are within 1e-4 of the float64 reference")
    func probabilityParity() throws {
        let verifier = try sharedFloat32Verifier.get()
        let references = try Self.references()
        let judgements = verifier.judge(references.map { ($0.post, $0.rumor) })
        var worst = 0.0
        for (reference, judgement) in zip(references, judgements) {
            let mine = [judgement.asserts, judgement.denies, judgement.unrelated]
            worst = max(worst, zip(mine, reference.probabilities).map { abs($0 - $1) }.max() ?? .infinity)
        }
        #expect(worst <= 1e-4, "max-abs \(worst)")
        // The readings are not all alike: the fixture's claims mostly read as assertions.
        #expect(Set(judgements.map { [$0.asserts, $0.denies, $0.unrelated].firstIndex(of: max($0.asserts, $0.denies, $0.unrelated))! }).count >= 2)
    }

    @Test("a claim and its denial, worded alike, read differently")
    func negation() throws {
        let verifier = try sharedVerifier.get()
        let rumor = try #require(try ShippedKnowledgeBase.entries().first { $0.slug == "poll-watchers-barred" }?.rumor)
        let judgements = verifier.judge([
            ("Poll watchers were not allowed in to watch the count in Detroit. They were kept out!", rumor),
            ("Poll watchers were never kept out in Detroit. Both parties had observers inside the whole time.", rumor),
        ])
        // The claim reads as asserting the rumor far more than its denial does, and the denial as denying it more.
        #expect(judgements[0].asserts > judgements[1].asserts + 0.3, "\(judgements)")
        #expect(judgements[1].denies > judgements[0].denies, "\(judgements)")
        #expect(judgements[1].asserts < 0.5, "\(judgements)")
    }

    @Test("the matcher sends a label to review when the verifier says the post does not assert it, labels a review item it surely asserts, and keeps the others")
    func vetoesAndPromotes() throws {
        let entries = try ShippedKnowledgeBase.entries()
        let embedder = try sharedEmbedder.get()
        let model = try MatcherModel.shipped()
        let lines = try Fixtures.jsonLines(Fixtures.devPosts)
        let posts = lines.compactMap { $0["text"] as? String }
        let verifier = try sharedVerifier.get()
        let plain = RumorMatcher(entries: entries, embedder: embedder, configuration: .init(model: model))
        let verified = RumorMatcher(entries: entries, embedder: embedder, configuration: .init(model: model), verifier: verifier)
        let before = plain.match(posts)
        let after = verified.match(posts)
        var (demoted, promoted) = (0, 0)
        for (text, (old, new)) in zip(posts, zip(before, after)) {
            // The same candidates, only moved between labels and review.
            #expect(Set((old.labels + old.review).map(\.slug)) == Set((new.labels + new.review).map(\.slug)))
            for label in old.labels {
                // A label stands when its span or the whole post reads as asserting the rumor, and only then.
                let asserts = verifier.judge([(text, label.rumor), (label.span.text, label.rumor)]).map(\.asserts).max()!
                if new.labels.contains(where: { $0.slug == label.slug }) {
                    #expect(asserts >= verifier.vetoBelow)
                } else {
                    demoted += 1
                    #expect(new.review.contains { $0.slug == label.slug && $0.decision == .review })
                    #expect(asserts < verifier.vetoBelow)
                }
            }
            for label in new.labels where !old.labels.contains(where: { $0.slug == label.slug }) {
                promoted += 1
                #expect(label.decision == .label)
                #expect(verifier.judge([(text, label.rumor)])[0].asserts >= verifier.promoteFrom)
            }
        }
        #expect(demoted >= 1, "the dev posts hold labels the verifier doubts")
        // With promotion off, nothing is labelled that the scorer alone did not label.
        let vetoOnly = RumorMatcher(
            entries: entries, embedder: embedder, configuration: .init(model: model),
            verifier: try PairVerifier(embedder: embedder, vetoBelow: verifier.vetoBelow, promoteFrom: 2))
        for (old, new) in zip(before, vetoOnly.match(posts)) {
            #expect(Set(new.labels.map(\.slug)).isSubset(of: Set(old.labels.map(\.slug))))
        }
        // The seed post keeps exactly its five claims.
        let seed = try #require(lines.first { $0["id"] as? String == "d-seed" }?["text"] as? String)
        #expect(verified.match(seed).labels.count == 5)
        #expect(promoted == 0 || verifier.promoteFrom <= 1, "nothing is promoted when promotion is off")
    }

    @Test("a missing, damaged or foreign verifier file is refused with its path and what to do")
    func damagedFile() throws {
        let embedder = try sharedEmbedder.get()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("verifier-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let missing = folder.appendingPathComponent("missing.safetensors").path
        #expect(throws: EmbeddingError.self) { try PairVerifier(path: missing, embedder: embedder) }
        do {
            _ = try PairVerifier(path: missing, embedder: embedder)
        } catch {
            #expect(error.message.contains(missing))
        }
        let shipped = Self.shippedFile()
        let bytes = try Data(contentsOf: shipped)
        let truncated = folder.appendingPathComponent("truncated.safetensors")
        try bytes.prefix(bytes.count / 2).write(to: truncated)
        do {
            _ = try PairVerifier(path: truncated.path, embedder: embedder)
            Issue.record("a truncated verifier was accepted")
        } catch {
            #expect(error.message.contains(truncated.path), "\(error.message)")
        }
        // Another base encoder named in the metadata.
        let headerLength = Int(bytes.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        var header = try #require(String(data: bytes[8..<(8 + headerLength)], encoding: .utf8))
        header = header.replacingOccurrences(of: SentenceEmbedder.weightsSHA256, with: String(repeating: "0", count: 64))
        let foreign = folder.appendingPathComponent("foreign.safetensors")
        try (bytes.prefix(8) + Data(header.utf8) + bytes[(8 + headerLength)...]).write(to: foreign)
        do {
            _ = try PairVerifier(path: foreign.path, embedder: embedder)
            Issue.record("a verifier of another base encoder was accepted")
        } catch {
            #expect(error.message.contains("another base encoder") && error.message.contains("fit_verifier.py"), "\(error.message)")
        }
    }

    static func shippedFile() -> URL {
        Fixtures.repositoryRoot.appendingPathComponent("Sources/RumorMatch/Resources/verifier.safetensors")
    }
}
