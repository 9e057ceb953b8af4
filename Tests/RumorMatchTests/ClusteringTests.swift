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
        let clusters = EmergingRumors.clusters(posts, threshold: 0.3, termWeight: 0, now: now)
        #expect(clusters.map(\.size) == [3, 3, 3])
        #expect(clusters.map(\.lastDay) == [2, 2, 1], "busiest in the last day first")
        for cluster in clusters {
            #expect(cluster.lastDay + cluster.dayBefore == cluster.size)
            #expect(cluster.representatives.count == 3 && Set(cluster.representatives.map { $0.id % 3 }).count == 1)
            #expect(cluster.topTerms.contains { cluster.representatives[0].text.contains($0) })
        }
    }
}
