import Foundation
import Testing
import RumorCore
import RumorTestSupport

@Suite("The shipped knowledge base")
struct KnowledgeBaseTests {
    @Test("holds one file per canon slug, and the 2020 rumors added since")
    func canonComplete() throws {
        let canon = try Fixtures.canonSlugs()
        #expect(canon.count == 19)
        let shipped = Set(try Fixtures.shippedSlugs())
        #expect(shipped.isSuperset(of: canon))
        let added: Set = [
            "signature-matching-skipped", "georgia-consent-decree", "statistically-impossible", "ballot-harvesting", "lawsuits-prove-fraud",
            "voting-systems-open-to-fraud", "counting-stopped-overnight",
        ]
        #expect(shipped.subtracting(canon) == added)
    }

    @Test("every entry cites sources with URLs and has phrasings that the matcher can use")
    func sourcedAndPhrased() throws {
        for slug in try Fixtures.shippedSlugs() {
            let entry = try Fixtures.entry(slug)
            #expect(entry.sources.count >= 2, "\(slug) cites \(entry.sources.count) source(s)")
            #expect(entry.sources.allSatisfy { $0.url.hasPrefix("https://") }, "\(slug)")
            #expect(entry.phrasings.count >= 8, "\(slug)")
            #expect(entry.corrections.count >= 10, "\(slug)")
            #expect(entry.status == .published)
        }
    }

    @Test("every shipped file passes kb/entry.schema.json (checked by the jsonschema reference validator)")
    func schemaCheck() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Fixtures.knowledgeBaseFolder.path)
            .filter { $0.hasSuffix(".json") && $0 != "entry.schema.json" }.sorted()
            .map { Fixtures.knowledgeBaseFolder.appendingPathComponent($0).path }
        let result = try SchemaValidator.validate(files: files)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("\(files.count) valid"))
    }

    @Test("the schema rejects what the Swift validator rejects")
    func schemaAgreesOnBrokenFiles() async throws {
        try await withTemporaryFolder { folder in
            var entry = try Fixtures.entry("trump-won")
            entry.slug = "Trump Won"
            let broken = folder.appendingPathComponent("broken.json")
            try entry.fileJSON().write(to: broken)
            #expect(!entry.validationIssues().isEmpty)
            let result = try SchemaValidator.validate(files: [broken.path])
            #expect(result.status != 0)
            #expect(result.stdout.contains("broken.json"))
        }
    }
}

/// Runs `scripts/check-entry-schema.py` (Python's jsonschema, Draft 2020-12) over entry files.
enum SchemaValidator {
    static func validate(files: [String]) throws -> CommandResult {
        try Subprocess.run(URL(fileURLWithPath: "/usr/bin/env"),
                           ["python3", Fixtures.repositoryRoot.appendingPathComponent("scripts/check-entry-schema.py").path] + files)
    }
}
