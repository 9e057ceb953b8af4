import Foundation
import Testing
import RumorCore
import RumorTestSupport

/// `rumorctl` end to end, run as a subprocess on a fresh database in a temporary folder.
@Suite("rumorctl command line")
struct RumorctlTests {
    @Test("list prints the 19 canon slugs on a fresh database")
    func listCanon() async throws {
        try await withDatabase { database in
            let result = try Rumorctl.run(["list"], database: database)
            #expect(result.status == 0, "\(result.stderr)")
            let slugs = result.stdout.split(separator: "\n").map { String($0.split(separator: " ")[0]) }
            #expect(slugs == (try Fixtures.canonSlugs()).sorted())
        }
    }

    @Test("list --json prints every field of every entry")
    func listJSON() async throws {
        try await withDatabase { database in
            let result = try Rumorctl.run(["list", "--json"], database: database)
            #expect(result.status == 0)
            let entries = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
            #expect(entries.count == 19)
            let fields: Set<String> = ["slug", "title", "rumor", "reality", "details", "sources", "topics", "jurisdictions", "keywords",
                                       "phrasings", "corrections", "language", "status", "version", "created", "updated", "last_reviewed"]
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
            let broken = try Fixtures.entryFileText("sharpie-ballots-invalidated").replacingOccurrences(of: "\"language\": \"en\"", with: "\"language\": 42")
            try broken.write(to: folder.appendingPathComponent("b-broken.json"), atomically: true, encoding: .utf8)
            let languageLine = try #require(broken.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("\"language\"") }) + 1
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
            let text = try Fixtures.entryFileText("trump-won").replacingOccurrences(of: "\"last_reviewed\": \"2026-11-26\"", with: "\"last_reviewed\": \"2026-11-27\"")
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
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).count == 19)

            let reimport = try Rumorctl.run(["import", folder.path], database: database)

            #expect(reimport.status == 0)
            #expect(reimport.stdout.contains("imported 0 of 19 entries"))
        }
    }

    @Test("export claimreview prints schema.org ClaimReview JSON-LD with the required fields")
    func exportClaimReview() async throws {
        try await withDatabase { database in
            let result = try Rumorctl.run(["export", "--format", "claimreview", "--site-url", "https://rumors.example.gov"], database: database)
            #expect(result.status == 0)
            let reviews = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
            #expect(reviews.count == 19)
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
