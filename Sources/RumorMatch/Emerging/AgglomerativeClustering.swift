import COpenBLAS

/// Average-linkage agglomerative clustering of unit vectors under cosine distance (1 - cosine similarity), cut at
/// a distance threshold: the method of `scipy.cluster.hierarchy.linkage(method="average", metric="cosine")` followed
/// by `fcluster(criterion="distance")`, and of scikit-learn's `AgglomerativeClustering(linkage="average",
/// distance_threshold=t)`. Texts can bring their words in too: the vectors are then, in effect, the embedding and the
/// texts' TF-IDF vector (``TermWeights``) side by side, weighted.
///
/// The merges are found with the nearest-neighbour-chain algorithm (Murtagh 1983; Müllner 2011, the one SciPy uses
/// for average linkage), O(n²) time over the condensed distance matrix (n(n-1)/2 floats: 200 MB for 10,000 posts).
/// Average linkage is reducible, so the dendrogram is monotone and the merges at or below the threshold are exactly
/// the clusters of the cut.
public enum AgglomerativeClustering {
    /// One merge of the dendrogram: the clusters held at indices `a` and `b` (each named by one of its points) at
    /// average distance `distance`.
    public struct Merge: Sendable, Hashable {
        public var a: Int
        public var b: Int
        public var distance: Float
    }

    /// The cluster of each vector, numbered from 0 in the order of each cluster's first vector.
    /// - Parameters:
    ///   - vectors: unit vectors, all of one dimension.
    ///   - threshold: vectors end up together when their clusters' average cosine distance is at most this.
    ///   - terms: the texts' TF-IDF vectors, when their words count too.
    ///   - termWeight: how much the words count (0-1); the embedding counts 1 - termWeight.
    public static func clusters(_ vectors: [[Float]], terms: TermWeights? = nil, termWeight: Float = 0, threshold: Float) -> [Int] {
        cut(merges(vectors, terms: terms, termWeight: termWeight), count: vectors.count, threshold: threshold)
    }

    /// The dendrogram's n - 1 merges, in the order found (not sorted by distance).
    public static func merges(_ vectors: [[Float]], terms: TermWeights? = nil, termWeight: Float = 0) -> [Merge] {
        let n = vectors.count
        guard n > 1 else { return [] }
        var distances = condensedDistances(vectors, scale: terms == nil ? 1 : 1 - termWeight)
        if let terms {
            precondition(terms.vectors.count == n, "one TF-IDF vector per embedding")
            terms.addSimilarities(to: &distances, scale: -termWeight)
        }
        func index(_ i: Int, _ j: Int) -> Int {
            let (low, high) = i < j ? (i, j) : (j, i)
            return n * low - low * (low + 1) / 2 + (high - low - 1)
        }
        var size = [Int](repeating: 1, count: n)
        var active = [Bool](repeating: true, count: n)
        var chain: [Int] = []
        var merges: [Merge] = []
        merges.reserveCapacity(n - 1)
        var firstActive = 0
        distances.withUnsafeMutableBufferPointer { d in
            for _ in 0..<(n - 1) {
                if chain.isEmpty {
                    while !active[firstActive] { firstActive += 1 }
                    chain.append(firstActive)
                }
                var x = 0, y = 0
                var best: Float = 0
                while true {
                    x = chain[chain.count - 1]
                    if chain.count > 1 {
                        y = chain[chain.count - 2]
                        best = d[index(x, y)]
                    } else {
                        y = -1
                        best = .infinity
                    }
                    for i in 0..<n where active[i] && i != x {
                        let distance = d[index(x, i)]
                        if distance < best {
                            best = distance
                            y = i
                        }
                    }
                    if chain.count > 1 && y == chain[chain.count - 2] { break }
                    chain.append(y)
                }
                chain.removeLast(2)
                merges.append(Merge(a: x, b: y, distance: best))
                // The merged cluster lives on at y; its distance to every other cluster is the size-weighted mean.
                let (sizeX, sizeY) = (Float(size[x]), Float(size[y]))
                for i in 0..<n where active[i] && i != x && i != y {
                    d[index(i, y)] = (sizeX * d[index(i, x)] + sizeY * d[index(i, y)]) / (sizeX + sizeY)
                }
                active[x] = false
                size[y] += size[x]
            }
        }
        return merges
    }

    /// The flat clusters of a dendrogram cut at `threshold`.
    public static func cut(_ merges: [Merge], count: Int, threshold: Float) -> [Int] {
        var parent = Array(0..<count)
        func root(_ i: Int) -> Int {
            var i = i
            while parent[i] != i {
                parent[i] = parent[parent[i]]
                i = parent[i]
            }
            return i
        }
        for merge in merges where merge.distance <= threshold {
            let (a, b) = (root(merge.a), root(merge.b))
            if a != b { parent[max(a, b)] = min(a, b) }
        }
        var numbers: [Int: Int] = [:]
        return (0..<count).map { i in
            let r = root(i)
            if let number = numbers[r] { return number }
            numbers[r] = numbers.count
            return numbers.count - 1
        }
    }

    /// 1 - `scale` × cosine similarity for every pair i < j, row after row, from dot products taken a block of rows at
    /// a time.
    static func condensedDistances(_ vectors: [[Float]], scale: Float = 1) -> [Float] {
        let n = vectors.count
        let dimension = vectors[0].count
        let flat = vectors.flatMap { $0 }
        var condensed = [Float](repeating: 0, count: n * (n - 1) / 2)
        let block = 256
        var products = [Float](repeating: 0, count: block * n)
        flat.withUnsafeBufferPointer { all in
            for start in stride(from: 0, to: n, by: block) {
                let rows = min(block, n - start)
                products.withUnsafeMutableBufferPointer { out in
                    cblas_sgemm(
                        CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(n), Int32(dimension), 1, all.baseAddress! + start * dimension,
                        Int32(dimension), all.baseAddress!, Int32(dimension), 0, out.baseAddress!, Int32(n))
                }
                for row in 0..<rows {
                    let i = start + row
                    guard i + 1 < n else { continue }
                    let offset = n * i - i * (i + 1) / 2 - (i + 1)
                    for j in (i + 1)..<n { condensed[offset + j] = 1 - scale * products[row * n + j] }
                }
            }
        }
        return condensed
    }

    /// The adjusted Rand index of two labellings of the same items (Hubert and Arabie, 1985): 1 for identical
    /// partitions, about 0 for independent ones.
    public static func adjustedRandIndex(_ truth: [Int], _ predicted: [Int]) -> Double {
        precondition(truth.count == predicted.count)
        func pairs(_ count: Int) -> Double { Double(count) * Double(count - 1) / 2 }
        var table: [[Int]: Int] = [:]
        var rows: [Int: Int] = [:]
        var columns: [Int: Int] = [:]
        for (t, p) in zip(truth, predicted) {
            table[[t, p], default: 0] += 1
            rows[t, default: 0] += 1
            columns[p, default: 0] += 1
        }
        let index = table.values.reduce(0) { $0 + pairs($1) }
        let rowPairs = rows.values.reduce(0) { $0 + pairs($1) }
        let columnPairs = columns.values.reduce(0) { $0 + pairs($1) }
        let expected = rowPairs * columnPairs / pairs(truth.count)
        let maximum = (rowPairs + columnPairs) / 2
        return maximum == expected ? 1 : (index - expected) / (maximum - expected)
    }
}
