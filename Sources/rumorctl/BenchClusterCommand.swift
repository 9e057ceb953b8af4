import ArgumentParser
import Foundation
import RumorCore
import RumorMatch

struct BenchClusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "How well and how fast the emerging-rumors view groups posts: adjusted Rand index against known slugs, and seconds to cluster.",
        discussion: """
            Takes the posts of --posts that assert exactly one rumor, embeds them as the queue does, hides their slugs, \
            clusters them at each threshold, and prints the adjusted Rand index of the clusters against the slugs. Then \
            times the clustering of --count vectors (the embedded posts repeated with small random changes, as many \
            posts saying the same things would be), --rounds times on one thread, and prints the median.
            """)

    @Option(name: .long, help: "Labelled posts (JSON Lines with claims); repeatable.")
    var posts: [String]

    @Option(name: .long, help: "Thresholds (distance) to measure; repeatable (default 0.4 to 0.85 in steps of 0.05).")
    var threshold: [Float] = stride(from: 0.4, through: 0.851, by: 0.05).map { Float($0) }

    @Option(name: .long, help: "Weights of the posts' words beside their embeddings to measure; repeatable (default 0, 0.3, 0.5).")
    var termWeight: [Float] = [0, 0.3, 0.5]

    @Option(name: .long, help: "How many vectors to time the clustering on (default 10000).")
    var count = 10_000

    @Option(name: .long, help: "Timed repetitions (default 3).")
    var rounds = 3

    @Flag(name: .long, help: "Embed with the multilingual encoder instead of the English one (for comparison).")
    var multilingual = false

    @Option(name: .long, help: "Also write the embedded posts as JSON Lines {\"slug\", \"vector\"} here, to check the clustering against another implementation.")
    var vectorsOutput: String?

    @OptionGroup var matcherOptions: MatcherOptions

    func validate() throws {
        guard count >= 2, rounds >= 1 else { throw ValidationError("--count must be at least 2 and --rounds at least 1.") }
    }

    func run() async throws {
        let labelled = try posts.flatMap(readLabelledPosts).filter { $0.claims.count == 1 }
        guard labelled.count >= 2 else { throw ValidationError("The posts hold fewer than two posts that assert exactly one rumor.") }
        let matcher = try await matcherOptions.makeMatcher()
        let texts = labelled.map(\.text)
        guard let vectors = multilingual ? matcher.multilingualPostVectors(texts) : matcher.postVectors(texts) else {
            throw ValidationError("The multilingual encoder is not installed (scripts/fetch-model.sh).")
        }
        let slugs = Array(Set(labelled.flatMap(\.claims))).sorted()
        let truth = labelled.map { slugs.firstIndex(of: $0.claims.first!)! }
        if let vectorsOutput {
            let lines = zip(labelled, vectors).map { post, vector in
                "{\"slug\":\"\(post.claims.first!)\",\"vector\":[\(vector.map { String($0) }.joined(separator: ","))]}\n"
            }
            do {
                try Data(lines.joined().utf8).write(to: URL(fileURLWithPath: vectorsOutput), options: .atomic)
            } catch {
                throw Failure.report(error)
            }
        }
        printOut("\(labelled.count) posts asserting one of \(slugs.count) rumors")
        let terms = TermWeights(texts)
        for weight in termWeight {
            let merges = AgglomerativeClustering.merges(vectors, terms: weight > 0 ? terms : nil, termWeight: weight)
            for value in threshold {
                let clusters = AgglomerativeClustering.cut(merges, count: vectors.count, threshold: value)
                let ari = AgglomerativeClustering.adjustedRandIndex(truth, clusters)
                let isDefault = abs(value - EmergingRumors.defaultThreshold) < 1e-4 && abs(weight - EmergingRumors.defaultTermWeight) < 1e-4
                printOut("term weight \(weight) threshold \(String(format: "%.2f", value)): \(Set(clusters).count) clusters, adjusted Rand index \(String(format: "%.3f", ari))\(isDefault ? " (the default)" : "")")
            }
        }
        var generator = SystemRandomNumberGenerator()
        let manyTexts = (0..<count).map { texts[$0 % texts.count] }
        let many = (0..<count).map { index -> [Float] in
            var vector = vectors[index % vectors.count].map { $0 + Float.random(in: -0.02...0.02, using: &generator) }
            let norm = sqrt(vector.reduce(0) { $0 + $1 * $1 })
            for k in vector.indices { vector[k] /= norm }
            return vector
        }
        var seconds: [Double] = []
        for _ in 0..<rounds {
            let start = DispatchTime.now()
            // The whole of what the emerging view does with stored posts: term weights, clusters, their summaries.
            let posts = zip(manyTexts, many).enumerated().map { EmergingRumors.Post(id: Int64($0), text: $1.0, seen: Date(), vector: $1.1) }
            _ = EmergingRumors.clusters(posts)
            seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9)
        }
        printOut("clustering \(count) vectors: median \(String(format: "%.2f", median(seconds))) s over \(rounds) rounds (\(seconds.map { String(format: "%.2f", $0) }.joined(separator: ", ")) s); peak resident memory \(peakResidentMegabytes()) MB")
    }
}
