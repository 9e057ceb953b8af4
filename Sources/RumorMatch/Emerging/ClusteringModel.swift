import Foundation

/// How the emerging-rumors view compares posts: which directions of the embedding to ignore, how much the words
/// count and which weigh less, and where to cut the dendrogram.
///
/// Posts that say the same thing in different voices (a headline and an endorsement, a rant in capitals, a reply)
/// lie apart in the embedding along directions that have to do with how they are written, not what they claim.
/// Those directions are found on labelled posts as the main axes of the spread of posts around their own rumor's
/// mean (within-rumor scatter), and removed from every vector before clustering; they are about style, so they carry
/// over to rumors the fitting posts never mention. Words that the fitting posts use alike for every rumor weigh less
/// (``termScales``). The shipped values live in `Resources/clustering-model.json`,
/// written by `rumorctl fit-clustering` (``ClusteringModel/fit(vectors:texts:slugs:progress:)``), which records what
/// it was fitted on.
public struct ClusteringModel: Sendable, Hashable, Codable {
    /// Unit vectors, orthogonal to each other, removed from every embedding before clustering; empty for none.
    public var styleDirections: [[Float]]
    /// How much the posts' words count beside their embeddings (0-1).
    public var termWeight: Float
    /// Words that say little about which rumor a post is about, because the fitting posts use them as much for every
    /// rumor ("true", "folks", "breaking"), with a scale below 1 for their TF-IDF weight; empty for none.
    public var termScales: [String: Float]
    /// Posts whose clusters' average distance is at most this end up together.
    public var threshold: Float
    /// How the model was fitted (data, command, what the selection measured), for people auditing it.
    public var provenance: String

    enum CodingKeys: String, CodingKey {
        case styleDirections = "style_directions"
        case termWeight = "term_weight"
        case termScales = "term_scales"
        case threshold
        case provenance
    }

    /// Creates a model.
    public init(styleDirections: [[Float]], termWeight: Float, termScales: [String: Float] = [:], threshold: Float, provenance: String) {
        (self.styleDirections, self.termWeight, self.termScales, self.threshold, self.provenance) = (styleDirections, termWeight, termScales, threshold, provenance)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        styleDirections = try container.decode([[Float]].self, forKey: .styleDirections)
        termWeight = try container.decode(Float.self, forKey: .termWeight)
        termScales = try container.decodeIfPresent([String: Float].self, forKey: .termScales) ?? [:]
        threshold = try container.decode(Float.self, forKey: .threshold)
        provenance = try container.decode(String.self, forKey: .provenance)
    }

    /// The TF-IDF vectors of `texts` as this model weighs words; nil when words do not count.
    public func termVectors(_ texts: [String]) -> TermWeights? {
        termWeight > 0 ? TermWeights(texts, scales: termScales) : nil
    }

    /// The model with other settings where given (nil keeps this one's).
    public func with(
        termWeight: Float? = nil, threshold: Float? = nil, styleDirections: [[Float]]? = nil, termScales: [String: Float]? = nil
    ) -> ClusteringModel {
        ClusteringModel(
            styleDirections: styleDirections ?? self.styleDirections, termWeight: termWeight ?? self.termWeight, termScales: termScales ?? self.termScales,
            threshold: threshold ?? self.threshold, provenance: provenance)
    }

    /// `vector` without its components along the style directions, at unit length again (unchanged when no
    /// directions are set, or when nothing would be left).
    public func project(_ vector: [Float]) -> [Float] {
        guard !styleDirections.isEmpty else { return vector }
        var projected = vector
        for direction in styleDirections {
            let component = zip(vector, direction).reduce(0) { $0 + $1.0 * $1.1 }
            for k in projected.indices { projected[k] -= component * direction[k] }
        }
        let norm = sqrt(projected.reduce(0) { $0 + $1 * $1 })
        guard norm > 1e-6 else { return vector }
        return projected.map { $0 / norm }
    }

    /// The model shipped with RumorControl.
    /// - Throws: ``EmbeddingError`` when the bundled file is missing or damaged (a build problem).
    public static func shipped() throws(EmbeddingError) -> ClusteringModel {
        try shippedModel.get()
    }

    private static let shippedModel = Result { () throws(EmbeddingError) -> ClusteringModel in
        let file = try BundledModelFile.read("clustering-model", naming: "the clustering model")
        return try load(file.data, source: file.path)
    }

    /// Reads a model written by `rumorctl fit-clustering`.
    public static func load(_ data: Data, source: String) throws(EmbeddingError) -> ClusteringModel {
        let model: ClusteringModel
        do {
            model = try JSONDecoder().decode(ClusteringModel.self, from: data)
        } catch {
            throw EmbeddingError(code: .invalidModel, message: "\(source) is not a clustering model: \(error)", location: "\(#fileID):\(#line)")
        }
        guard model.styleDirections.allSatisfy({ $0.count == SentenceEmbedder.dimension }), (0...1).contains(model.termWeight), model.threshold > 0,
            model.termScales.values.allSatisfy({ (0...1).contains($0) })
        else {
            throw EmbeddingError(
                code: .invalidModel,
                message: "\(source) holds style directions that are not \(SentenceEmbedder.dimension)-dimensional, or a term weight or term scale outside 0-1, or no threshold; refit it with rumorctl fit-clustering",
                location: "\(#fileID):\(#line)")
        }
        return model
    }

    /// The model as `rumorctl fit-clustering` writes it.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}
