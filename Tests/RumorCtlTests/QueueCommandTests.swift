import Foundation
import RumorCore
import RumorStore
import RumorTestSupport
import Testing

/// `rumorctl label --queue`, `queue`, `emerging` and the export → fit round trip, as subprocesses on one database.
@Suite("rumorctl queue: the moderation desk from the command line")
struct QueueCommandTests {
    @Test("label --queue keeps review and unmatched posts; decided posts export as training posts that eval reads and that change a fitted model; purge deletes the texts", arguments: StoreBackend.available)
    func roundTrip(backend: StoreBackend) async throws {
        try await withTemporaryFolder { folder in try await backend.withFreshDatabase { location in
            let environment = ["RUMORCONTROL_DATABASE": location]
            // Off the test threads: a labelling or fitting run takes a while, and blocking those threads stalls every other test.
            @Sendable func run(_ arguments: [String]) async throws -> CommandResult {
                try await RawHTTP.blocking { try Rumorctl.run(arguments, environment: environment) }
            }
            let posts = Fixtures.repositoryRoot.appendingPathComponent("data/heldout/real-style-i.jsonl")
            let labelled = try await run(["label", "--queue", "--input", posts.path])
            #expect(labelled.status == 0, "\(labelled.stderr)")
            let results = labelled.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            let reviewOnly = results.filter { ($0["labels"] as? [Any])?.isEmpty == true && ($0["review"] as? [Any])?.isEmpty == false }.count
            try #require(reviewOnly >= 5, "the held-out posts give \(reviewOnly) posts for review")

            let store = try await backend.open(location)
            let open = try await store.queuedPosts(decided: false, limit: 10_000)
            #expect(open.count == reviewOnly, "exactly the posts sent to review and not labelled are queued")
            #expect(open.allSatisfy { $0.caller == "rumorctl" && $0.externalID != nil && !$0.candidates.isEmpty })
            let counts = try await store.queueCounts()
            #expect(counts.unmatched > 0, "election posts that matched nothing are kept for the emerging view")
            let list = try await run(["queue", "list"])
            #expect(list.status == 0 && list.stdout.split(separator: "\n").count == reviewOnly && list.stderr.contains("undecided \(reviewOnly)"))

            // A moderator decides them: the first half assert the top candidate, the rest deny it.
            for (index, post) in open.enumerated() {
                let outcome: ModerationDecision.Outcome = index < open.count / 2 ? .asserts : .denies
                try await store.decide(id: post.id, ModerationDecision(outcome: outcome, slug: post.candidates[0].slug), moderator: "mo")
            }
            let decided = folder.appendingPathComponent("decided.jsonl")
            let export = try await run(["queue", "export", "--output", decided.path])
            #expect(export.status == 0 && export.stderr.contains("wrote \(open.count) decided posts"), "\(export.stderr)")
            let lines = try String(contentsOf: decided, encoding: .utf8).split(separator: "\n").map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
            #expect(lines.count == open.count)
            #expect(lines.filter { $0["kind"] as? String == "claim" }.count == open.count / 2)
            #expect(lines.filter { $0["kind"] as? String == "refutation" && ($0["claims"] as? [Any])?.isEmpty == true }.count == open.count - open.count / 2)
            let eval = try await run(["eval", "--posts", decided.path])
            #expect(eval.status == 0 && eval.stdout.contains("precision="), "\(eval.stderr)")

            // Fitting with the decided posts gives another model than fitting without them.
            let base = folder.appendingPathComponent("base.jsonl")
            let dev = try String(contentsOf: Fixtures.devPosts, encoding: .utf8).split(separator: "\n").prefix(80).joined(separator: "\n") + "\n"
            try Data(dev.utf8).write(to: base)
            let without = folder.appendingPathComponent("without.json"), with = folder.appendingPathComponent("with.json")
            let fits = try await [(without, [base]), (with, [base, decided])].asyncMap { output, files in
                try await run(["fit", "--no-quick-stage", "--output", output.path] + files.flatMap { ["--train", $0.path] })
            }
            for fit in fits { #expect(fit.status == 0, "\(fit.stderr)") }
            let models = try [without, with].map { try String(contentsOf: $0, encoding: .utf8) }
            #expect(models[0] != models[1], "the decided posts changed the fitted model")
            #expect(models[1].contains("decided.jsonl") && !models[0].contains("decided.jsonl"))

            let emerging = try await run(["emerging", "--json"])
            #expect(emerging.status == 0, "\(emerging.stderr)")
            let purge = try await run(["queue", "purge", "--retention-days", "0"])
            #expect(purge.status == 0 && purge.stdout.contains("deleted the texts of \(counts.undecided + counts.unmatched) queued posts"), "\(purge.stdout)")
            let empty = try await run(["queue", "export", "--output", "-"])
            #expect(empty.stdout.isEmpty && empty.stderr.contains("lost their text"))
            #expect(try await store.queueCounts().decided == [.asserts: open.count / 2, .denies: open.count - open.count / 2], "decisions outlive the texts")
        } }
    }
}

extension Array {
    /// The results of `transform` on each element, in order, one after another.
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
