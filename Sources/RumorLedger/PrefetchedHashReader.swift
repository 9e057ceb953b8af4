/// Tree computations over a store that answers asynchronously (a database across the network).
///
/// The nodes a root, a proof or a tile reads depend only on the sizes and indices involved, never on the hashes
/// themselves. So the computation is run once over placeholder hashes to learn which nodes it reads, those are
/// fetched in one round trip, and it is run again over the fetched hashes.
public enum HashPrefetch {
    /// Runs `body` over the hashes it needs, fetched with one call of `fetch`.
    /// - Parameters:
    ///   - fetch: reads node hashes from the store, one per index, in order.
    ///   - body: the computation: a root, a proof, a tile, a compact range.
    /// - Returns: what `body` returns over the fetched hashes.
    /// - Throws: what `fetch` or `body` throws.
    public static func run<T>(fetch: ([NodeIndex]) async throws -> [Hash], _ body: (any HashReader) throws -> T) async throws -> T {
        let recorder = RecordingHashReader()
        // A body that throws on the placeholders (an index out of range) throws the same way below.
        _ = try? body(recorder)
        let indices = recorder.requested
        let hashes = try await fetch(indices)
        guard hashes.count == indices.count else { throw LedgerError.readerMismatch(requested: indices.count, returned: hashes.count) }
        return try body(PrefetchedHashReader(Dictionary(zip(indices, hashes)) { first, _ in first }))
    }
}

/// Answers every index with a placeholder and remembers what was asked.
private final class RecordingHashReader: HashReader {
    private(set) var requested: [NodeIndex] = []

    func hashes(at indices: [NodeIndex]) throws -> [Hash] {
        requested += indices
        return indices.map { _ in Hash.emptyTree }
    }
}

/// Answers from hashes fetched ahead of time.
private struct PrefetchedHashReader: HashReader {
    let hashes: [NodeIndex: Hash]

    init(_ hashes: [NodeIndex: Hash]) { self.hashes = hashes }

    func hashes(at indices: [NodeIndex]) throws -> [Hash] {
        try indices.map { index in
            guard let hash = hashes[index] else { throw LedgerError.outOfRange("node \(index) was not fetched") }
            return hash
        }
    }
}
