import Foundation

/// One line of the embedding reference fixtures (`Tests/Fixtures/embedding/`).
public struct ReferenceEmbedding: Sendable {
    /// The post's id.
    public var id: String
    /// Its text.
    public var text: String
    /// The reference token ids.
    public var tokens: [Int32]
    /// The reference vector.
    public var vector: [Float]
}

extension Fixtures {
    /// `Tests/Fixtures/embedding/`.
    public static var embeddingFixtures: URL { repositoryRoot.appendingPathComponent("Tests/Fixtures/embedding") }

    /// `../shared/eval/dev-posts.jsonl`.
    public static var devPosts: URL { shared.appendingPathComponent("eval/dev-posts.jsonl") }

    /// The JSON objects of a JSON Lines file.
    public static func jsonLines(_ url: URL) throws -> [[String: Any]] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { line in
            try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
        }
    }

    /// The reference embeddings of a set (`dev-posts` or `edge-cases`), with the texts they were made from.
    public static func referenceEmbeddings(_ set: String) throws -> [ReferenceEmbedding] {
        let inputs = set == "dev-posts" ? devPosts : embeddingFixtures.appendingPathComponent("edge-cases.jsonl")
        let expectedFile = embeddingFixtures.appendingPathComponent(set == "dev-posts" ? "dev-posts.jsonl" : "edge-cases.expected.jsonl")
        let texts = Dictionary(try jsonLines(inputs).map { ($0["id"] as? String ?? "", $0["text"] as? String ?? "") }) { first, _ in first }
        return try jsonLines(expectedFile).map { line in
            let id = line["id"] as? String ?? ""
            return ReferenceEmbedding(
                id: id, text: texts[id] ?? "", tokens: (line["tokens"] as? [NSNumber] ?? []).map(\.int32Value),
                vector: (line["vector"] as? [NSNumber] ?? []).map(\.floatValue))
        }
    }
}

extension Fixtures {
    /// `Tests/Fixtures/multilingual/`.
    public static var multilingualFixtures: URL { repositoryRoot.appendingPathComponent("Tests/Fixtures/multilingual") }

    /// The multilingual model's reference token ids and vectors of a set (`dev-posts` or `edge-cases`), texts included.
    public static func multilingualReferenceEmbeddings(_ set: String) throws -> [ReferenceEmbedding] {
        let file = multilingualFixtures.appendingPathComponent(set == "dev-posts" ? "dev-posts.jsonl" : "edge-cases.expected.jsonl")
        return try jsonLines(file).map { line in
            ReferenceEmbedding(
                id: line["id"] as? String ?? "", text: line["text"] as? String ?? "", tokens: (line["tokens"] as? [NSNumber] ?? []).map(\.int32Value),
                vector: (line["vector"] as? [NSNumber] ?? []).map(\.floatValue))
        }
    }
}
