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
            clusters them as the clustering model says (the shipped one, or --clustering-model) (or at each --threshold and --term-weight given), and prints the adjusted Rand index of the clusters against the slugs. Then \
            times the clustering of --count vectors (the embedded posts repeated with small random changes, as many \
            posts saying the same things would be), --rounds times on one thread, and prints the median.
            """)

    @Option(name: .long, help: "Labelled posts (JSON Lines with claims); repeatable.")
    var posts: [String]

    @Option(name: .long, help: "Thresholds (distance) to measure; repeatable (default: the clustering model's).")
    var threshold: [Float] = []

    @Option(name: .long, help: "Weights of the posts' words beside their embeddings to measure; repeatable (default: the clustering model's).")
    var termWeight: [Float] = []

    @Option(name: .long, help: ArgumentHelp("Also measure as on new rumors: for each half of the measured rumors, fit the style directions on these posts' other rumors only, and cluster that half; repeatable.", valueName: "posts"))
    var fitPosts: [String] = []

    @Flag(name: .long, help: "Keep the style directions in the embeddings and every word at full weight (for comparison with the model).")
    var withoutStyleDirections = false

    @Option(name: .long, help: "How many vectors to time the clustering on (default 10000).")
    var count = 10_000

    @Option(name: .long, help: "Timed repetitions (default 3).")
    var rounds = 3

    @Flag(name: .long, help: "Embed with the multilingual encoder instead of the English one (for comparison).")
    var multilingual = false

    @Option(name: .long, help: "Also write the embedded posts as JSON Lines {\"slug\", \"vector\"} here, to check the clustering against another implementation.")
    var vectorsOutput: String?

    @OptionGroup var clusteringOptions: ClusteringOptions

    @OptionGroup var matcherOptions: MatcherOptions

    func validate() throws {
        guard count >= 2, rounds >= 1 else { throw ValidationError("--count must be at least 2 and --rounds at least 1.") }
    }

    func run() async throws {
        let (labelled, vectors) = try await SingleClaimPosts.embed(posts, matcherOptions: matcherOptions, multilingual: multilingual)
        let shipped = try clusteringOptions.model()
        let model = withoutStyleDirections ? shipped.with(styleDirections: [], termScales: [:]) : shipped
        let texts = labelled.map(\.text)
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
        printOut("\(labelled.count) posts asserting one of \(slugs.count) rumors; \(model.styleDirections.count) style directions taken out")
        let projected = vectors.map(model.project)
        let terms = TermWeights(texts, scales: model.termScales)
        for weight in termWeight.isEmpty ? [model.termWeight] : termWeight {
            let merges = AgglomerativeClustering.merges(projected, terms: weight > 0 ? terms : nil, termWeight: weight)
            for value in threshold.isEmpty ? [model.threshold] : threshold {
                let clusters = AgglomerativeClustering.cut(merges, count: vectors.count, threshold: value)
                let ari = AgglomerativeClustering.adjustedRandIndex(truth, clusters)
                let isDefault = abs(value - shipped.threshold) < 1e-4 && abs(weight - shipped.termWeight) < 1e-4 && !withoutStyleDirections
                printOut("term weight \(weight) threshold \(String(format: "%.2f", value)): \(Set(clusters).count) clusters, adjusted Rand index \(String(format: "%.3f", ari))\(isDefault ? " (the model)" : "")")
            }
        }
        if !fitPosts.isEmpty {
            let (fitting, fittingVectors) = try await SingleClaimPosts.embed(fitPosts, matcherOptions: matcherOptions)
            for half in 0..<2 {
                let rumors = Set(slugs.enumerated().filter { $0.offset % 2 == half }.map(\.element))
                let kept = fitting.indices.filter { !rumors.contains(fitting[$0].claims.first!) }
                let directions = ClusteringModel.styleDirections(
                    kept.map { fittingVectors[$0] }, slugs: kept.map { fitting[$0].claims.first! }, count: model.styleDirections.count)
                let halfModel = model.with(
                    styleDirections: directions,
                    termScales: model.termScales.isEmpty ? [:] : ClusteringModel.termScales(kept.map { fitting[$0].text }, slugs: kept.map { fitting[$0].claims.first! }))
                let measured = labelled.indices.filter { rumors.contains(labelled[$0].claims.first!) }
                let clusters = AgglomerativeClustering.cut(
                    AgglomerativeClustering.merges(
                        measured.map { halfModel.project(vectors[$0]) }, terms: halfModel.termVectors(measured.map { texts[$0] }), termWeight: model.termWeight),
                    count: measured.count, threshold: model.threshold)
                let ari = AgglomerativeClustering.adjustedRandIndex(measured.map { truth[$0] }, clusters)
                printOut("as new rumors, half \(half + 1) (\(rumors.count) rumors, \(measured.count) posts; directions fitted on \(kept.count) posts of other rumors): adjusted Rand index \(String(format: "%.3f", ari))")
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
            _ = EmergingRumors.clusters(posts, model: model)
            seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9)
        }
        printOut("clustering \(count) vectors: median \(String(format: "%.2f", median(seconds))) s over \(rounds) rounds (\(seconds.map { String(format: "%.2f", $0) }.joined(separator: ", ")) s); peak resident memory \(peakResidentMegabytes()) MB")
    }
}

/// Labelled posts that assert exactly one rumor, and their embeddings as the queue stores them: what the clustering
/// is fitted and measured on.
enum SingleClaimPosts {
    static func embed(_ files: [String], matcherOptions: MatcherOptions, multilingual: Bool = false) async throws -> ([LabelledPost], [[Float]]) {
        let labelled = try files.flatMap(readLabelledPosts).filter { $0.claims.count == 1 }
        guard labelled.count >= 2 else { throw ValidationError("The posts hold fewer than two posts that assert exactly one rumor.") }
        let matcher = try await matcherOptions.makeMatcher()
        let texts = labelled.map(\.text)
        guard let vectors = multilingual ? matcher.multilingualPostVectors(texts) : matcher.postVectors(texts) else {
            throw ValidationError("The multilingual encoder is not installed (scripts/fetch-model.sh).")
        }
        return (labelled, vectors)
    }
}

struct FitClusteringCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit-clustering",
        abstract: "Fit how the emerging-rumors view clusters posts: the style directions to take out of embeddings, the words' weight and the threshold.",
        discussion: """
            Takes the posts of --train that assert exactly one rumor and finds the directions along which posts about \
            one rumor spread because of how they are written (the main axes of the within-rumor scatter). It chooses \
            how many to take out, the words' weight and the threshold on rumors held out of the directions, a few posts \
            each, as the view meets new rumors; progress goes to stderr. Writes the model as JSON (to --output, or \
            stdout). The shipped model, Sources/RumorMatch/Resources/clustering-model.json, is made by \
            scripts/fit-shipped-models.sh (training posts only), and its provenance records the command.
            """)

    @Option(name: .long, help: "Labelled posts to fit on (JSON Lines with claims); repeatable. Keep the posts you measure on out.")
    var train: [String]

    @Option(name: .long, help: "Where to write the model (default: stdout).")
    var output: String?

    @OptionGroup var matcherOptions: MatcherOptions

    func run() async throws {
        let (labelled, vectors) = try await SingleClaimPosts.embed(train, matcherOptions: matcherOptions)
        let rumors = Set(labelled.compactMap(\.claims.first)).count
        guard rumors >= 4 else {
            throw ValidationError("The posts assert \(rumors) rumor\(rumors == 1 ? "" : "s") one at a time; the choice of settings holds rumors out, so it needs posts about at least 4.")
        }
        let names = train.map { ($0 as NSString).lastPathComponent }.joined(separator: " --train ")
        let model = ClusteringModel.fit(
            vectors: vectors, texts: labelled.map(\.text), slugs: labelled.map { $0.claims.first! }, provenance: "rumorctl fit-clustering --train \(names)"
        ) { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        do {
            let data = try model.json()
            if let output { try data.write(to: URL(fileURLWithPath: output), options: .atomic) } else { FileHandle.standardOutput.write(data) }
        } catch {
            throw Failure.report(error)
        }
    }
}
