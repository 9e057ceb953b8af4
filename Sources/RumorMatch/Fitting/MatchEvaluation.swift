import Foundation

/// A post with the claims it makes, for fitting and measuring the matcher (`data/train-posts.jsonl`,
/// `../shared/eval/dev-posts.jsonl`).
public struct LabelledPost: Sendable, Hashable {
    /// Its id.
    public var id: String
    /// Its text.
    public var text: String
    /// The slugs of the rumors it asserts (empty for refutations, traps, neutral and off-topic posts).
    public var claims: Set<String>
    /// claim, multi, refutation, trap, neutral or offtopic.
    public var kind: String

    /// Creates a post.
    public init(id: String, text: String, claims: Set<String>, kind: String) {
        self.id = id
        self.text = text
        self.claims = claims
        self.kind = kind
    }
}

/// Precision, recall and flag rates of the matcher's labels on labelled posts.
public struct MatchEvaluation: Sendable {
    /// Counts for one slug.
    public struct SlugCounts: Sendable, Hashable {
        public var truePositives = 0
        public var falsePositives = 0
        public var falseNegatives = 0
    }

    /// One post's outcome.
    public struct PostOutcome: Sendable {
        public var post: LabelledPost
        public var predicted: Set<String>
        public var reviewed: Set<String>
    }

    /// Every post's outcome, in order.
    public private(set) var outcomes: [PostOutcome] = []

    /// Creates an empty evaluation.
    public init() {}

    /// Adds one post and the matcher's result for it.
    public mutating func add(_ post: LabelledPost, result: MatchResult) {
        outcomes.append(PostOutcome(post: post, predicted: Set(result.labels.map(\.slug)), reviewed: Set(result.review.map(\.slug))))
    }

    /// Counts per slug over (post, slug) pairs.
    public var perSlug: [String: SlugCounts] {
        var counts: [String: SlugCounts] = [:]
        for outcome in outcomes {
            for slug in outcome.predicted.union(outcome.post.claims) {
                let predicted = outcome.predicted.contains(slug)
                let actual = outcome.post.claims.contains(slug)
                if predicted && actual { counts[slug, default: SlugCounts()].truePositives += 1 }
                if predicted && !actual { counts[slug, default: SlugCounts()].falsePositives += 1 }
                if !predicted && actual { counts[slug, default: SlugCounts()].falseNegatives += 1 }
            }
        }
        return counts
    }

    /// Micro-averaged precision over (post, slug) pairs.
    public var precision: Double {
        let totals = perSlug.values.reduce((0, 0)) { ($0.0 + $1.truePositives, $0.1 + $1.falsePositives) }
        return totals.0 + totals.1 == 0 ? 1 : Double(totals.0) / Double(totals.0 + totals.1)
    }

    /// Micro-averaged recall over (post, slug) pairs.
    public var recall: Double {
        let totals = perSlug.values.reduce((0, 0)) { ($0.0 + $1.truePositives, $0.1 + $1.falseNegatives) }
        return totals.0 + totals.1 == 0 ? 1 : Double(totals.0) / Double(totals.0 + totals.1)
    }

    /// The harmonic mean of precision and recall.
    public var f1: Double { precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall) }

    /// The share of posts of the given kinds that got at least one label.
    public func flagRate(kinds: Set<String>) -> Double {
        let posts = outcomes.filter { kinds.contains($0.post.kind) }
        return posts.isEmpty ? 0 : Double(posts.filter { !$0.predicted.isEmpty }.count) / Double(posts.count)
    }

    /// The kinds of post that assert nothing and must not be labelled.
    public static let cleanKinds: Set<String> = ["trap", "neutral", "offtopic"]

    /// A report for people: totals, flag rates per kind, the per-slug table, and a last line for machines:
    /// `precision=P recall=R f1=F refutation_flag_rate=X clean_flag_rate=Y`.
    public var report: String {
        func format(_ value: Double) -> String { String(format: "%.3f", value) }
        var lines = ["posts: \(outcomes.count)", "", "flag rate by kind (share of posts labelled):"]
        let kinds = Set(outcomes.map(\.post.kind)).sorted()
        for kind in kinds {
            let posts = outcomes.filter { $0.post.kind == kind }
            lines.append("  \(kind.padding(toLength: 11, withPad: " ", startingAt: 0)) \(format(flagRate(kinds: [kind])))  (\(posts.filter { !$0.predicted.isEmpty }.count)/\(posts.count))")
        }
        lines += ["", "slug                          tp  fp  fn  precision  recall"]
        for (slug, counts) in perSlug.sorted(by: { $0.key < $1.key }) {
            let p = counts.truePositives + counts.falsePositives == 0 ? 1 : Double(counts.truePositives) / Double(counts.truePositives + counts.falsePositives)
            let r = counts.truePositives + counts.falseNegatives == 0 ? 1 : Double(counts.truePositives) / Double(counts.truePositives + counts.falseNegatives)
            lines.append(
                slug.padding(toLength: 28, withPad: " ", startingAt: 0)
                    + String(format: "%4d%4d%4d  %9.3f  %6.3f", counts.truePositives, counts.falsePositives, counts.falseNegatives, p, r))
        }
        lines.append("")
        lines.append(
            "precision=\(format(precision)) recall=\(format(recall)) f1=\(format(f1)) refutation_flag_rate=\(format(flagRate(kinds: ["refutation"]))) clean_flag_rate=\(format(flagRate(kinds: Self.cleanKinds)))")
        return lines.joined(separator: "\n")
    }
}
