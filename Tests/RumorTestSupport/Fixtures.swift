import Foundation
import RumorCore
import RumorStore

/// Paths to the real data the tests use: the shipped knowledge base, the shared canon and evaluation posts.
public enum Fixtures {
    /// The repository's root folder.
    public static let repositoryRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    /// `kb/`, the shipped knowledge base.
    public static var knowledgeBaseFolder: URL { repositoryRoot.appendingPathComponent("kb") }

    /// `kb/entry.schema.json`.
    public static var entrySchema: URL { knowledgeBaseFolder.appendingPathComponent("entry.schema.json") }

    /// `../shared`, read-only project data beside the repository.
    public static var shared: URL { repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared") }

    /// The shipped entry file for a slug.
    public static func entryFile(_ slug: String) -> URL {
        knowledgeBaseFolder.appendingPathComponent(slug + ".json")
    }

    /// The text of a shipped entry file.
    public static func entryFileText(_ slug: String) throws -> String {
        try String(contentsOf: entryFile(slug), encoding: .utf8)
    }

    /// A shipped entry, parsed.
    public static func entry(_ slug: String) throws -> Entry {
        try EntryFile.decode(Data(contentsOf: entryFile(slug)), path: slug).get()
    }

    /// The slugs of every shipped entry file (`kb/*.json`), sorted: the canon's and the entries added since.
    public static func shippedSlugs() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: knowledgeBaseFolder.path)
            .filter { $0.hasSuffix(".json") && $0 != "entry.schema.json" }.map { String($0.dropLast(5)) }.sorted()
    }

    /// The slugs the canon (`../shared/docs/rumor-canon.md`) requires, read from its table.
    public static func canonSlugs() throws -> [String] {
        let text = try String(contentsOf: shared.appendingPathComponent("docs/rumor-canon.md"), encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count > 2, cells[1].isSlug, cells[1] != "slug" else { return nil }
            return cells[1]
        }
    }
}

/// A folder under the system's temporary directory, removed when the body returns.
public func withTemporaryFolder<T>(_ body: (URL) async throws -> T) async throws -> T {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("rumorcontrol-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try await body(url)
}
