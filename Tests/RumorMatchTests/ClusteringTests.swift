import Foundation
@testable import RumorMatch
import RumorTestSupport
import Testing

@Suite("Clustering the emerging rumors")
struct ClusteringTests {
    /// Unit vectors around `centres` directions, from a fixed generator, so every run clusters the same points.
    static func points(count: Int, dimension: Int = 16, centres: Int = 4, spread: Float = 0.35) -> [[Float]] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(state >> 40) / Float(1 << 24) * 2 - 1
        }
        let directions = (0..<centres).map { _ in (0..<dimension).map { _ in next() } }
        return (0..<count).map { index in
            var vector = directions[index % centres].enumerated().map { $1 + spread * next() }
            let norm = sqrt(vector.reduce(0) { $0 + $1 * $1 })
            for k in vector.indices { vector[k] /= norm }
            return vector
        }
    }

    @Test("average linkage under cosine distance gives SciPy's dendrogram heights and its flat clusters at every threshold")
    func matchesSciPy() async throws {
        let vectors = Self.points(count: 80)
        let merges = AgglomerativeClustering.merges(vectors)
        let thresholds: [Float] = [0.1, 0.2, 0.3, 0.5, 0.8]
        try await withTemporaryFolder { folder in
            let input = folder.appendingPathComponent("vectors.json")
            try JSONSerialization.data(withJSONObject: ["vectors": vectors.map { $0.map(Double.init) }, "thresholds": thresholds.map(Double.init)]).write(to: input)
            let script = """
                import json, sys
                from scipy.cluster.hierarchy import linkage, fcluster
                data = json.load(open(sys.argv[1]))
                Z = linkage(data["vectors"], method="average", metric="cosine")
                print(json.dumps({"heights": sorted(Z[:, 2].tolist()), "cuts": [fcluster(Z, t, "distance").tolist() for t in data["thresholds"]]}))
                """
            let result = try Subprocess.run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", script, input.path])
            try #require(result.status == 0, "SciPy is needed for this test (scripts/setup.sh --test installs it): \(result.stderr)")
            let reference = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            let heights = try #require(reference["heights"] as? [Double])
            let ours = merges.map { Double($0.distance) }.sorted()
            #expect(heights.count == ours.count)
            #expect(zip(heights, ours).allSatisfy { abs($0 - $1) < 1e-4 }, "merge heights differ from SciPy's")
            let cuts = try #require(reference["cuts"] as? [[Int]])
            for (threshold, cut) in zip(thresholds, cuts) {
                let mine = AgglomerativeClustering.cut(merges, count: vectors.count, threshold: threshold)
                #expect(AgglomerativeClustering.adjustedRandIndex(cut, mine) == 1, "at threshold \(threshold) the partitions differ")
            }
            #expect(Set(AgglomerativeClustering.cut(merges, count: vectors.count, threshold: 0.5)).count < vectors.count / 2)
        }
    }

    @Test("the adjusted Rand index: 1 for the same partition under other names, scikit-learn's documented values otherwise")
    func adjustedRandIndex() {
        #expect(AgglomerativeClustering.adjustedRandIndex([0, 0, 1, 1], [1, 1, 0, 0]) == 1)
        #expect(abs(AgglomerativeClustering.adjustedRandIndex([0, 0, 1, 2], [0, 0, 1, 1]) - 0.5714285714) < 1e-9)
        #expect(abs(AgglomerativeClustering.adjustedRandIndex([0, 0, 1, 1], [0, 1, 0, 1]) - -0.5) < 1e-9)
    }

    @Test("words and embeddings together: the term-weighted distances are those of the two vectors side by side")
    func termWeights() {
        let texts = ["drop boxes moved overnight", "the drop boxes were moved", "provisional envelopes ran out", "we ran out of envelopes", "drop boxes and envelopes"]
        let vectors = Self.points(count: texts.count, centres: 2)
        let terms = TermWeights(texts)
        let weight: Float = 0.6
        let sideBySide = zip(vectors, terms.vectors).map { vector, pairs -> [Float] in
            var lexical = [Float](repeating: 0, count: 64)
            for pair in pairs { lexical[pair.term] = pair.weight }
            return vector.map { $0 * (1 - weight).squareRoot() } + lexical.map { $0 * weight.squareRoot() }
        }
        let together = AgglomerativeClustering.merges(vectors, terms: terms, termWeight: weight).map(\.distance).sorted()
        let reference = AgglomerativeClustering.merges(sideBySide).map(\.distance).sorted()
        #expect(zip(together, reference).allSatisfy { abs($0 - $1) < 1e-5 }, "\(together) vs \(reference)")
        #expect(terms.vectors.allSatisfy { abs($0.reduce(0) { $0 + $1.weight * $1.weight } - 1) < 1e-5 })
    }

    @Test("emerging clusters: sizes, growth over the last day, representatives nearest the centre and distinctive terms")
    func summaries() {
        let now = Date()
        let vectors = Self.points(count: 9, centres: 3, spread: 0.05)
        let texts = (0..<9).map { ["drop boxes moved overnight", "envelopes ran out early", "machines rebooted at noon"][$0 % 3] + " \($0)" }
        let posts = (0..<9).map { EmergingRumors.Post(id: Int64($0), text: texts[$0], seen: now - Double($0) * 20_000, vector: vectors[$0]) }
        let clusters = EmergingRumors.clusters(posts, model: ClusteringModel(styleDirections: [], termWeight: 0, threshold: 0.3, provenance: "test"), now: now)
        #expect(clusters.map(\.size) == [3, 3, 3])
        #expect(clusters.map(\.lastDay) == [2, 2, 1], "busiest in the last day first")
        for cluster in clusters {
            #expect(cluster.lastDay + cluster.dayBefore == cluster.size)
            #expect(cluster.representatives.count == 3 && Set(cluster.representatives.map { $0.id % 3 }).count == 1)
            #expect(cluster.topTerms.contains { cluster.representatives[0].text.contains($0) })
        }
    }

    /// Posts of `rumors` rumors in `dimension` dimensions: each is its rumor's direction plus one of four voices
    /// (fixed directions shared by every rumor, larger than the rumors' differences) plus a little noise.
    static func voicedPosts(rumors: Range<Int>, perRumor: Int, dimension: Int = 384) -> (vectors: [[Float]], slugs: [String]) {
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func next() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(state >> 40) / Float(1 << 24) * 2 - 1
        }
        func unit(_ vector: [Float]) -> [Float] {
            let norm = sqrt(vector.reduce(0) { $0 + $1 * $1 })
            return vector.map { $0 / norm }
        }
        let voices = (0..<4).map { _ in unit((0..<dimension).map { _ in next() }) }
        let centres = (0..<rumors.upperBound).map { _ in unit((0..<dimension).map { _ in next() }) }
        var vectors: [[Float]] = []
        var slugs: [String] = []
        for rumor in rumors {
            for post in 0..<perRumor {
                let voice = voices[post % voices.count]
                vectors.append(unit((0..<dimension).map { centres[rumor][$0] + 1.3 * voice[$0] + 0.02 * next() }))
                slugs.append("rumor-\(rumor)")
            }
        }
        return (vectors, slugs)
    }

    @Test("style directions are the main axes of the posts' spread around their rumor's mean, as NumPy's eigh finds them")
    func styleDirectionsMatchNumPy() async throws {
        let vectors = Self.points(count: 60, dimension: 16, centres: 4)
        let slugs = (0..<60).map { "rumor-\($0 % 4)" }
        let directions = ClusteringModel.styleDirections(vectors, slugs: slugs, count: 3)
        try await withTemporaryFolder { folder in
            let input = folder.appendingPathComponent("vectors.json")
            try JSONSerialization.data(withJSONObject: ["vectors": vectors.map { $0.map(Double.init) }, "slugs": slugs]).write(to: input)
            let script = """
                import json, sys
                import numpy as np
                data = json.load(open(sys.argv[1]))
                X, y = np.array(data["vectors"]), np.array(data["slugs"])
                D = np.vstack([X[y == s] - X[y == s].mean(0) for s in sorted(set(y))])
                values, vectors = np.linalg.eigh(D.T @ D)
                print(json.dumps(vectors[:, ::-1][:, :3].T.tolist()))
                """
            let result = try Subprocess.run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", script, input.path])
            try #require(result.status == 0, "NumPy is needed for this test (scripts/setup.sh --test installs it): \(result.stderr)")
            let reference = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[Double]])
            #expect(directions.count == 3 && reference.count == 3)
            for (ours, theirs) in zip(directions, reference) {
                // An eigenvector's sign is arbitrary.
                let cosine = abs(zip(ours, theirs).reduce(0) { $0 + Double($1.0) * $1.1 })
                #expect(abs(cosine - 1) < 1e-3, "a direction differs from NumPy's (|cos| \(cosine))")
            }
        }
        let model = ClusteringModel(styleDirections: directions, termWeight: 0, threshold: 0.5, provenance: "test")
        let projected = model.project(vectors[0])
        #expect(directions.allSatisfy { abs(zip($0, projected).reduce(0) { $0 + $1.0 * $1.1 }) < 1e-4 }, "nothing is left along a direction")
        #expect(abs(projected.reduce(0) { $0 + $1 * $1 } - 1) < 1e-4)
    }

    @Test("a fit on some rumors finds the voices and takes them out, which joins posts of rumors it never saw that were split by voice")
    func fitTransfersToNewRumors() {
        let fitting = Self.voicedPosts(rumors: 0..<10, perRumor: 12)
        let model = ClusteringModel.fit(vectors: fitting.vectors, texts: fitting.slugs.map { _ in "a post" }, slugs: fitting.slugs, provenance: "test")
        #expect(model.styleDirections.count >= 4, "the four voices span at least four directions; chose \(model.styleDirections.count)")
        #expect(model.provenance.hasPrefix("test (120 posts, 10 rumors"))
        let unseen = Self.voicedPosts(rumors: 10..<16, perRumor: 8)
        let truth = unseen.slugs.map { Int($0.dropFirst("rumor-".count))! }
        func score(_ model: ClusteringModel) -> Double {
            let clusters = AgglomerativeClustering.clusters(unseen.vectors.map(model.project), threshold: model.threshold)
            return AgglomerativeClustering.adjustedRandIndex(truth, clusters)
        }
        let withDirections = score(model)
        let without = (0..<40).map { score(model.with(threshold: 0.05 * Float($0 + 1), styleDirections: [])) }.max()!
        #expect(withDirections > 0.9 && withDirections > without + 0.2, "with the directions out \(withDirections); at the best threshold without them \(without)")
    }

    @Test("word scales: a word every rumor's posts use as often scales to 0, a word of one rumor to 1, and TF-IDF weights follow them")
    func termScales() {
        let texts = ["True! Drop boxes moved", "True! drop boxes gone", "drop boxes moved overnight", "True! Envelopes ran out", "true, envelopes gone", "envelopes ran out again"]
        let slugs = ["boxes", "boxes", "boxes", "envelopes", "envelopes", "envelopes"]
        let scales = ClusteringModel.termScales(texts, slugs: slugs)
        #expect(abs(scales["true"]! - 0) < 1e-5, "two posts of each rumor say true")
        #expect(abs(scales["drop"]! - 1) < 1e-5 && abs(scales["envelope"]! - 1) < 1e-5)
        #expect(scales["overnight"] == nil, "a word of fewer than three posts is not scaled")
        let weights = TermWeights(["TRUE drop", "true drop"], scales: ["true": 0.5])
        #expect(weights.vectors[0].map(\.term) == weights.vectors[1].map(\.term), "capitals do not make other words")
        let weight = { (pairs: [(term: Int, weight: Float)]) in pairs.map(\.weight).sorted() }
        let unscaled = TermWeights(["TRUE drop", "true drop"])
        #expect(weight(weights.vectors[0]).first! < weight(unscaled.vectors[0]).first! - 0.1, "the scaled word weighs less")
    }

    @Test("the shipped clustering model loads, was fitted on the training posts only, and a damaged one is refused with the file named")
    func shippedModel() throws {
        let model = try ClusteringModel.shipped()
        #expect(!model.styleDirections.isEmpty && model.styleDirections.allSatisfy { $0.count == SentenceEmbedder.dimension })
        #expect(model.provenance.hasPrefix("rumorctl fit-clustering --train train-posts.jsonl") && !model.provenance.contains("dev-posts"))
        var damaged = model
        damaged.styleDirections[0].removeLast()
        #expect(throws: EmbeddingError.self) { try ClusteringModel.load(try damaged.json(), source: "/models/clustering-model.json") }
        do {
            _ = try ClusteringModel.load(Data("{\"threshold\": 1}".utf8), source: "/models/clustering-model.json")
            Issue.record("a file without style directions was read")
        } catch {
            #expect(error.message.contains("/models/clustering-model.json"))
        }
    }
}
