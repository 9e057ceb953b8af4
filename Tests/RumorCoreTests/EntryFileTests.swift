import Foundation
import Testing
import RumorCore
import RumorTestSupport

@Suite("Entry files and validation")
struct EntryFileTests {
    @Test("every shipped entry parses and validates")
    func shippedEntriesAreValid() throws {
        for slug in try Fixtures.canonSlugs() {
            let data = try Data(contentsOf: Fixtures.entryFile(slug))
            let entry = try EntryFile.decode(data, path: slug).get()
            #expect(entry.slug == slug)
            #expect(entry.validationIssues().isEmpty)
        }
    }

    @Test("a broken field is reported with its file, line and field")
    func brokenFieldHasLine() throws {
        let text = try Fixtures.entryFileText("machines-switched-votes")
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let urlLine = try #require(lines.firstIndex { $0.contains("\"url\"") }) + 1
        let broken = text.replacingOccurrences(of: "\"url\": \"https://", with: "\"url\": \"ftp://", options: [], range: nil)
        let issues = try #require(failureIssues(EntryFile.decode(Data(broken.utf8), path: "kb/machines-switched-votes.json")))
        let first = try #require(issues.first)
        #expect(first.field == "sources[0].url")
        #expect(first.line == urlLine)
        #expect(first.description.hasPrefix("kb/machines-switched-votes.json:\(urlLine): sources[0].url: "))
    }

    @Test("several problems are all reported at once")
    func severalProblems() throws {
        var entry = try Fixtures.entry("dead-people-voting")
        entry.slug = "Dead People"
        entry.rumor = "two\nlines of rumor"
        entry.jurisdictions = ["Georgia"]
        entry.updated = "2019-02-30"
        let fields = Set(entry.validationIssues().map(\.field))
        #expect(fields == ["slug", "rumor", "jurisdictions[0]", "updated"])
    }

    @Test("missing, mistyped and unknown fields are named")
    func missingAndMistyped() throws {
        let text = #"{"slug": 7, "title": "A title", "colour": "red", "sources": "none"}"#
        let issues = try #require(failureIssues(EntryFile.decode(Data(text.utf8), path: "x.json")))
        let fields = Set(issues.map(\.field))
        #expect(fields.isSuperset(of: ["slug", "colour", "sources", "rumor", "reality", "phrasings", "created"]))
        #expect(issues.first { $0.field == "slug" }?.message == "expected a string, found a number")
    }

    @Test("a syntax error names the line")
    func syntaxError() throws {
        let issues = try #require(failureIssues(EntryFile.decode(Data("{\n  \"slug\": \"a\",\n  oops\n}".utf8), path: "bad.json")))
        #expect(issues.map(\.description) == ["bad.json:3: (syntax): expected a member name in double quotes (column 3)"])
    }

    @Test("canonical JSON is stable and round-trips")
    func canonicalJSON() throws {
        let entry = try Fixtures.entry("sharpie-ballots-invalidated")
        let data = entry.canonicalJSON()
        #expect(data == entry.canonicalJSON())
        #expect(try JSONDecoder().decode(Entry.self, from: data) == entry)
        #expect(try EntryFile.decode(entry.fileJSON()).get() == entry)
    }

    @Test("ClaimReview carries the fields search engines require")
    func claimReview() throws {
        let entry = try Fixtures.entry("sharpie-ballots-invalidated")
        let review = ClaimReview(entry: entry, url: "https://example.org/rumors/\(entry.slug)", publisher: .organization(name: "RumorControl", url: nil))
        let json = try #require(JSONSerialization.jsonObject(with: JSONEncoder().encode(review)) as? [String: Any])
        #expect(json["@type"] as? String == "ClaimReview")
        #expect(json["claimReviewed"] as? String == entry.rumor)
        #expect((json["reviewRating"] as? [String: Any])?["alternateName"] as? String == "False")
        #expect((json["author"] as? [String: Any])?["name"] as? String == "RumorControl")
        #expect((json["itemReviewed"] as? [String: Any])?["@type"] as? String == "Claim")
        #expect(json["datePublished"] as? String == entry.created)
        #expect(json["url"] as? String == "https://example.org/rumors/sharpie-ballots-invalidated")
    }

    private func failureIssues(_ result: Result<Entry, KnowledgeBaseError>) -> [EntryIssue]? {
        if case .failure(let error) = result { return error.issues }
        return nil
    }
}
