import COpenBLAS
import Foundation

/// The matcher's quick stage, between the gate and the encoder: the same evidence (``MatchFeatures``), but with
/// texts embedded from mapped per-token vectors (``SentenceEmbedder/tokenVectorEmbedder(map:)``) instead of an encoder pass, and
/// weighed by its own fitted scorer, stance model and exemplars.
///
/// It decides a post only when it is sure of every candidate entry: each scores either below ``dropBelow`` (no
/// label) or at or above its label bound (label, with the quick stage's score). The label bound is ``labelAbove``,
/// or the stricter ``labelAboveWithDenialCue`` for a post with a negation, refutation or correction cue
/// (``StanceCues/Counts/suggestsDenial``): per-token vectors do not see word order, so "they did not switch votes"
/// looks much like "they switched votes". A post with any candidate in between goes on to the encoder and the
/// full model, which decides it alone. ``MatcherFitting`` sets the bounds from scores of the fitting posts, each made
/// by trees fitted without its fold.
public struct QuickStage: Sendable, Hashable, Codable {
    /// Scores (post, entry) pairs from features computed with per-token vectors.
    public var scorer: BoostedTrees
    /// The stance model, fitted on per-token vectors.
    public var stance: StanceModel
    /// The fitting posts, embedded from per-token vectors.
    public var exemplars: ExemplarSet
    /// The linear map applied to every per-token vector (``LinearMap``), as base64 of little-endian float32.
    public var map: String
    /// A candidate scoring below this is certainly not labelled.
    public var dropBelow: Double
    /// A candidate scoring at or above this is certainly labelled.
    public var labelAbove: Double
    /// The label bound for a post with a denial cue (at least ``labelAbove``; at 1, such posts always go to the encoder
    /// before a label, which is how a stage fitted before this bound existed runs).
    public var labelAboveWithDenialCue: Double {
        get { recordedLabelAboveWithDenialCue ?? 1 }
        set { recordedLabelAboveWithDenialCue = newValue }
    }
    /// The bound as the file records it (absent from files written before it existed).
    private var recordedLabelAboveWithDenialCue: Double?

    enum CodingKeys: String, CodingKey {
        case scorer, stance, exemplars, map
        case dropBelow = "drop_below"
        case labelAbove = "label_above"
        case recordedLabelAboveWithDenialCue = "label_above_with_denial_cue"
    }

    /// Creates a quick stage.
    public init(
        scorer: BoostedTrees, stance: StanceModel, exemplars: ExemplarSet, map: [Float], dropBelow: Double, labelAbove: Double,
        labelAboveWithDenialCue: Double
    ) {
        self.scorer = scorer
        self.stance = stance
        self.exemplars = exemplars
        self.map = LinearMap.encode(map)
        self.dropBelow = dropBelow
        self.labelAbove = labelAbove
        recordedLabelAboveWithDenialCue = labelAboveWithDenialCue
    }

    /// The score at or above which a candidate of a post with these stance cues is certainly labelled.
    public func labelBound(_ cues: StanceCues.Counts) -> Double {
        cues.suggestsDenial ? labelAboveWithDenialCue : labelAbove
    }

    /// The decoded map.
    var decodedMap: [Float]? { LinearMap.decode(map) }

    /// The quick stage as a model of its own, for a matcher over per-token vectors: it labels at ``labelAbove`` and
    /// sends nothing to review.
    var model: MatcherModel {
        MatcherModel(
            scorer: scorer, stance: stance, exemplars: exemplars, labelThreshold: labelAbove, reviewThreshold: labelAbove, gate: .open,
            provenance: "")
    }
}

/// A linear map between two embedding spaces of ``SentenceEmbedder/dimension`` floats, fitted by ridge regression.
///
/// The mean of a text's per-token vectors is far from the encoder's vector of the same text (mean cosine 0.29 on
/// texts of the shipped model's fit); mapped, it lands near it (0.77, on texts the map was not fitted on; `rumorctl
/// fit` reports both). Since the map is linear, it is applied once to every token's vector rather than to every text.
public enum LinearMap {
    /// Each vector times the map.
    public static func apply(_ map: [Float], to vectors: [[Float]]) -> [[Float]] {
        let d = SentenceEmbedder.dimension
        let product = apply(map, toRows: vectors.flatMap { $0 })
        return (0..<vectors.count).map { Array(product[$0 * d..<($0 + 1) * d]) }
    }

    /// Rows of ``SentenceEmbedder/dimension`` floats, one after another, each times the map.
    static func apply(_ map: [Float], toRows rows: [Float]) -> [Float] {
        let d = SentenceEmbedder.dimension
        let count = rows.count / d
        var product = [Float](repeating: 0, count: count * d)
        guard count > 0 else { return product }
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(count), Int32(d), Int32(d), 1, rows, Int32(d), map, Int32(d), 0, &product, Int32(d))
        return product
    }

    /// The mean cosine similarity of paired vectors.
    public static func meanCosine(_ a: [[Float]], _ b: [[Float]]) -> Double {
        let cosines = zip(a, b).map { x, y in
            let dot = zip(x, y).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            let norms = (x.reduce(0.0) { $0 + Double($1) * Double($1) } * y.reduce(0.0) { $0 + Double($1) * Double($1) }).squareRoot()
            return norms > 0 ? dot / norms : 0
        }
        return cosines.reduce(0, +) / Double(max(1, cosines.count))
    }

    /// The map as base64 of little-endian float32, for the model file.
    static func encode(_ map: [Float]) -> String {
        Float32Bytes.encode(map).base64EncodedString()
    }

    /// A map from ``encode(_:)``; nil when it is not base64 of `dimension²` floats.
    static func decode(_ text: String) -> [Float]? {
        let d = SentenceEmbedder.dimension
        guard let data = Data(base64Encoded: text), data.count == d * d * 4 else { return nil }
        return data.withUnsafeBytes { Float32Bytes.decode($0, count: d * d) }
    }
}
