import COpenBLAS
import Foundation
import RumorCore

extension ClusteringModel {
    /// The numbers of style directions `fit` chooses from.
    public static let directionCounts = [0, 5, 10, 15, 20, 25, 30, 40, 60]
    /// The words' weights `fit` chooses from.
    public static let termWeights: [Float] = [0, 0.3, 0.5, 0.6, 0.7]
    /// The thresholds `fit` chooses from.
    public static let thresholds: [Float] = stride(from: 0.5, through: 1.0001, by: 0.02).map { Float($0) }
    /// Whether `fit` scales words by how little they say about the rumor (``termScales(_:slugs:)``), both tried.
    static let termScaling = [false, true]
    /// How many times `fit` splits the rumors in two to choose.
    static let splits = 12

    /// Fits a model on labelled posts that assert one rumor each (`slugs[i]` is what `texts[i]` asserts, `vectors[i]`
    /// its embedding).
    ///
    /// The number of style directions, the words' weight, whether words are scaled, and the threshold are chosen as
    /// the view is used: on rumors the directions and scales were not fitted on, a few posts each. Twelve times, the
    /// rumors are split in two halves; the directions and word scales are fitted on one half's posts and the
    /// clustering of six posts per rumor of the other half is scored (adjusted Rand index against the slugs), and the
    /// other way round. The setting with the best mean wins; its directions and scales are then fitted on all the
    /// posts.
    /// - Parameter progress: told what is being done, for a person watching.
    public static func fit(vectors: [[Float]], texts: [String], slugs: [String], provenance: String, progress: (String) -> Void = { _ in }) -> ClusteringModel {
        precondition(vectors.count == texts.count && texts.count == slugs.count, "one text and one slug per vector")
        let rumors = Array(Set(slugs)).sorted()
        var generator = SeededGenerator(seed: 2020)
        var draws: [(fit: [Int], score: [Int])] = []
        for _ in 0..<splits {
            let shuffled = rumors.shuffled(using: &generator)
            let halves = [Set(shuffled.prefix(shuffled.count / 2)), Set(shuffled.dropFirst(shuffled.count / 2))]
            for (fitHalf, scoreHalf) in [(halves[0], halves[1]), (halves[1], halves[0])] {
                let fit = slugs.indices.filter { fitHalf.contains(slugs[$0]) }
                let score = scoreHalf.sorted().flatMap { rumor in slugs.indices.filter { slugs[$0] == rumor }.shuffled(using: &generator).prefix(6) }
                draws.append((fit, score))
            }
        }
        // scores[scaling][count][weight][threshold], summed over the draws.
        var scores = Array(
            repeating: Array(repeating: Array(repeating: [Double](repeating: 0, count: thresholds.count), count: termWeights.count), count: directionCounts.count),
            count: termScaling.count)
        for (drawNumber, draw) in draws.enumerated() {
            progress("choosing the settings: split \(drawNumber + 1) of \(draws.count)")
            let truth = draw.score.map { rumors.firstIndex(of: slugs[$0])! }
            let scoreTexts = draw.score.map { texts[$0] }
            let scales = termScales(draw.fit.map { texts[$0] }, slugs: draw.fit.map { slugs[$0] })
            let terms = termScaling.map { TermWeights(scoreTexts, scales: $0 ? scales : [:]) }
            // The directions of every count are the first of the same eigenvectors: decompose once.
            let all = styleDirections(draw.fit.map { vectors[$0] }, slugs: draw.fit.map { slugs[$0] }, count: directionCounts.max()!)
            for (c, count) in directionCounts.enumerated() {
                let model = ClusteringModel(styleDirections: Array(all.prefix(count)), termWeight: 0, threshold: 1, provenance: "")
                let projected = draw.score.map { model.project(vectors[$0]) }
                for (w, weight) in termWeights.enumerated() {
                    for s in termScaling.indices where weight > 0 || s == 0 {
                        let merges = AgglomerativeClustering.merges(projected, terms: weight > 0 ? terms[s] : nil, termWeight: weight)
                        for (t, threshold) in thresholds.enumerated() {
                            let clusters = AgglomerativeClustering.cut(merges, count: projected.count, threshold: threshold)
                            scores[s][c][w][t] += AgglomerativeClustering.adjustedRandIndex(truth, clusters)
                        }
                    }
                }
            }
        }
        var best = (s: 0, c: 0, w: 0, t: 0, score: -Double.infinity)
        for s in termScaling.indices {
            for c in directionCounts.indices {
                for w in termWeights.indices {
                    for t in thresholds.indices where scores[s][c][w][t] > best.score { best = (s, c, w, t, scores[s][c][w][t]) }
                }
            }
        }
        let mean = best.score / Double(draws.count)
        let count = directionCounts[best.c]
        let scaled = termScaling[best.s]
        progress("chose \(count) style directions, term weight \(termWeights[best.w])\(scaled ? " (words scaled)" : ""), threshold \(String(format: "%.2f", thresholds[best.t])) (mean adjusted Rand index \(String(format: "%.3f", mean)) on rumors held out of the directions)")
        return ClusteringModel(
            styleDirections: styleDirections(vectors, slugs: slugs, count: count), termWeight: termWeights[best.w],
            termScales: scaled ? termScales(texts, slugs: slugs) : [:], threshold: thresholds[best.t],
            provenance: provenance + String(format: " (%d posts, %d rumors; chosen at a mean adjusted Rand index of %.3f on held-out rumors)", vectors.count, rumors.count, mean))
    }

    /// How much each word of `texts` says about which rumor a post is about: 1 minus the normalised entropy of the
    /// word's rate across the rumors (the share of each rumor's posts that use it), for words in at least three posts.
    /// A word used as often for every rumor scales to 0, one used for a single rumor to 1; words not listed keep 1.
    public static func termScales(_ texts: [String], slugs: [String]) -> [String: Float] {
        let rumors = Array(Set(slugs)).sorted()
        guard rumors.count > 1 else { return [:] }
        var posts = [String: Int]()
        var uses = [String: [Int]]()
        for (text, slug) in zip(texts, slugs) {
            posts[slug, default: 0] += 1
            let rumor = rumors.firstIndex(of: slug)!
            for term in Set(LexicalAnalyzer.terms(text.lowercased())) { uses[term, default: [Int](repeating: 0, count: rumors.count)][rumor] += 1 }
        }
        var scales: [String: Float] = [:]
        for (term, counts) in uses where counts.reduce(0, +) >= 3 {
            let rates = zip(counts, rumors).map { Double($0) / Double(posts[$1]!) }
            let total = rates.reduce(0, +)
            let entropy = rates.filter { $0 > 0 }.reduce(0) { $0 - ($1 / total) * log($1 / total) } / log(Double(rumors.count))
            scales[term] = Float(max(0, 1 - entropy))
        }
        return scales
    }

    /// The `count` main axes of the posts' spread around their own rumor's mean: the eigenvectors with the largest
    /// eigenvalues of the within-rumor scatter matrix (LAPACK `ssyev`), as unit vectors.
    public static func styleDirections(_ vectors: [[Float]], slugs: [String], count: Int) -> [[Float]] {
        guard count > 0, let dimension = vectors.first?.count else { return [] }
        var means: [String: (sum: [Float], count: Int)] = [:]
        for (vector, slug) in zip(vectors, slugs) {
            var entry = means[slug] ?? ([Float](repeating: 0, count: dimension), 0)
            for k in 0..<dimension { entry.sum[k] += vector[k] }
            entry.count += 1
            means[slug] = entry
        }
        var centred = [Float]()
        centred.reserveCapacity(vectors.count * dimension)
        for (vector, slug) in zip(vectors, slugs) {
            let mean = means[slug]!
            for k in 0..<dimension { centred.append(vector[k] - mean.sum[k] / Float(mean.count)) }
        }
        var scatter = [Float](repeating: 0, count: dimension * dimension)
        let n = Int32(dimension)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, n, Int32(vectors.count), 1, centred, n, centred, n, 0, &scatter, n)
        var eigenvalues = [Float](repeating: 0, count: dimension)
        var info: Int32 = 0
        var size = n
        var leading = n
        var workSize: Int32 = -1
        var query: Float = 0
        ssyev_("V", "U", &size, &scatter, &leading, &eigenvalues, &query, &workSize, &info, 1, 1)
        workSize = Int32(query)
        var work = [Float](repeating: 0, count: Int(workSize))
        ssyev_("V", "U", &size, &scatter, &leading, &eigenvalues, &work, &workSize, &info, 1, 1)
        precondition(info == 0, "ssyev failed (\(info)) on a symmetric matrix")
        // Eigenvalues come in ascending order; eigenvector j is column j (stored contiguously, column-major).
        return (0..<min(count, dimension)).map { rank in
            let column = dimension - 1 - rank
            return Array(scatter[(column * dimension)..<((column + 1) * dimension)])
        }
    }
}
