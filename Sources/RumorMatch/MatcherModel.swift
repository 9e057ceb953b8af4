import Foundation

/// The fitted part of the matcher: the scoring model and its thresholds.
///
/// The shipped values live in `Resources/matcher-model.json`, written by `rumorctl fit` (see ``MatcherFitting``);
/// that file records what it was fitted on. A deployment can override the thresholds without refitting.
public struct MatcherModel: Sendable, Hashable, Codable {
    /// Scores (post, entry) pairs from the features of ``MatchFeatures``.
    public var scorer: BoostedTrees
    /// Tells denials from assertions (feeds two of the features).
    public var stance: StanceModel
    /// The fitting posts, embedded (feeds the exemplar features).
    public var exemplars: ExemplarSet
    /// Scores at or above this attach the label.
    public var labelThreshold: Double
    /// Scores at or above this (and below ``labelThreshold``) go to review.
    public var reviewThreshold: Double
    /// The cheap first stage: posts it turns away skip the embedding stage.
    public var gate: TopicGate
    /// How the model was fitted (data, command), for people auditing it.
    public var provenance: String
    /// The stage between the gate and the encoder that decides the posts it is sure of; nil for none. It is fitted
    /// for ``labelThreshold`` and ``reviewThreshold`` as fitted: a deployment that sets its own thresholds runs
    /// without it (``MatcherModel/withThresholds(label:review:)``).
    public var quick: QuickStage?
    /// How similarities of the multilingual encoder map onto the English encoder's (``CrossLingualStage``), fitted on
    /// the fitting entries' Spanish phrasings; nil in models fitted without the multilingual encoder.
    public var crossLingualScale: SimilarityScale?
    /// The fitting posts as the multilingual encoder reads them, for the exemplar features of posts read across
    /// languages (``CrossLingualStage``); nil in models fitted without the multilingual encoder.
    public var crossLingualExemplars: ExemplarSet?
    /// The precision of the embeddings it was fitted on; a matcher embeds posts the same way. Models written before
    /// it was recorded were fitted on ``SentenceEmbedder/Precision/float32``.
    public var encoderPrecision: SentenceEmbedder.Precision {
        get { recordedEncoderPrecision ?? .float32 }
        set { recordedEncoderPrecision = newValue }
    }
    /// The precision as the file records it (absent from files written before it was recorded).
    private var recordedEncoderPrecision: SentenceEmbedder.Precision?

    enum CodingKeys: String, CodingKey {
        case scorer, stance, exemplars
        case labelThreshold = "label_threshold"
        case reviewThreshold = "review_threshold"
        case gate
        case provenance
        case quick
        case recordedEncoderPrecision = "encoder_precision"
        case crossLingualScale = "cross_lingual_scale"
        case crossLingualExemplars = "cross_lingual_exemplars"
    }

    /// Creates a model.
    public init(
        scorer: BoostedTrees, stance: StanceModel, exemplars: ExemplarSet, labelThreshold: Double, reviewThreshold: Double, gate: TopicGate,
        provenance: String, quick: QuickStage? = nil, encoderPrecision: SentenceEmbedder.Precision = .standard
    ) {
        self.scorer = scorer
        self.stance = stance
        self.exemplars = exemplars
        self.labelThreshold = labelThreshold
        self.reviewThreshold = reviewThreshold
        self.gate = gate
        self.provenance = provenance
        self.quick = quick
        recordedEncoderPrecision = encoderPrecision
    }

    /// The model with a deployment's own thresholds (nil keeps the fitted one). The quick stage is dropped when
    /// either changes, since its bounds were fitted for the fitted thresholds.
    public func withThresholds(label: Double?, review: Double?) -> MatcherModel {
        var model = self
        if let label { model.labelThreshold = label }
        if let review { model.reviewThreshold = review }
        if model.labelThreshold != labelThreshold || model.reviewThreshold != reviewThreshold { model.quick = nil }
        return model
    }

    /// The model shipped with RumorControl.
    /// - Throws: ``EmbeddingError`` when the bundled file is missing or damaged (a build problem).
    public static func shipped() throws(EmbeddingError) -> MatcherModel {
        let file = try BundledModelFile.read("matcher-model", naming: "the matcher model")
        return try load(file.data, source: file.path)
    }

    /// Reads a model written by `rumorctl fit`.
    public static func load(_ data: Data, source: String) throws(EmbeddingError) -> MatcherModel {
        do {
            let model = try JSONDecoder().decode(MatcherModel.self, from: data)
            guard MatchFeatures.readable(model.scorer.names) else {
                throw EmbeddingError.invalidMatcherModel("\(source) was fitted for other features (\(model.scorer.names.joined(separator: ", ")))")
            }
            for exemplars in [model.exemplars] + (model.quick.map { [$0.exemplars] } ?? []) {
                guard exemplars.clean.count == exemplars.claims.count,
                    exemplars.decodedVectors().count == exemplars.claims.count * SentenceEmbedder.dimension
                else {
                    throw EmbeddingError.invalidMatcherModel(
                        "\(source) has \(exemplars.claims.count) exemplars' claims but \(exemplars.clean.count) kinds and vectors of another size")
                }
            }
            if let quick = model.quick {
                let ordered = quick.dropBelow <= quick.labelAbove && quick.labelAbove <= quick.labelAboveWithDenialCue
                guard MatchFeatures.readable(quick.scorer.names), ordered, quick.decodedMap != nil else {
                    throw EmbeddingError.invalidMatcherModel(
                        "\(source) has a quick stage fitted for other features, with its bounds out of order, or without a map of the right size")
                }
            }
            return model
        } catch let error as EmbeddingError {
            throw error
        } catch {
            throw .invalidMatcherModel("\(source) is not a matcher model written by this version of `rumorctl fit` (\(error))")
        }
    }

    /// The model as pretty JSON.
    public func json() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return ((try? encoder.encode(self)) ?? Data()) + Data("\n".utf8)
    }
}

/// A model file built into RumorMatch (`Resources/`).
enum BundledModelFile {
    /// The bytes and path of `Resources/<name>.json`.
    /// - Throws: ``EmbeddingError`` naming `description` and the file when the build lacks it.
    static func read(_ name: String, naming description: String) throws(EmbeddingError) -> (data: Data, path: String) {
        guard let url = Bundle.module.url(forResource: name, withExtension: "json"), let data = try? Data(contentsOf: url) else {
            throw EmbeddingError(
                code: .invalidModel,
                message: "\(description) (\(name).json) is missing from this build; rebuild RumorControl from a clean checkout",
                location: "\(#fileID):\(#line)")
        }
        return (data, url.path)
    }
}
