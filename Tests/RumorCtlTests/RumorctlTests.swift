import Foundation
import RumorCore
import RumorMatch
import RumorTestSupport
import Testing

/// `rumorctl` end to end, run as a subprocess on a fresh database in a temporary folder.
@Suite("rumorctl command line")
struct RumorctlTests {
    @Test("list prints every shipped slug on a fresh database")
    func listCanon() async throws {
        try await withDatabase { database in
            let result = try Rumorctl.run(["list"], database: database)
            #expect(result.status == 0, "\(result.stderr)")
            let slugs = result.stdout.split(separator: "\n").map { String($0.split(separator: " ")[0]) }
            #expect(slugs == (try Fixtures.shippedSlugs()))
        }
    }

    @Test("list --json prints every field of every entry")
    func listJSON() async throws {
        try await withDatabase { database in
            let result = try Rumorctl.run(["list", "--json"], database: database)
            #expect(result.status == 0)
            let entries = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
            #expect(entries.count == (try Fixtures.shippedSlugs()).count)
            let fields: Set<String> = [
                "slug", "title", "rumor", "reality", "details", "sources", "topics", "jurisdictions", "keywords",
                "phrasings", "corrections", "language", "status", "version", "created", "updated", "last_reviewed",
            ]
            for entry in entries { #expect(Set(entry.keys) == fields) }
        }
    }

    @Test("show prints the rumor, the reality and the sources with their URLs")
    func show() async throws {
        try await withDatabase { database in
            let expected = try Fixtures.entry("machines-switched-votes")
            let result = try Rumorctl.run(["show", "machines-switched-votes"], database: database)
            #expect(result.status == 0)
            #expect(result.stdout.contains("Rumor:   \(expected.rumor)"))
            #expect(result.stdout.contains("Reality: \(expected.reality)"))
            for source in expected.sources { #expect(result.stdout.contains(source.url)) }

            let json = try Rumorctl.run(["show", "machines-switched-votes", "--json"], database: database)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            #expect(object["slug"] as? String == "machines-switched-votes")
            #expect((object["sources"] as? [[String: Any]])?.count == expected.sources.count)
        }
    }

    @Test("show of an unknown slug exits 1 with a message")
    func showUnknown() async throws {
        try await withDatabase { database in
            let result = try Rumorctl.run(["show", "no-such-rumor"], database: database)
            #expect(result.status == 1)
            #expect(result.stdout.isEmpty)
            #expect(result.stderr.contains("no entry has the slug 'no-such-rumor'"))
        }
    }

    @Test("import of a folder with one broken file imports nothing and names the file, line and field")
    func atomicImport() async throws {
        try await withDatabase { database in
            let folder = database.deletingLastPathComponent().appendingPathComponent("incoming")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            var good = try Fixtures.entryFileText("dead-people-voting")
            good = good.replacingOccurrences(of: "\"title\": \"", with: "\"title\": \"Updated: ")
            try good.write(to: folder.appendingPathComponent("a-good.json"), atomically: true, encoding: .utf8)
            let broken = try Fixtures.entryFileText("sharpie-ballots-invalidated").replacingOccurrences(
                of: "\"language\": \"en\"", with: "\"language\": 42")
            try broken.write(to: folder.appendingPathComponent("b-broken.json"), atomically: true, encoding: .utf8)
            let languageLine =
                try #require(broken.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("\"language\"") }) + 1
            let before = try Rumorctl.run(["list", "--json"], database: database).stdout

            let result = try Rumorctl.run(["import", folder.path], database: database)

            #expect(result.status == 2)
            #expect(result.stderr.contains("b-broken.json:\(languageLine): language: expected a string, found a number"), "\(result.stderr)")
            #expect(result.stderr.contains("nothing was imported"))
            #expect(try Rumorctl.run(["list", "--json"], database: database).stdout == before)
        }
    }

    @Test("re-importing a changed entry makes a new version")
    func reimportMakesVersion() async throws {
        try await withDatabase { database in
            let file = database.deletingLastPathComponent().appendingPathComponent("trump-won.json")
            let text = try Fixtures.entryFileText("trump-won").replacingOccurrences(
                of: "\"last_reviewed\": \"2026-11-26\"", with: "\"last_reviewed\": \"2026-11-27\"")
            try text.write(to: file, atomically: true, encoding: .utf8)

            let result = try Rumorctl.run(["import", file.path], database: database)

            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("trump-won: new version (v2)"))
            #expect(try Rumorctl.run(["list"], database: database).stdout.contains("v2"))
        }
    }

    @Test("export json writes files that import back unchanged")
    func exportRoundTrip() async throws {
        try await withDatabase { database in
            let folder = database.deletingLastPathComponent().appendingPathComponent("export")
            let export = try Rumorctl.run(["export", "--output", folder.path], database: database)
            #expect(export.status == 0, "\(export.stderr)")
            let shipped = try Fixtures.shippedSlugs().count
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).count == shipped)

            let reimport = try Rumorctl.run(["import", folder.path], database: database)

            #expect(reimport.status == 0)
            #expect(reimport.stdout.contains("imported 0 of \(shipped) entries"))
        }
    }

    @Test("export claimreview prints schema.org ClaimReview JSON-LD with the required fields")
    func exportClaimReview() async throws {
        try await withDatabase { database in
            let result = try Rumorctl.run(["export", "--format", "claimreview", "--site-url", "https://rumors.example.gov"], database: database)
            #expect(result.status == 0)
            let reviews = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
            #expect(reviews.count == (try Fixtures.shippedSlugs()).count)
            for review in reviews {
                #expect(review["@type"] as? String == "ClaimReview")
                #expect((review["claimReviewed"] as? String)?.isEmpty == false)
                #expect((review["reviewRating"] as? [String: Any])?["alternateName"] as? String == "False")
                #expect((review["author"] as? [String: Any])?["@type"] as? String == "Organization")
                #expect(review["datePublished"] is String)
                #expect((review["itemReviewed"] as? [String: Any])?["@type"] as? String == "Claim")
                #expect((review["url"] as? String)?.hasPrefix("https://rumors.example.gov/rumors/") == true)
            }
        }
    }

    @Test("a database file that is not SQLite exits 1 with a clear message")
    func notADatabase() async throws {
        try await withDatabase { database in
            try Data("not a database".utf8).write(to: database)
            let result = try Rumorctl.run(["list"], database: database)
            #expect(result.status == 1)
            #expect(result.stderr.contains("is not a SQLite database"))
        }
    }

    @Test("a read-only database file exits 1 with a clear message and is left as it was", .enabled(if: Immutable.isSupported))
    func readOnlyDatabase() async throws {
        try await withDatabase { database in
            #expect(try Rumorctl.run(["list"], database: database).status == 0)
            let before = try Data(contentsOf: database)
            try Immutable.set(database, true)
            defer { try? Immutable.set(database, false) }

            let result = try Rumorctl.run(["import", Fixtures.entryFile("trump-won").path], database: database)

            #expect(result.status == 1)
            #expect(result.stderr.contains("is read-only"), "\(result.stderr)")
            #expect(try Data(contentsOf: database) == before)
        }
    }

    @Test("works from any directory, with --database overriding the environment")
    func anyDirectory() async throws {
        try await withDatabase { database in
            let other = database.deletingLastPathComponent().appendingPathComponent("flag.sqlite")
            let result = try Rumorctl.run(["list", "--database", other.path], database: database, currentDirectory: URL(fileURLWithPath: "/"))
            #expect(result.status == 0)
            #expect(FileManager.default.fileExists(atPath: other.path))
            #expect(!FileManager.default.fileExists(atPath: database.path))
        }
    }

    private func withDatabase(_ body: (URL) async throws -> Void) async throws {
        try await withTemporaryFolder { folder in try await body(folder.appendingPathComponent("rumorcontrol.sqlite")) }
    }
}

/// `rumorctl embed`, run as a subprocess.
@Suite("rumorctl embed")
struct EmbedCommandTests {
    @Test("embeds a text argument into token ids and a 384-float unit vector")
    func text() throws {
        let result = try Rumorctl.run(["embed", "Dead people voted in Georgia"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let tokens = try #require(object["tokens"] as? [Int])
        let vector = try #require(object["vector"] as? [Double])
        #expect(tokens.first == 101 && tokens.last == 102)
        #expect(vector.count == 384)
        #expect(abs(vector.map { $0 * $0 }.reduce(0, +) - 1) < 1e-4)
    }

    @Test("embeds JSON Lines in order, keeps ids, and reports bad lines by number with exit status 2")
    func jsonLines() throws {
        let input = """
            {"id": "a", "text": "Ballots were dumped in a ditch"}
            {"id": 7, "text": "Sourdough attempt #4"}
            this is not json
            {"id": "c"}
            {"id": "d", "text": "Dominion switched votes"}

            """
        let result = try Rumorctl.run(["embed", "--input", "-"], input: Data(input.utf8))
        #expect(result.status == 2)
        let lines = result.stdout.split(separator: "\n").map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(lines.count == 3)
        #expect(lines.map { "\($0?["id"] ?? "")" } == ["a", "7", "d"])
        #expect(result.stderr.contains("-:3: not valid JSON"))
        #expect(result.stderr.contains("-:4: \"text\" is missing"))
    }

    @Test("a missing model exits 1 and names the set-up command")
    func missingModel() throws {
        let result = try Rumorctl.run(["embed", "hello"], environment: ["RUMORCONTROL_MODEL_DIR": "/nonexistent/model"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("scripts/fetch-model.sh"))
        #expect(result.stdout.isEmpty)
    }
}

/// `rumorctl label`, `eval`, `rank` and `score`, run as subprocesses.
@Suite("rumorctl label, eval, rank and score")
struct MatcherCommandTests {
    @Test("fit-clustering writes a clustering model that reads back and that emerging takes with --clustering-model; a damaged one and too few rumors are refused")
    func fitClustering() async throws {
        try await withTemporaryFolder { folder in
            let lines = try String(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("data/train-posts.jsonl"), encoding: .utf8)
                .split(separator: "\n").filter { $0.contains("\"kind\": \"claim\"") || $0.contains("\"kind\":\"claim\"") }
            try #require(lines.count >= 120)
            let posts = folder.appendingPathComponent("posts.jsonl")
            try Data(lines.prefix(120).joined(separator: "\n").utf8).write(to: posts)
            let output = folder.appendingPathComponent("clustering.json")
            let result = try Rumorctl.run(["fit-clustering", "--train", posts.path, "--output", output.path])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.isEmpty && result.stderr.contains("chose "))
            let model = try ClusteringModel.load(try Data(contentsOf: output), source: output.path)
            #expect(model.styleDirections.allSatisfy { $0.count == 384 } && model.provenance.hasPrefix("rumorctl fit-clustering --train posts.jsonl (120 posts"))

            let database = folder.appendingPathComponent("db.sqlite")
            let emerging = try Rumorctl.run(["emerging", "--clustering-model", output.path], database: database)
            #expect(emerging.status == 0 && emerging.stdout.contains("No group of unmatched posts"), "\(emerging.stderr)")
            try Data("{\"threshold\": 0.5}".utf8).write(to: folder.appendingPathComponent("broken.json"))
            let broken = try Rumorctl.run(["emerging", "--clustering-model", folder.appendingPathComponent("broken.json").path], database: database)
            #expect(broken.status != 0 && broken.stderr.contains("broken.json") && broken.stdout.isEmpty)

            let few = folder.appendingPathComponent("few.jsonl")
            let oneRumor = lines.filter { $0.contains("\"dead-people-voting\"") }
            try Data(oneRumor.joined(separator: "\n").utf8).write(to: few)
            let refused = try Rumorctl.run(["fit-clustering", "--train", few.path, "--output", folder.appendingPathComponent("none.json").path])
            #expect(refused.status != 0 && refused.stderr.contains("at least 4"))
            #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("none.json").path))
        }
    }

    @Test("label --json prints labels and review with every field")
    func labelJSON() async throws {
        try await withTemporaryFolder { folder in
            let result = try Rumorctl.run(
                ["label", "--json", "Dead people voted by the thousands in Michigan and Dominion machines flipped votes to Biden."],
                database: folder.appendingPathComponent("db.sqlite"))
            #expect(result.status == 0, "\(result.stderr)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            let labels = try #require(object["labels"] as? [[String: Any]])
            #expect(object["review"] is [Any])
            #expect(labels.count >= 1)
            for label in labels {
                #expect(Set(label.keys) == ["slug", "rumor", "reality", "url", "label_text", "score", "decision", "span"])
                #expect(label["decision"] as? String == "label")
                let span = try #require(label["span"] as? [String: Any])
                #expect(span["start"] is Int && span["end"] is Int && span["text"] is String)
            }
        }
    }

    @Test("--gate-threshold overrides the fitted gate: a high one turns a claim away, an infinite one is refused")
    func gateThreshold() async throws {
        try await withTemporaryFolder { folder in
            let database = folder.appendingPathComponent("db.sqlite")
            let claim = "Dead people voted by the thousands in Michigan."
            let fitted = try Rumorctl.run(["label", "--json", claim], database: database)
            #expect(fitted.status == 0, "\(fitted.stderr)")
            #expect(fitted.stdout.contains("dead-people-voting"))
            let closed = try Rumorctl.run(["label", "--json", "--gate-threshold=50", claim], database: database)
            #expect(closed.status == 0, "\(closed.stderr)")
            #expect(!closed.stdout.contains("dead-people-voting"))
            let refused = try Rumorctl.run(["label", "--gate-threshold=inf", claim], database: database)
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("gate threshold"))
        }
    }

    @Test("label --explain says which stage decided: the quick stage for a plain claim, the encoder for a denial of it")
    func explainStage() async throws {
        try await withTemporaryFolder { folder in
            let database = folder.appendingPathComponent("db.sqlite")
            let claim = try Rumorctl.run(["label", "--explain", "Dead people voted by the thousands in Michigan."], database: database)
            #expect(claim.status == 0, "\(claim.stderr)")
            #expect(claim.stdout.contains("LABEL  dead-people-voting") && claim.stdout.contains("decided by the quick stage"))
            let denial = try Rumorctl.run(["label", "--explain", "No, dead people did not vote in Michigan. That was debunked."], database: database)
            #expect(denial.status == 0, "\(denial.stderr)")
            #expect(!denial.stdout.contains("LABEL ") && denial.stdout.contains("decided by the encoder (int8)"))
            // A model written before the precision was recorded was fitted on float32 embeddings, and is run so.
            let shipped = Fixtures.repositoryRoot.appendingPathComponent("Sources/RumorMatch/Resources/matcher-model.json")
            var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: shipped)) as? [String: Any])
            #expect(json["encoder_precision"] as? String == "int8")
            json["encoder_precision"] = nil
            let older = folder.appendingPathComponent("older-model.json")
            try JSONSerialization.data(withJSONObject: json).write(to: older)
            let olderDenial = try Rumorctl.run(
                ["label", "--explain", "--matcher-model", older.path, "No, dead people did not vote in Michigan. That was debunked."],
                database: database)
            #expect(olderDenial.status == 0, "\(olderDenial.stderr)")
            #expect(olderDenial.stdout.contains("decided by the encoder (float32)"))
        }
    }

    @Test("bench embed times both encoder precisions in one run, one JSON line per configuration")
    func benchEmbedPrecisions() async throws {
        try await withTemporaryFolder { folder in
            let posts = folder.appendingPathComponent("posts.jsonl")
            try Data("{\"id\": 1, \"text\": \"Dead people voted in Michigan\"}\n{\"id\": 2, \"text\": \"Nice weather\"}\n".utf8).write(to: posts)
            let arguments = ["bench", "embed", "--posts", posts.path, "--repetitions", "1", "--batches", "1", "--threads", "1", "--json"]
            let result = try Rumorctl.run(arguments)
            #expect(result.status == 0, "\(result.stderr)")
            let lines = result.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            #expect(lines.compactMap { $0["engine"] as? String } == ["rumorcontrol-float32", "rumorcontrol-int8"])
            #expect(lines.allSatisfy { ($0["sentences_per_s"] as? Double ?? 0) > 0 })
            let one = try Rumorctl.run(arguments + ["--precisions", "int8"])
            #expect(one.stdout.split(separator: "\n").count == 1 && one.stdout.contains("rumorcontrol-int8"))
            let wrong = try Rumorctl.run(arguments + ["--precisions", "int4"])
            #expect(wrong.status != 0 && wrong.stderr.contains("int4"))
        }
    }

    @Test("label --input streams one line per post in order, answers a bad line with an error and goes on")
    func labelStream() async throws {
        try await withTemporaryFolder { folder in
            let input = """
                {"id": 1, "text": "Sharpies invalidated thousands of ballots in Maricopa. #SharpieGate"}
                {"id": "two", "text": "Made pancakes this morning"}
                {broken
                {"id": 4, "text": "The Army seized the Scytl servers in Frankfurt with proof of fraud"}

                """
            let result = try Rumorctl.run(["label", "--input", "-"], database: folder.appendingPathComponent("db.sqlite"), input: Data(input.utf8))
            #expect(result.status == 2)
            let lines = result.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            #expect(lines.count == 4)
            #expect("\(lines[0]["id"] ?? "")" == "1" && lines[1]["id"] as? String == "two")
            #expect(((lines[0]["labels"] as? [[String: Any]])?.map { $0["slug"] as? String }) == ["sharpie-ballots-invalidated"])
            #expect((lines[1]["labels"] as? [Any])?.isEmpty == true)
            #expect(lines[2]["error"] is String && lines[2]["line"] as? Int == 3)
            #expect(((lines[3]["labels"] as? [[String: Any]])?.first?["slug"] as? String) == "servers-seized-germany")
        }
    }

    @Test("eval prints the per-kind flag rates, the per-slug table and the summary line")
    func eval() async throws {
        try await withTemporaryFolder { folder in
            let posts = folder.appendingPathComponent("posts.jsonl")
            try """
            {"id": "a", "text": "Dominion machines switched votes from Trump to Biden", "claims": ["machines-switched-votes"], "kind": "claim"}
            {"id": "b", "text": "My coffee machine switched my latte to hot water again", "claims": [], "kind": "trap"}

            """.write(to: posts, atomically: true, encoding: .utf8)
            let result = try Rumorctl.run(["eval", "--posts", posts.path], database: folder.appendingPathComponent("db.sqlite"))
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("machines-switched-votes"))
            let last = try #require(result.stdout.split(separator: "\n").last)
            #expect(last.hasPrefix("precision=1.000 recall=1.000 f1=1.000 refutation_flag_rate=0.000 clean_flag_rate=0.000"))
        }
    }

    @Test("rank prints a TREC run over any claim collection, and score computes MAP@5 from it")
    func rankAndScore() async throws {
        try await withTemporaryFolder { folder in
            let corpus = folder.appendingPathComponent("claims.tsv")
            let queries = folder.appendingPathComponent("queries.tsv")
            let qrels = folder.appendingPathComponent("qrels.txt")
            try """
            vclaim_id\tvclaim\ttitle
            c1\tA viral video shows a 10-meter-long anaconda swimming across a river in Brazil.\tGiant anaconda video
            c2\t"McDonald's restaurants are offering $1 ""Any Size"" fries."\tMcDonald's fries deal
            c3\tThe Army seized election servers in Frankfurt, Germany.\tFrankfurt server raid

            """.write(to: corpus, atomically: true, encoding: .utf8)
            try
                "tweet_id\ttweet_text\nq1\tHuge snake crossing a river in Brazil, look at this anaconda!\nq2\tMcDonalds any size fries for a dollar this week\n"
                .write(to: queries, atomically: true, encoding: .utf8)
            try "q1\t0\tc1\t1\nq2\t0\tc2\t1\n".write(to: qrels, atomically: true, encoding: .utf8)

            let run = try Rumorctl.run(["rank", "--corpus", corpus.path, "--queries", queries.path, "--top", "2"])
            #expect(run.status == 0, "\(run.stderr)")
            let lines = run.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
            #expect(lines.count == 4)
            #expect(lines[0][0] == "q1" && lines[0][1] == "Q0" && lines[0][2] == "c1" && lines[0][3] == "1" && lines[0][5] == "rumorcontrol")
            #expect(lines[2][0] == "q2" && lines[2][2] == "c2")

            let runFile = folder.appendingPathComponent("run.txt")
            try run.stdout.write(to: runFile, atomically: true, encoding: .utf8)
            let score = try Rumorctl.run(["score", "--qrels", qrels.path, "--run", runFile.path])
            #expect(score.status == 0)
            #expect(score.stdout.contains("map@5=1.0000"))
        }
    }
}

/// The immutable file attribute (`chattr +i`), which makes a file read-only even for root, as tests run in CI.
enum Immutable {
    static func set(_ file: URL, _ on: Bool) throws {
        let result = try Subprocess.run(URL(fileURLWithPath: "/usr/bin/chattr"), [on ? "+i" : "-i", file.path])
        if result.status != 0 { throw CocoaError(.fileWriteNoPermission) }
    }

    /// Whether this machine lets the tests set it (root, and a file system that has it).
    static let isSupported: Bool = {
        let probe = FileManager.default.temporaryDirectory.appendingPathComponent("rumorcontrol-immutable-probe-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: probe.path, contents: Data()) else { return false }
        defer {
            try? set(probe, false)
            try? FileManager.default.removeItem(at: probe)
        }
        return (try? set(probe, true)) != nil
    }()
}
