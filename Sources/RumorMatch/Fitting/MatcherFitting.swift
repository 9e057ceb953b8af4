import Foundation
import RumorCore

/// Fits the matcher's scoring model and thresholds on labelled posts (`rumorctl fit`).
///
/// - The stance model (``StanceModel``): fitted first, on the entries' phrasings and the posts that make claims
///   (assertions) against the entries' corrections and the refutation posts (denials). The scorer is trained on
///   stance features computed by 5-fold cross-fitting, so it learns how reliable they are on unseen posts.
/// - The exemplars: every fitting post's embedding and claims; the scorer's exemplar features for a post come only
///   from the other folds' posts, for the same reason.
/// - The scorer: gradient-boosted trees (``BoostedTrees``, default parameters) on the ``MatchFeatures`` of every
///   (post, candidate entry) pair, positive when the post asserts the entry's rumor.
/// - The label threshold: the score that maximises F0.5 (precision weighted twice recall) over (post, slug) pairs
///   on the fitting posts, searched in steps of 0.01 from 0.30 to 0.95 (the higher one on ties).
/// - The review threshold: the highest score below the label threshold at which label-or-review recall reaches
///   0.98, but no lower than 0.10 and no higher than the label threshold minus 0.10.
/// - The gate (``TopicGate``): fitted on the posts that make claims and the entries' rumors, titles and phrasings
///   (may assert) against the traps, neutral and off-topic posts and the background posts (may not); refutations are
///   left out of it, since they are for the scorer to judge. Each fitting post that makes a claim is scored by a gate
///   fitted without its fold (5-fold cross-fitting); among those whose claims the scorer, also fitted without their
///   fold, labels, the threshold is the log-odds that 98% reach (``gateRecall``), minus ``gateMargin``. A vague
///   claim the scorer would miss anyway does not hold the gate open. On the CheckThat! tweets this turns 97% of a
///   general stream away before the encoder, at the cost of about 2% of the claims the matcher would label.
/// - The quick stage (``QuickStage``, unless `quickStage` is false): a ridge map (``LinearMap``) from per-token
///   vectors to the encoder's vectors, fitted on every text the fit embeds; then the stance model, exemplars, scorer
///   and thresholds as above on the mapped vectors; then its bounds from out-of-fold scores (``quickMissRate``).
public enum MatcherFitting {
    /// The share of the fitting posts whose claims the scorer labels that the gate must let through, each scored by
    /// a gate and trees fitted without its fold.
    public static let gateRecall = 0.98
    /// How far below the log-odds of the claim at ``gateRecall`` the gate's threshold lies. None: the threshold is
    /// set on the claims the scorer labels, so it needs no margin for those it would miss (a margin of 0.5 with
    /// 99% of every claim, the earlier rule, let three times as many general posts through; BENCHMARKS.md).
    public static let gateMargin = 0.0

    /// Fits a model.
    /// - Parameters:
    ///   - matcher: a matcher over the entries (its current model is not used).
    ///   - posts: labelled posts.
    ///   - background: posts from a general stream that assert no rumor of the knowledge base (for the gate only).
    ///   - provenance: how the fit was made, recorded in the model.
    ///   - log: receives notes for people: the fit's estimates and the claims that came closest to the gate.
    public static func fit(
        matcher: RumorMatcher, posts: [LabelledPost], background: [String] = [], provenance: String, quickStage: Bool = true,
        log: (String) -> Void = { _ in }
    ) -> MatcherModel {
        let full = fitScorer(matcher: matcher, posts: posts, log: log)
        log(full.outOfFold.summary)
        // Background posts the fitted matcher would label may assert a rumor (a general stream
        // has some); they are left out of the gate's negatives.
        var fitted = matcher
        fitted.configuration.model = full.model(gate: .open, provenance: provenance)
        log("labelling the \(background.count) background posts, then fitting the gate...")
        let flagged = fitted.match(background).map { !$0.labels.isEmpty }
        let general = zip(background, flagged).filter { !$0.1 }.map(\.0)
        log("background posts the matcher labels, left out of the gate's negatives: \(background.count - general.count) of \(background.count)")
        let gate = fitGate(matcher: matcher, posts: posts, found: full.outOfFold.found, background: general, folds: folds, log: log)
        var model = full.model(gate: gate, provenance: provenance)
        model.encoderPrecision = matcher.embedder.precision
        model.crossLingualScale = matcher.fittedCrossLingualScale
        if quickStage {
            log("the quick stage: fitting the map from per-token vectors to the encoder's...")
            // Every text the fit embeds: posts, the entries' phrasings and corrections, and the background posts.
            let texts = posts.map(\.text) + matcher.entries.flatMap { $0.phrasings + $0.corrections } + background
            let inputs = matcher.tokenVectorMatcher(map: nil).stanceInputs(texts).map(\.vector)
            // The encoder's vectors: those the full fit already made, and the background posts'.
            let unembedded = Array(Set(texts.filter { full.embedded[$0] == nil })).sorted()
            let known = full.embedded.merging(zip(unembedded, matcher.stanceInputs(unembedded).map(\.vector))) { first, _ in first }
            let targets = texts.map { known[$0]! }
            let map = LinearMap.fit(inputs: inputs, targets: targets)
            // How well a map carries over to texts it was not fitted on: fitted without every fifth text, measured on those.
            let fitting = inputs.indices.filter { $0 % folds != 0 }
            let heldOut = inputs.indices.filter { $0 % folds == 0 }
            let partial = LinearMap.fit(inputs: fitting.map { inputs[$0] }, targets: fitting.map { targets[$0] })
            log(
                String(
                    format: "quick stage map: mean cosine to the encoder's vectors on %d texts it was not fitted on: %.3f unmapped, %.3f mapped",
                    heldOut.count, LinearMap.meanCosine(heldOut.map { inputs[$0] }, heldOut.map { targets[$0] }),
                    LinearMap.meanCosine(LinearMap.apply(partial, to: heldOut.map { inputs[$0] }), heldOut.map { targets[$0] })))
            let quick = fitScorer(matcher: matcher.tokenVectorMatcher(map: map), posts: posts, log: log)
            log("quick stage " + quick.outOfFold.summary)
            model.quick = quickBounds(quick, full: full, map: map, log: log)
        }
        return model
    }

    /// A fitted scorer with its stance model, exemplars and thresholds, and what its out-of-fold scores say.
    private struct ScorerFit {
        var scorer: BoostedTrees
        var stance: StanceModel
        var exemplars: ExemplarSet
        /// The same posts embedded by the multilingual encoder (nil without one).
        var crossLingualExemplars: ExemplarSet?
        var labelThreshold: Double
        var reviewThreshold: Double
        var outOfFold: OutOfFold
        /// The vector of every text it embedded for the stance model (posts, phrasings, corrections), by raw text.
        var embedded: [String: [Float]]
        /// Whether each fitting post has a negation, refutation or correction cue (``StanceCues/Counts/suggestsDenial``).
        var denialCues: [Bool]

        func model(gate: TopicGate, provenance: String) -> MatcherModel {
            var model = MatcherModel(
                scorer: scorer, stance: stance, exemplars: exemplars, labelThreshold: labelThreshold, reviewThreshold: reviewThreshold, gate: gate,
                provenance: provenance)
            model.crossLingualExemplars = crossLingualExemplars
            return model
        }
    }

    /// Cross-fitting folds.
    private static let folds = 5

    /// Fits the stance model, the exemplars, the scorer and its two thresholds with the matcher's embedder.
    private static func fitScorer(matcher: RumorMatcher, posts: [LabelledPost], log: (String) -> Void) -> ScorerFit {
        var open = matcher
        open.configuration.model.gate = .open
        open.configuration.model.quick = nil
        log("embedding \(posts.count) posts and the entries' phrasings and corrections...")
        // Stance inputs for every post and for the entries' phrasings (assertions) and corrections (denials).
        let postInputs = matcher.stanceInputs(posts.map(\.text))
        let anchorAssertions = matcher.stanceInputs(matcher.entries.flatMap(\.phrasings)).map { ($0.text, $0.vector, false) }
        let anchorDenials = matcher.stanceInputs(matcher.entries.flatMap(\.corrections)).map { ($0.text, $0.vector, true) }
        func stanceExamples(_ indices: some Sequence<Int>) -> [(text: String, vector: [Float], denies: Bool)] {
            let own = indices.compactMap { index -> (text: String, vector: [Float], denies: Bool)? in
                if !posts[index].claims.isEmpty { return (postInputs[index].text, postInputs[index].vector, false) }
                if posts[index].kind == "refutation" { return (postInputs[index].text, postInputs[index].vector, true) }
                return nil
            }
            return own + anchorAssertions + anchorDenials
        }
        let stance = StanceModel.fit(examples: stanceExamples(posts.indices))
        let clean = posts.map { MatchEvaluation.cleanKinds.contains($0.kind) }
        let exemplars = ExemplarSet(embeddings: matcher.postVectors(posts.map(\.text)), claims: posts.map(\.claims), clean: clean)
        let crossLingualExemplars = matcher.multilingualPostVectors(posts.map(\.text)).map {
            ExemplarSet(embeddings: $0, claims: posts.map(\.claims), clean: clean)
        }
        // The scorer must see stance features as they will be on unseen posts, so each post's come from a stance
        // model fitted without it (5-fold cross-fitting); fitting on the post itself would make them look perfect.
        var examples: [[Double]] = []
        var labels: [Bool] = []
        var pairs: [(post: Int, slug: String, example: Int)] = []
        log("scoring every (post, entry) pair with stance models and exemplars fitted without its fold...")
        for fold in 0..<folds {
            var foldMatcher = open
            foldMatcher.configuration.model.stance = StanceModel.fit(examples: stanceExamples(posts.indices.filter { $0 % folds != fold }))
            foldMatcher.exemplarIndex = ExemplarIndex(exemplars, slugs: matcher.entries.map(\.slug)) { $0 % folds == fold }
            if let crossLingualExemplars { foldMatcher.setCrossLingualExemplars(crossLingualExemplars) { $0 % folds == fold } }
            for index in posts.indices where index % folds == fold {
                let post = posts[index]
                for candidate in foldMatcher.candidates(post.text).1 {
                    pairs.append((index, candidate.entry.slug, examples.count))
                    examples.append(candidate.features.values)
                    labels.append(post.claims.contains(candidate.entry.slug))
                }
            }
        }
        log("fitting the scorer on \(examples.count) pairs...")
        let scorer = BoostedTrees.fit(examples: examples, labels: labels, names: MatchFeatures.names)
        let totalPositives = posts.reduce(0) { $0 + $1.claims.count }
        // The thresholds are set on out-of-fold scores (each pair scored by trees fitted without its post's fold):
        // trees score the posts they were fitted on more surely than new ones, so a threshold chosen on those would
        // send a new writer's claims to review.
        var outOfFold = outOfFoldScores(examples: examples, labels: labels, pairs: pairs.map { PostSlug(post: $0.post, slug: $0.slug) }, claims: totalPositives)
        let scores = outOfFold.scores
        func counts(at threshold: Double) -> (truePositives: Int, falsePositives: Int) {
            var truePositives = 0
            var falsePositives = 0
            for pair in pairs where scores[pair.example] >= threshold {
                if labels[pair.example] { truePositives += 1 } else { falsePositives += 1 }
            }
            return (truePositives, falsePositives)
        }
        var labelThreshold = 0.5
        var bestF = -1.0
        for step in 30...95 {
            let threshold = Double(step) / 100
            let (tp, fp) = counts(at: threshold)
            let precision = tp + fp == 0 ? 1 : Double(tp) / Double(tp + fp)
            let recall = totalPositives == 0 ? 1 : Double(tp) / Double(totalPositives)
            // F0.5: precision counts twice as much as recall, since a wrong label on an honest post costs more
            // than a missed one (which may still reach review).
            let f = precision + recall == 0 ? 0 : 1.25 * precision * recall / (0.25 * precision + recall)
            if f >= bestF {
                bestF = f
                labelThreshold = threshold
            }
        }
        var reviewThreshold = max(0.10, labelThreshold - 0.10)
        for step in stride(from: Int((labelThreshold - 0.10) * 100), through: 10, by: -1) {
            let threshold = Double(step) / 100
            if Double(counts(at: threshold).truePositives) >= 0.98 * Double(totalPositives) {
                reviewThreshold = threshold
                break
            }
            reviewThreshold = threshold
        }
        outOfFold.threshold = labelThreshold
        let texts = posts.map(\.text) + matcher.entries.flatMap(\.phrasings) + matcher.entries.flatMap(\.corrections)
        let vectors = postInputs.map(\.vector) + anchorAssertions.map(\.1) + anchorDenials.map(\.1)
        return ScorerFit(
            scorer: scorer, stance: stance, exemplars: exemplars, crossLingualExemplars: crossLingualExemplars, labelThreshold: labelThreshold,
            reviewThreshold: reviewThreshold, outOfFold: outOfFold, embedded: Dictionary(zip(texts, vectors)) { first, _ in first },
            denialCues: postInputs.map { StanceCues.count(in: $0.text).suggestsDenial })
    }

    /// The quick stage's bounds, from out-of-fold scores of the fitting posts' (post, entry) pairs (each scored by
    /// trees fitted without its post's fold), searched in steps of 0.01:
    /// - ``QuickStage/labelAbove``: the lowest score, from the quick stage's own label threshold up, above which the
    ///   quick stage's labels are at least as precise as the full model's at its label threshold;
    /// - ``QuickStage/labelAboveWithDenialCue``: the lowest score, from the label bound up, above which its labels of
    ///   posts with a denial cue are at least as precise as the full model's labels of those posts and of all posts;
    /// - ``QuickStage/dropBelow``: the highest score, from the quick stage's own review threshold down, below which
    ///   at most ``quickMissRate`` of the claims fall that the full model labels.
    private static func quickBounds(_ quick: ScorerFit, full: ScorerFit, map: [Float], log: (String) -> Void) -> QuickStage {
        let quickScores = quick.outOfFold.scores
        let fullLabels = Set(full.outOfFold.labelled(at: full.labelThreshold))
        let fullPrecision = full.outOfFold.precision(at: full.labelThreshold)
        let labelAbove = quick.outOfFold.lowestBound(from: quick.labelThreshold, reaching: fullPrecision)
        // Posts with a denial cue: the quick stage's labels of them must be at least as precise as the full model's
        // labels of them, and as its labels of all posts.
        let hasDenialCue = { (post: Int) in quick.denialCues[post] }
        let fullPrecisionWithCue = max(fullPrecision, full.outOfFold.precision(at: full.labelThreshold, among: hasDenialCue))
        let labelAboveWithDenialCue = quick.outOfFold.lowestBound(from: labelAbove, reaching: fullPrecisionWithCue, among: hasDenialCue)
        var dropBelow = 0.0
        for step in stride(from: Int((min(quick.reviewThreshold, labelAbove) * 100).rounded()), through: 0, by: -1) {
            let threshold = Double(step) / 100
            let lost = quick.outOfFold.pairs.indices.filter { quick.outOfFold.labels[$0] && quickScores[$0] < threshold }
                .filter { fullLabels.contains(quick.outOfFold.pairs[$0]) }
            if Double(lost.count) <= quickMissRate * Double(quick.outOfFold.claims) {
                dropBelow = threshold
                break
            }
        }
        let decided = quickScores.filter { $0 < dropBelow || $0 >= labelAbove }.count
        log(
            String(
                format:
                    "quick stage: drops below %.2f, labels at %.2f and above (%.0f%% of the pairs' out-of-fold scores lie outside), posts with a denial cue at %.2f and above",
                dropBelow, labelAbove, 100 * Double(decided) / Double(max(1, quickScores.count)), labelAboveWithDenialCue))
        return QuickStage(
            scorer: quick.scorer, stance: quick.stance, exemplars: quick.exemplars, map: map, dropBelow: dropBelow, labelAbove: labelAbove,
            labelAboveWithDenialCue: labelAboveWithDenialCue)
    }

    /// The largest share of the claims the full model labels whose quick score may fall below the quick stage's drop
    /// bound (out of fold).
    public static let quickMissRate = 0.01

    /// Out-of-fold scores: each example scored by trees fitted without its post's fold.
    private struct OutOfFold {
        /// Each example's (post, slug) pair.
        var pairs: [PostSlug]
        /// Each example's score.
        var scores: [Double]
        /// Each example's label.
        var labels: [Bool]
        /// Every (post, slug) claim, found as a candidate or not.
        var claims: Int
        /// The label threshold the estimate is read at.
        var threshold = 0.5

        /// The posts with a claim labelled at the label threshold.
        var found: Set<Int> { Set(pairs.indices.filter { labels[$0] && scores[$0] >= threshold }.map { pairs[$0].post }) }

        /// Precision and recall at the label threshold, for people.
        var summary: String {
            let labelled = scores.indices.filter { scores[$0] >= threshold }
            let truePositives = labelled.filter { labels[$0] }.count
            return String(
                format: "out-of-fold estimate at the label threshold %.2f: precision %.3f recall %.3f", threshold,
                Double(truePositives) / Double(max(1, labelled.count)), Double(truePositives) / Double(max(1, claims)))
        }

        /// The pairs scoring at or above a threshold.
        func labelled(at threshold: Double) -> [PostSlug] { pairs.indices.filter { scores[$0] >= threshold }.map { pairs[$0] } }

        /// The share of the pairs scoring at or above a threshold that assert the entry (1 when none do), of the
        /// posts `included` accepts (by index).
        func precision(at threshold: Double, among included: (Int) -> Bool = { _ in true }) -> Double {
            let above = scores.indices.filter { scores[$0] >= threshold && included(pairs[$0].post) }
            return above.isEmpty ? 1 : Double(above.filter { labels[$0] }.count) / Double(above.count)
        }

        /// The lowest score, in steps of 0.01 from `start` up to 1, at and above which the pairs of the posts
        /// `included` accepts are at least `target` precise.
        func lowestBound(from start: Double, reaching target: Double, among included: (Int) -> Bool = { _ in true }) -> Double {
            for step in Int((start * 100).rounded())...100 where precision(at: Double(step) / 100, among: included) >= target {
                return Double(step) / 100
            }
            return 1
        }
    }

    /// A post (by index) and an entry's slug.
    private struct PostSlug: Hashable {
        var post: Int
        var slug: String
    }

    /// Scores every example with trees fitted without its post's fold (`pairs[i]` is example i's post and slug;
    /// `claims` counts every (post, slug) claim, found as a candidate or not).
    private static func outOfFoldScores(examples: [[Double]], labels: [Bool], pairs: [PostSlug], claims: Int) -> OutOfFold {
        let posts = pairs.map(\.post)
        var scores = [Double](repeating: 0, count: examples.count)
        for fold in 0..<folds {
            let fitting = examples.indices.filter { posts[$0] % folds != fold }
            let scorer = BoostedTrees.fit(examples: fitting.map { examples[$0] }, labels: fitting.map { labels[$0] }, names: MatchFeatures.names)
            for example in examples.indices where posts[example] % folds == fold {
                scores[example] = scorer.probability(examples[example])
            }
        }
        return OutOfFold(pairs: pairs, scores: scores, labels: labels, claims: claims)
    }

    private static func fitGate(
        matcher: RumorMatcher, posts: [LabelledPost], found: Set<Int>, background: [String], folds: Int, log: (String) -> Void
    ) -> TopicGate {
        typealias Example = (inputs: TopicGate.Inputs, mayAssert: Bool)
        let always: [Example] =
            matcher.entries.flatMap { [$0.rumor, $0.title] + $0.phrasings }.map { (matcher.gateInputs($0), true) }
            + background.map { (matcher.gateInputs($0), false) }
        let postExamples: [Example?] = posts.map { post in post.kind == "refutation" ? nil : (matcher.gateInputs(post.text), !post.claims.isEmpty) }
        // Each post that makes a claim, scored by a gate fitted without its fold, and whether the scorer (also fitted
        // without its fold) labels one of its claims.
        var claims: [(logOdds: Double, id: String, found: Bool)] = []
        for fold in 0..<folds {
            let foldGate = TopicGate.fit(always + posts.indices.filter { $0 % folds != fold }.compactMap { postExamples[$0] })
            for index in posts.indices where index % folds == fold && !posts[index].claims.isEmpty {
                claims.append((foldGate.logOdds(postExamples[index]!.inputs), posts[index].id, found.contains(index)))
            }
        }
        claims.sort { $0.logOdds < $1.logOdds }
        var gate = TopicGate.fit(always + postExamples.compactMap { $0 })
        // The gate must not cost the matcher what it would otherwise find: the threshold is set on the claims the
        // scorer labels, and allows 1 - gateRecall of them (rounded down), the lowest, below it.
        let labelled = claims.filter(\.found)
        let allowed = Int(Double(labelled.count) * (1 - gateRecall))
        gate.threshold = (labelled.isEmpty ? 0 : labelled[allowed].logOdds) - gateMargin
        log(
            "lowest cross-fitted gate log-odds of posts whose claims the scorer labels: "
                + labelled.prefix(5).map { "\($0.id) \(String(format: "%.2f", $0.logOdds))" }.joined(separator: ", "))
        func shares(_ posts: [(logOdds: Double, id: String, found: Bool)]) -> String {
            [-3.0, -2.0, -1.5, -1.0, -0.5, 0].map { threshold in
                let passing = posts.filter { $0.logOdds >= threshold }.count
                return "\(String(format: "%.1f", threshold)) \(String(format: "%.3f", Double(passing) / Double(max(1, posts.count))))"
            }.joined(separator: ", ")
        }
        log(
            "share passing a cross-fitted gate, by threshold: of posts that make claims: \(shares(claims)); of those the scorer labels: \(shares(labelled))"
        )
        log("gate threshold \(String(format: "%.2f", gate.threshold)) (log-odds)")
        return gate
    }
}
