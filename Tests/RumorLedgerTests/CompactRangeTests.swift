import RumorLedger
import Testing

@Suite("Incremental tree state for stores")
struct CompactRangeTests {
    @Test("an append returns the leaf and every node it completes, for the store to keep")
    func completedNodes() {
        var range = CompactRange()
        let leaves = Vectors.leaves.map { Hash.leaf($0) }

        let first = (0..<3).map { range.append(leaves[$0]) }
        let fourth = range.append(leaves[3])

        #expect(
            first.map { $0.map(\.node) } == [
                [NodeIndex(level: 0, index: 0)], [NodeIndex(level: 0, index: 1), NodeIndex(level: 1, index: 0)], [NodeIndex(level: 0, index: 2)],
            ])
        #expect(fourth.map(\.node) == [NodeIndex(level: 0, index: 3), NodeIndex(level: 1, index: 1), NodeIndex(level: 2, index: 0)])
        #expect(fourth.last?.hash == Hash.node(Hash.node(leaves[0], leaves[1]), Hash.node(leaves[2], leaves[3])))
        #expect(range.hashes.count == 1 && range.root == fourth.last?.hash)
    }

    @Test("a store that keeps what appends return can restore the range and answer proofs at any size")
    func storeOfNodes() throws {
        var store = NodeStore()
        var range = CompactRange()
        var roots = [range.root]
        for index in 0..<300 {
            store.keep(try range.append(entry: Array("record \(index)".utf8)))
            roots.append(range.root)
        }

        for size in 0...300 {
            let restored = try CompactRange(size: size, reader: store)
            #expect(restored.root == roots[size], "size \(size)")
            #expect(restored.hashes.count == size.nonzeroBitCount)
            #expect(try store.rootHash(treeSize: size) == roots[size])
        }
        try store.inclusionProof(leafIndex: 123, treeSize: 300).verify(leafHash: Hash.leaf(Array("record 123".utf8)), root: roots[300])
        try store.consistencyProof(from: 100, to: 300).verify(oldRoot: roots[100], newRoot: roots[300])
        #expect(try store.hashTile(Tile(kind: .hashes(level: 1), index: 0, width: 1)).count == 32)
        #expect(store.nodes.count == 2 * 300 - 300.nonzeroBitCount)
    }

    @Test("restoring from the wrong number of hashes, or from a reader that answers short, is an error")
    func badRestores() {
        var shortStore = NodeStore(limit: 1)
        var range = CompactRange()
        for byte in 0..<5 { shortStore.keep(range.append(Hash.leaf([UInt8(byte)]))) }

        expectLedgerError(.outOfRange) { _ = try CompactRange(size: 5, hashes: [Hash.emptyTree]) }
        expectLedgerError(.outOfRange) { _ = try CompactRange(size: -1, hashes: []) }
        expectLedgerError(.readerMismatch) { _ = try CompactRange(size: 5, reader: shortStore) }
        expectLedgerError(.outOfRange) { _ = try CompactRange(size: 6, reader: NodeStore()) }
    }
}

/// A store as a database keeps nodes: one row per node, keyed by level and index.
struct NodeStore: HashReader {
    var nodes: [NodeIndex: Hash] = [:]
    /// Answers at most this many hashes per call, to play a broken store.
    var limit = Int.max

    mutating func keep(_ completed: [NodeHash]) {
        for node in completed { nodes[node.node] = node.hash }
    }

    func hashes(at indices: [NodeIndex]) throws -> [Hash] {
        try indices.prefix(limit).map { node in
            guard let hash = nodes[node] else { throw LedgerError.outOfRange("no node \(node)") }
            return hash
        }
    }
}
