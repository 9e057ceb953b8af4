import Foundation
import RumorCore

/// Reads a post and says which known disputed claims it asserts.
///
/// The stages, cheapest first: normalise (offsets kept); a fitted lexical gate (``TopicGate``: the post's words and
/// its BM25 against every entry) that lets a post unlike any claim about the knowledge base exit at once; split into
/// segments (post, sentences, clauses) and embed them; compare each segment with every entry's rumor, title and
/// phrasings and with its reality, and the post with the nearest fitting posts (exemplars); weigh that evidence and
/// the stance cues with the fitted ``MatcherModel``; threshold into labels and review items.
///
/// The embedding is done twice over when the model has a ``QuickStage``: first from per-token vectors (no encoder
/// pass), which decides the posts it is sure of, then with the encoder for the rest.
public struct RumorMatcher: Sendable {
    /// Settings a deployment chooses.
    public struct Configuration: Sendable {
        /// The fitted model and its thresholds.
        public var model: MatcherModel
        /// The notice's text.
        public var labelText = "This claim about election fraud is disputed."
        /// The site whose entry pages labels link to.
        public var siteURL = SiteURL.defaultBase

        /// Creates a configuration.
        public init(model: MatcherModel, labelText: String? = nil, siteURL: String? = nil) {
            self.model = model
            if let labelText { self.labelText = labelText }
            if let siteURL { self.siteURL = siteURL }
        }
    }

    /// One entry's evidence for one post, before thresholds.
    public struct Candidate: Sendable {
        /// The entry.
        public var entry: Entry
        /// The evidence.
        public var features: MatchFeatures
        /// The segment that fits the entry best.
        public var segment: TextSegment
    }

    /// The entries matched against (published ones).
    public let entries: [Entry]
    /// The settings.
    public var configuration: Configuration
    let embedder: SentenceEmbedder
    private let lexicalIndex: BM25Index
    private let rumorAnchors: AnchorSet
    private let realityAnchors: AnchorSet
    private let correctionAnchors: AnchorSet
    private let keywordTerms: [[[String]]]
    private let electionVocabulary: Set<String>
    /// Words that say a post may be about an entry: words of at least two entries' texts (phrasings and
    /// corrections included, so Spanish counts too) and every entry's rumor, title and keyword terms. The gate reads
    /// the summed rarity of the ones a post contains.
    private let topicVocabulary: Set<String>
    private let dictionary: Set<String>
    /// Entry texts and their normalised forms, kept for the next rebuild.
    private let normalizedTexts: [String: String]
    /// The fitting posts, decoded from the model (replaced while fitting to leave folds out).
    var exemplarIndex: ExemplarIndex
    /// The matcher of the model's quick stage: the same entries over per-token vectors, with the quick stage's model.
    private let quickMatcher: QuickMatcher?
    /// The multilingual encoder's reading of posts in Spanish (nil when no multilingual encoder was given).
    private var crossLingual: CrossLingualStage?
    /// Whether posts in Spanish are read with the multilingual encoder too (``CrossLingualStage``).
    public var readsAcrossLanguages: Bool { crossLingual != nil }
    /// The multilingual encoder, when the matcher has one (a reload passes it on).
    public var multilingual: MultilingualEmbedder? { crossLingual?.embedder }
    /// The verification stage (``PairVerifier``): reads each label and review item of an English post with the
    /// entry's rumor, sends a label to review when the post does not assert it, and labels a review item when it surely
    /// does. Nil to label on the scorer alone; a reload passes it on.
    public var verifier: PairVerifier?

    /// The cross-lingual scale fitted on these entries' Spanish phrasings (nil without a multilingual encoder or
    /// with too few of them), for ``MatcherModel/crossLingualScale``.
    public var fittedCrossLingualScale: SimilarityScale? {
        crossLingual.flatMap { CrossLingualStage.fittedScale(english: rumorAnchors, multilingual: $0.rumorAnchors) }
    }

    /// Which stage decided a post.
    public enum Stage: String, Sendable, Hashable {
        /// The gate turned it away.
        case gate
        /// The quick stage was sure of it.
        case quick
        /// The encoder and the full model.
        case encoder
    }

    /// Builds the matcher's index: lexical documents and the embeddings of every entry's rumor, title, phrasings
    /// and reality.
    /// - Parameters:
    ///   - entries: the entries to match; those not published are left out.
    ///   - embedder: the loaded sentence embedder.
    ///   - configuration: the model and the notice's settings.
    ///   - previous: a matcher over an earlier set of entries with the same embedder; texts it embedded are reused.
    ///   - multilingual: the multilingual encoder, to read posts in Spanish against entries written in English
    ///     (``CrossLingualStage``); nil to read every post with the English encoder alone.
    ///   - verifier: the verification stage; nil for `previous`'s (none without one).
    ///
    /// When the model has a quick stage, a second matcher over per-token vectors is built for it (the vectors are
    /// read from the model's folder, or computed once: ``SentenceEmbedder/tokenVectorEmbedder()``).
    public init(
        entries: [Entry], embedder: SentenceEmbedder, configuration: Configuration, reusing previous: RumorMatcher? = nil,
        multilingual: MultilingualEmbedder? = nil, verifier: PairVerifier? = nil
    ) {
        self.verifier = verifier ?? previous?.verifier
        // Anchor vectors are reused only from a matcher that embeds the same way.
        let reusable =
            previous.flatMap {
                $0.embedder.usesTokenVectors == embedder.usesTokenVectors ? [$0.rumorAnchors, $0.realityAnchors, $0.correctionAnchors] : nil
            }
            ?? []
        let published = entries.filter { $0.status == .published }
        self.entries = published
        self.embedder = embedder
        self.configuration = configuration
        exemplarIndex = ExemplarIndex(configuration.model.exemplars, slugs: published.map(\.slug))
        let dictionary = previous?.dictionary ?? embedder.tokenizer.wholeWords
        self.dictionary = dictionary
        // Normalising is most of the cost of a rebuild; each distinct text is normalised once, and a rebuild reuses
        // what the previous matcher normalised.
        var normalized = previous?.normalizedTexts ?? [:]
        func normalize(_ text: String) -> String {
            if let known = normalized[text] { return known }
            let result = NormalizedText(text, dictionary: dictionary).text
            normalized[text] = result
            return result
        }
        func terms(_ texts: [String]) -> [String] { LexicalAnalyzer.terms(texts.map(normalize).joined(separator: "\n")) }
        lexicalIndex = BM25Index(documents: published.map { entry in terms([entry.rumor, entry.title] + entry.keywords + entry.phrasings) })
        var entryCounts: [String: Int] = [:]
        for entry in published {
            for term in Set(terms([entry.rumor, entry.title, entry.reality] + entry.phrasings + entry.corrections)) {
                entryCounts[term, default: 0] += 1
            }
        }
        electionVocabulary = Set(entryCounts.filter { $0.value >= 3 }.keys)
        // Numbers ("5", "2020") say nothing about the topic on their own.
        topicVocabulary = Set(entryCounts.filter { $0.value >= 2 }.keys).union(
            published.flatMap { entry in terms([entry.rumor, entry.title] + entry.keywords) }
        )
        .filter { !$0.allSatisfy(\.isNumber) }
        keywordTerms = published.map { entry in entry.keywords.map { terms([$0]) } }
        rumorAnchors = AnchorSet(
            texts: published.enumerated().flatMap { index, entry in ([entry.rumor, entry.title] + entry.phrasings).map { (index, normalize($0)) } },
            embedder: embedder, reusing: reusable)
        realityAnchors = AnchorSet(
            texts: published.enumerated().flatMap { index, entry in Self.sentences(entry.reality + " " + entry.details).map { (index, normalize($0)) }
            },
            embedder: embedder, reusing: reusable)
        correctionAnchors = AnchorSet(
            texts: published.enumerated().flatMap { index, entry in entry.corrections.map { (index, normalize($0)) } }, embedder: embedder,
            reusing: reusable)
        normalizedTexts = normalized
        if let multilingual {
            crossLingual = CrossLingualStage(
                embedder: multilingual, english: [rumorAnchors, realityAnchors, correctionAnchors], scale: configuration.model.crossLingualScale,
                exemplars: configuration.model.crossLingualExemplars.map { ($0, published.map(\.slug)) }, reusing: previous?.crossLingual)
        } else {
            crossLingual = nil
        }
        if let quick = configuration.model.quick, !embedder.usesTokenVectors {
            // The previous quick stage's vectors are reused only when they were mapped the same way.
            let previousQuick = previous?.configuration.model.quick?.map == quick.map ? previous?.quickMatcher?.matcher : nil
            quickMatcher = QuickMatcher(
                matcher: RumorMatcher(
                    entries: entries, embedder: previousQuick?.embedder ?? embedder.tokenVectorEmbedder(map: quick.decodedMap),
                    configuration: .init(model: quick.model),
                    reusing: previousQuick))
        } else {
            quickMatcher = nil
        }
    }

    /// The labels for one post.
    public func match(_ text: String) -> MatchResult {
        match([text])[0]
    }

    /// The labels for several posts, in order. The segments of all of them go through the encoder together,
    /// which is faster per post than one at a time; the results are the same.
    public func match(_ texts: [String]) -> [MatchResult] {
        matchWithStages(texts).map(\.result)
    }

    /// The labels for several posts, in order, each with the stage that decided it.
    public func matchWithStages(_ texts: [String]) -> [(result: MatchResult, stage: Stage)] {
        var prepared = texts.map { prepare($0) }
        admitAcrossLanguages(&prepared, texts: texts)
        var decided = [(result: MatchResult, stage: Stage)?](repeating: nil, count: texts.count)
        for (index, post) in prepared.enumerated() where post.segments.isEmpty { decided[index] = (.none, .gate) }
        var remaining = prepared.indices.filter { decided[$0] == nil }
        // Per-token vectors know no Spanish: posts read across languages skip the quick stage.
        if let quick = quickMatcher?.matcher, let stage = configuration.model.quick {
            let crossLingualPosts = remaining.filter { prepared[$0].crossLingual }
            remaining = remaining.filter { !prepared[$0].crossLingual }
            let quickCandidates = quick.candidates(remaining.map { prepared[$0] })
            remaining = zip(remaining, quickCandidates).compactMap { index, candidates in
                let scored = candidates.map { ($0, stage.scorer.probability($0.features.values)) }
                // Per-token vectors ignore word order, so a post with a cue of denial has a label bound of its own (fitted, at
                // least the ordinary one).
                let labelBound = stage.labelBound(prepared[index].cues)
                guard scored.allSatisfy({ $0.1 < stage.dropBelow || $0.1 >= labelBound }) else { return index }
                decided[index] = (result(prepared[index].normalized, scored, label: labelBound, review: labelBound), .quick)
                return nil
            }
            remaining += crossLingualPosts
        }
        let model = configuration.model
        for (index, candidates) in zip(remaining, candidates(remaining.map { prepared[$0] })) {
            let scored = candidates.map { ($0, model.scorer.probability($0.features.values)) }
            decided[index] = (result(prepared[index].normalized, scored, label: model.labelThreshold, review: model.reviewThreshold), .encoder)
        }
        var results = decided.map { $0! }
        if let verifier {
            let english = results.indices.filter { !prepared[$0].crossLingual && !(results[$0].result.labels.isEmpty && (verifier.promoteFrom > 1 || results[$0].result.review.isEmpty)) }
            verify(&results, posts: english, texts: texts, with: verifier)
        }
        return results
    }

    /// Reads every label and review item of the given posts with the verifier: a label whose post does not assert the
    /// entry's rumor goes to review, and a review item whose post surely asserts it is labelled. What counts is the
    /// likelier of two readings, the span that matched (a post of several claims makes each in its own sentence) and
    /// the whole post; the whole post is read only when the span leaves the decision open.
    private func verify(_ results: inout [(result: MatchResult, stage: Stage)], posts: [Int], texts: [String], with verifier: PairVerifier) {
        // Review items are read only when some may be promoted.
        func read(_ result: MatchResult) -> [Label] { verifier.promoteFrom <= 1 ? result.labels + result.review : result.labels }
        func threshold(_ label: Label) -> Double { label.decision == .label ? verifier.vetoBelow : verifier.promoteFrom }
        func judge(_ pairs: [(post: String, rumor: String)]) -> [Double] {
            stride(from: 0, to: pairs.count, by: Self.verifierBatch).flatMap { start in
                verifier.judge(Array(pairs[start..<min(start + Self.verifierBatch, pairs.count)])).map(\.asserts)
            }
        }
        // A label stands when the matched span or the whole post asserts the rumor. The span is shorter, so it is read
        // first, and the whole post only where the span alone falls short of the threshold.
        let items = posts.flatMap { index in read(results[index].result).map { (post: index, label: $0) } }
        var asserts = judge(items.map { (post: $0.label.span.text, rumor: $0.label.rumor) })
        let again = items.indices.filter { asserts[$0] < threshold(items[$0].label) && items[$0].label.span.text != texts[items[$0].post] }
        for (item, whole) in zip(again, judge(again.map { (post: texts[items[$0].post], rumor: items[$0].label.rumor) })) {
            asserts[item] = max(asserts[item], whole)
        }
        var verdicts = asserts.makeIterator()
        for index in posts {
            var labels: [Label] = []
            var review: [Label] = []
            let result = results[index].result
            for var label in read(result) {
                label.decision = verdicts.next()! >= threshold(label) ? .label : .review
                if label.decision == .label { labels.append(label) } else { review.append(label) }
            }
            if verifier.promoteFrom > 1 { review += result.review }
            results[index].result = MatchResult(labels: labels.sorted { $0.score > $1.score }, review: review.sorted { $0.score > $1.score })
        }
    }

    /// Pairs read by the verifier in one encoder pass.
    static let verifierBatch = 32

    /// Thresholds scored candidates into labels and review items.
    private func result(_ normalized: NormalizedText, _ scored: [(Candidate, Double)], label: Double, review reviewThreshold: Double) -> MatchResult {
        var labels: [Label] = []
        var review: [Label] = []
        for (candidate, score) in scored {
            guard score >= reviewThreshold else { continue }
            let range = normalized.originalRange(candidate.segment.range)
            let label = Label(
                slug: candidate.entry.slug, rumor: candidate.entry.rumor, reality: candidate.entry.reality,
                url: SiteURL.entry(slug: candidate.entry.slug, base: configuration.siteURL), labelText: configuration.labelText,
                score: (score * 1000).rounded() / 1000, decision: score >= label ? .label : .review,
                span: Label.Span(start: range.lowerBound, end: range.upperBound, text: normalized.originalText(range)))
            if label.decision == .label { labels.append(label) } else { review.append(label) }
        }
        return MatchResult(labels: labels.sorted { $0.score > $1.score }, review: review.sorted { $0.score > $1.score })
    }

    /// A post made ready for scoring: normalised, its terms and BM25 scores, and its segments (none when it is
    /// turned away at the gate).
    private struct PreparedPost {
        var normalized: NormalizedText
        var terms: [String]
        var bm25: [Int: Float]
        var segments: [TextSegment]
        /// The stance cues of the whole post (none counted when it is turned away at the gate).
        var cues = StanceCues.Counts()
        /// What the post quotes and what it says in its own words (not read when it is turned away at the gate).
        var voice = PosterVoice("")
        /// Whether the post is read with the multilingual encoder too (it reads as Spanish, and the matcher has one).
        var crossLingual = false
    }

    /// Normalises a post and puts it through the lexical gate, unless `admitted` (the multilingual encoder found it
    /// near a rumor).
    private func prepare(_ text: String, admitted: Bool = false) -> PreparedPost {
        let normalized = NormalizedText(text, dictionary: dictionary)
        let terms = LexicalAnalyzer.terms(normalized.text)
        let bm25 = lexicalIndex.scores(terms)
        let gate = configuration.model.gate
        let crossLingual = crossLingual != nil && CrossLingualStage.readsAsSpanish(normalized.text)
        guard admitted || gate.logOdds(gateInputs(terms: terms, bm25: bm25)) >= gate.threshold else {
            return PreparedPost(normalized: normalized, terms: terms, bm25: bm25, segments: [], crossLingual: crossLingual)
        }
        return PreparedPost(
            normalized: normalized, terms: terms, bm25: bm25, segments: Segmenter.segments(of: normalized),
            cues: StanceCues.count(in: normalized.text), voice: PosterVoice(normalized.text), crossLingual: crossLingual)
    }

    /// Lets posts in Spanish that the lexical gate turned away go on when the multilingual encoder finds them near an
    /// entry's rumor (``CrossLingualStage/gateSimilarity``).
    private func admitAcrossLanguages(_ prepared: inout [PreparedPost], texts: [String]) {
        guard let crossLingual else { return }
        let turnedAway = prepared.indices.filter { prepared[$0].crossLingual && prepared[$0].segments.isEmpty }
        guard !turnedAway.isEmpty else { return }
        let vectors = crossLingual.embedder.embed(turnedAway.map { prepared[$0].normalized.text })
        let nearest = crossLingual.bestPerEntry(\.rumorAnchors, vectors, entryCount: entries.count)
        for (index, similarities) in zip(turnedAway, nearest) where (similarities.max() ?? -1) >= CrossLingualStage.gateSimilarity {
            prepared[index] = prepare(texts[index], admitted: true)
        }
    }

    /// Every entry's evidence for each post, with all posts' segments embedded in one pass.
    private func candidates(_ prepared: [PreparedPost]) -> [[Candidate]] {
        // One encoder pass per post: the post's vector, and its sentences', clauses' and quotes' pooled from it.
        let embeddable = prepared.filter { $0.segments.first?.kind == .post }
        var pooled = embedder.embed(texts: embeddable.map { ($0.segments[0].text, $0.segments.dropFirst().map(\.text)) }).makeIterator()
        // The multilingual encoder reads each segment of a post in Spanish on its own, all posts' segments in one call.
        let crossLingualSegments = embeddable.filter(\.crossLingual).map { $0.segments.map(\.text) }
        var multilingual = (crossLingual?.embedder.embed(crossLingualSegments.flatMap { $0 }) ?? []).makeIterator()
        return prepared.map { post in
            guard post.segments.first?.kind == .post, let vectors = pooled.next() else { return [] }
            let multilingualVectors = post.crossLingual ? post.segments.compactMap { _ in multilingual.next() } : nil
            return candidates(post, vectors: vectors, multilingual: multilingualVectors)
        }
    }

    /// Every entry's evidence for a post (entries with no evidence at all are left out); empty when the post
    /// does not pass the lexical gate.
    public func candidates(_ text: String) -> (NormalizedText, [Candidate]) {
        let post = prepare(text)
        return (post.normalized, candidates([post])[0])
    }

    /// - Parameter multilingual: the multilingual encoder's vectors of the segments, for a post read across languages:
    ///   each similarity is then the better of the two encoders'.
    private func candidates(_ post: PreparedPost, vectors: [[Float]], multilingual: [[Float]]? = nil) -> [Candidate] {
        let (postTerms, segments, bm25) = (post.terms, post.segments, post.bm25)
        guard !segments.isEmpty else { return [] }
        let bestBM25 = bm25.values.max() ?? 0
        func similarities(_ english: AnchorSet, _ other: KeyPath<CrossLingualStage, AnchorSet>) -> [[Float]] {
            let own = english.bestPerEntry(vectors, entryCount: entries.count)
            guard let multilingual, let crossLingual else { return own }
            let across = crossLingual.bestPerEntry(other, multilingual, entryCount: entries.count)
            return zip(own, across).map { zip($0, $1).map { max($0, $1) } }
        }
        let rumorSimilarity = similarities(rumorAnchors, \.rumorAnchors)
        let realitySimilarity = similarities(realityAnchors, \.realityAnchors)
        let correctionSimilarity = similarities(correctionAnchors, \.correctionAnchors)
        let postCues = post.cues
        let stance = configuration.model.stance
        // Several entries usually share a best segment: judge each segment's stance once.
        var segmentStance: [Int: (denial: Double, cues: StanceCues.Counts)] = [:]
        func stanceOf(_ segment: Int) -> (denial: Double, cues: StanceCues.Counts) {
            if let known = segmentStance[segment] { return known }
            let value = (
                stance.denialProbability(text: segments[segment].text, vector: vectors[segment]), StanceCues.count(in: segments[segment].text)
            )
            segmentStance[segment] = value
            return value
        }
        let postTermSet = Set(postTerms)
        let electionTerms = Double(min(postTermSet.intersection(electionVocabulary).count, 6))
        // A post read across languages is compared with the fitting posts as the multilingual encoder reads them.
        let exemplars =
            multilingual.flatMap { crossLingual?.exemplarNeighbourhood($0[0], slugCount: entries.count) }
            ?? exemplarIndex.neighbourhood(vectors[0], slugCount: entries.count)
        let nearest = exemplars.nearest
        var bestAnyEntry: Float = -1
        for row in rumorSimilarity { bestAnyEntry = max(bestAnyEntry, row.max() ?? -1) }
        var candidates: [Candidate] = []
        for (index, entry) in entries.enumerated() {
            let claimSegments = segments.indices.filter { segments[$0].kind != .quote }
            let quoteSegments = segments.indices.filter { segments[$0].kind == .quote }
            let best = claimSegments.max { rumorSimilarity[$0][index] < rumorSimilarity[$1][index] }!
            let similarity = rumorSimilarity[best][index]
            let lexical = bm25[index] ?? 0
            guard similarity >= 0.2 || lexical > 0 else { continue }
            var other: Float = -1
            for (entry, value) in rumorSimilarity[best].enumerated() where entry != index { other = max(other, value) }
            let segmentCues = stanceOf(best).cues
            let keywordHit = keywordTerms[index].contains { terms in !terms.isEmpty && terms.allSatisfy(postTermSet.contains) }
            let features = MatchFeatures(
                segmentSimilarity: Double(similarity), postSimilarity: Double(rumorSimilarity[0][index]), margin: Double(similarity - other),
                topEntryForSegment: similarity >= other ? 1 : 0,
                bm25: Double(log1p(lexical)), bm25Share: bestBM25 > 0 ? Double(lexical / bestBM25) : 0, keywordHit: keywordHit ? 1 : 0,
                realityGapSegment: Double(realitySimilarity[best][index] - similarity),
                realityGapPost: Double(realitySimilarity[0][index] - rumorSimilarity[0][index]),
                correctionGapSegment: Double(correctionSimilarity[best][index] - similarity),
                correctionGapPost: Double(correctionSimilarity[0][index] - rumorSimilarity[0][index]),
                denialPost: stanceOf(0).denial, denialSegment: stanceOf(best).denial,
                negationsInSegment: Double(min(segmentCues.negations, 3)), refutationCues: Double(min(postCues.refutations, 4)),
                correctionCues: Double(min(postCues.corrections, 3)), quotes: Double(min(postCues.quotes, 3)),
                accusationCues: Double(min(postCues.accusations, 4)), segmentIsPost: segments[best].kind == .post ? 1 : 0,
                bestSimilarityAnyEntry: Double(bestAnyEntry), electionTerms: electionTerms,
                quotedSimilarity: Double(quoteSegments.map { rumorSimilarity[$0][index] }.max() ?? 0),
                exemplarAsserting: nearest[index].asserting, exemplarGap: nearest[index].asserting - nearest[index].other,
                exemplarVote: exemplars.votes[index], exemplarClaimShare: exemplars.claimShare,
                exemplarCleanShare: exemplars.cleanShare, quotedShare: post.voice.quotedShare,
                ownVoiceEndorsements: Double(min(post.voice.endorsements, 2)), ownVoiceDenials: Double(min(post.voice.denials, 3)))
            candidates.append(Candidate(entry: entry, features: features, segment: segments[best]))
        }
        return candidates
    }

    /// The same matcher with texts embedded from per-token vectors (mapped by `map`) and no quick stage, for fitting
    /// the quick stage.
    func tokenVectorMatcher(map: [Float]?) -> RumorMatcher {
        var model = configuration.model
        model.quick = nil
        return RumorMatcher(entries: entries, embedder: embedder.tokenVectorEmbedder(map: map), configuration: .init(model: model))
    }

    /// The embedding of each post as the matcher sees it (its normalised text), for exemplars.
    public func postVectors(_ texts: [String]) -> [[Float]] {
        embedder.embed(exemplarTexts(texts), batchSize: 32, threads: 2)
    }

    /// The same by the multilingual encoder, for ``MatcherModel/crossLingualExemplars``; nil without one.
    public func multilingualPostVectors(_ texts: [String]) -> [[Float]]? {
        crossLingual.map { $0.embedder.embed(exemplarTexts(texts), batchSize: 32, threads: 2) }
    }

    private func exemplarTexts(_ texts: [String]) -> [String] {
        texts.map { text in Segmenter.segments(of: NormalizedText(text, dictionary: dictionary)).first?.text ?? "" }
    }

    /// Sets the exemplars the cross-lingual stage reads, for fitting: each fold's posts are compared only with the
    /// other folds'.
    mutating func setCrossLingualExemplars(_ set: ExemplarSet, excluded: @escaping @Sendable (Int) -> Bool) {
        crossLingual?.exemplarIndex = ExemplarIndex(set, slugs: entries.map(\.slug), excluded: excluded)
    }

    /// The normalised text and embedding of each text, for fitting the stance model.
    public func stanceInputs(_ texts: [String]) -> [(text: String, vector: [Float])] {
        let normalized = texts.map { NormalizedText($0, dictionary: dictionary).text }
        return Array(zip(normalized, embedder.embed(normalized, batchSize: 32, threads: 2)))
    }

    /// What the gate (``TopicGate``) reads of a text.
    public func gateInputs(_ text: String) -> TopicGate.Inputs {
        let terms = LexicalAnalyzer.terms(NormalizedText(text, dictionary: dictionary).text)
        return gateInputs(terms: terms, bm25: lexicalIndex.scores(terms))
    }

    private func gateInputs(terms: [String], bm25: [Int: Float]) -> TopicGate.Inputs {
        TopicGate.Inputs(terms: terms, topicRarity: topicRarity(terms), bestBM25: Double(bm25.values.max() ?? 0))
    }

    /// The gate's log-odds that a post may assert a rumor; the post goes on to the encoder when they reach the
    /// model's ``TopicGate/threshold``.
    public func gateLogOdds(_ text: String) -> Double {
        configuration.model.gate.logOdds(gateInputs(text))
    }

    /// The summed inverse document frequency of the distinct topic words in a post (0 when it has none).
    private func topicRarity(_ terms: [String]) -> Double {
        Set(terms).intersection(topicVocabulary).sorted().reduce(0) { $0 + Double(lexicalIndex.inverseDocumentFrequency($1)) + 0.1 }
    }

    /// Sentences of an entry's text, for reality anchors.
    static func sentences(_ text: String) -> [String] {
        var sentences: [String] = []
        var current = ""
        for character in text {
            current.append(character)
            if ".!?".contains(character), current.count > 30 {
                sentences.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
            }
        }
        if !current.trimmingCharacters(in: .whitespaces).isEmpty { sentences.append(current.trimmingCharacters(in: .whitespaces)) }
        return sentences
    }
}

/// Holds the quick stage's matcher (a class, since a matcher cannot hold a matcher directly).
private final class QuickMatcher: Sendable {
    let matcher: RumorMatcher

    init(matcher: RumorMatcher) { self.matcher = matcher }
}

/// Embedded anchor texts, each belonging to an entry; answers "how close is each segment to each entry".
struct AnchorSet: Sendable {
    let vectors: [Float]
    /// ``vectors``, laid out for similarity queries.
    let rows: SimilarityRows
    let owners: [Int]
    /// The normalised texts, in the order of `owners`.
    let texts: [String]

    /// Embeds normalised texts, except those already embedded in `previous` (a matcher rebuilt after one entry
    /// changed embeds only that entry's texts).
    init(texts: [(owner: Int, text: String)], embedder: SentenceEmbedder, reusing previous: [AnchorSet] = []) {
        self.init(texts: texts, embed: { embedder.embed($0, batchSize: 32, threads: 1) }, reusing: previous)
    }

    /// Embeds normalised texts with `embed`, except those already embedded in `previous`.
    init(texts: [(owner: Int, text: String)], embed: ([String]) -> [[Float]], reusing previous: [AnchorSet] = []) {
        let dimension = SentenceEmbedder.dimension
        owners = texts.map(\.owner)
        self.texts = texts.map(\.text)
        var known: [String: ArraySlice<Float>] = [:]
        for set in previous {
            for (index, text) in set.texts.enumerated() { known[text] = set.vectors[index * dimension..<(index + 1) * dimension] }
        }
        var missing: [String] = []
        for text in self.texts where known[text] == nil && !missing.contains(text) { missing.append(text) }
        for (text, vector) in zip(missing, missing.isEmpty ? [] : embed(missing)) { known[text] = vector[...] }
        vectors = self.texts.flatMap { known[$0]! }
        rows = SimilarityRows(vectors, count: owners.count)
    }

    /// The vector of the anchor at `index`.
    func vector(_ index: Int) -> [Float] {
        let dimension = SentenceEmbedder.dimension
        return Array(vectors[index * dimension..<(index + 1) * dimension])
    }

    /// For each segment vector, the best cosine similarity to any anchor of each entry.
    func bestPerEntry(_ segments: [[Float]], entryCount: Int) -> [[Float]] {
        let anchorCount = owners.count
        guard anchorCount > 0, !segments.isEmpty else { return segments.map { _ in [Float](repeating: 0, count: entryCount) } }
        let similarities = rows.similarities(segments)
        return (0..<segments.count).map { row in
            var best = [Float](repeating: -1, count: entryCount)
            for anchor in 0..<anchorCount {
                best[owners[anchor]] = max(best[owners[anchor]], similarities[row * anchorCount + anchor])
            }
            return best
        }
    }
}
