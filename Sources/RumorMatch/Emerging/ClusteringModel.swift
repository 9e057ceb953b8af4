import Foundation

/// How the emerging-rumors view compares posts: which directions of the embedding to ignore, how much the words
/// count, and where to cut the dendrogram.
///
/// Posts that say the same thing in different voices (a headline and an endorsement, a rant in capitals, a reply)
/// lie apart in the embedding along directions that have to do with how they are written, not what they claim.
/// Those directions are found on labelled posts as the main axes of the spread of posts around their own rumor's
/// mean (within-rumor scatter), and removed from every vector before clustering; they are about style, so they carry
/// over to rumors the fitting posts never mention. The shipped values live in `Resources/clustering-model.json`,
/// written by `rumorctl fit-clustering` (``ClusteringModel/fit(vectors:texts:slugs:progress:)``), which records what
/// it was fitted on.
public struct ClusteringModel: Sendable, Hashable, Codable {
    /// Unit vectors, orthogonal to each other, removed from every embedding before clustering; empty for none.
    public var styleDirections: [[Float]]
    /// How much the posts' words count beside their embeddings (0-1).
    public var termWeight: Float
    /// Posts whose clusters' average distance is at most this end up together.
    public var threshold: Float
    /// How the model was fitted (data, command, what the selection measured), for people auditing it.
    public var provenance: String

    enum CodingKeys: String, CodingKey {
        case styleDirections = "style_directions"
        case termWeight = "term_weight"
        case threshold
        case provenance
    }

    /// Creates a model.
    public init(styleDirections: [[Float]], termWeight: Float, threshold: Float, provenance: String) {
        (self.styleDirections, self.termWeight, self.threshold, self.provenance) = (styleDirections, termWeight, threshold, provenance)
    }

    /// The model with other settings where given (nil keeps this one's).
    public func with(termWeight: Float? = nil, threshold: Float? = nil, styleDirections: [[Float]]? = nil) -> ClusteringModel {
        ClusteringModel(
            styleDirections: styleDirections ?? self.styleDirections, termWeight: termWeight ?? self.termWeight, threshold: threshold ?? self.threshold,
            provenance: provenance)
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
        guard let url = Bundle.module.url(forResource: "clustering-model", withExtension: "json"), let data = try? Data(contentsOf: url) else {
            throw EmbeddingError(
                code: .invalidModel,
                message: "the clustering model (clustering-model.json) is missing from this build; rebuild RumorControl from a clean checkout",
                location: "\(#fileID):\(#line)")
        }
        return try load(data, source: url.path)
    }

    /// Reads a model written by `rumorctl fit-clustering`.
    public static func load(_ data: Data, source: String) throws(EmbeddingError) -> ClusteringModel {
        let model: ClusteringModel
        do {
            model = try JSONDecoder().decode(ClusteringModel.self, from: data)
        } catch {
            throw EmbeddingError(code: .invalidModel, message: "\(source) is not a clustering model: \(error)", location: "\(#fileID):\(#line)")
        }
        guard model.styleDirections.allSatisfy({ $0.count == SentenceEmbedder.dimension }), (0...1).contains(model.termWeight), model.threshold > 0 else {
            throw EmbeddingError(
                code: .invalidModel,
                message: "\(source) holds style directions that are not \(SentenceEmbedder.dimension)-dimensional, or a term weight outside 0-1, or no threshold; refit it with rumorctl fit-clustering",
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
