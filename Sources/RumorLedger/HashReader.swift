/// Reads node hashes from wherever a log keeps them: the storage abstraction that proofs, roots and tiles are built on.
///
/// A store persists every ``NodeHash`` that ``CompactRange/append(_:)`` returns (about two per leaf), keyed by
/// level and index, and answers this one question. ``TileHashReader`` answers it from tiles instead, and
/// ``MemoryLog`` from memory.
public protocol HashReader {
    /// The hashes of the given nodes, in the same order.
    ///
    /// Proof builders ask for all the nodes they need in one call (O(log n) of them), so a database can answer with one
    /// query.
    ///
    /// - Parameter indices: nodes that are complete in the tree the caller is working on.
    /// - Returns: one hash per index, in order.
    /// - Throws: whatever the store throws; ``LedgerError/Code/outOfRange`` for a node it does not have.
    func hashes(at indices: [NodeIndex]) throws -> [Hash]
}

extension HashReader {
    /// The root hash of the tree of the first `treeSize` leaves.
    ///
    /// - Parameter treeSize: a size no larger than what the reader holds.
    /// - Returns: the RFC 6962 Merkle tree hash; ``Hash/emptyTree`` for size 0.
    /// - Throws: ``LedgerError/Code/outOfRange`` for a negative size, or what the reader throws.
    public func rootHash(treeSize: Int) throws -> Hash {
        guard treeSize >= 0 else { throw LedgerError.outOfRange("a tree cannot have \(treeSize) leaves") }
        return try rangeHashes([0..<treeSize])[0]
    }

    /// The inclusion proof (RFC 9162 §2.1.3.1) of a leaf in the tree of the first `treeSize` leaves.
    ///
    /// - Parameters:
    ///   - leafIndex: the leaf, from 0.
    ///   - treeSize: the size of the tree the proof is against.
    /// - Returns: the proof, hashes ordered from the leaf's sibling up.
    /// - Throws: ``LedgerError/Code/outOfRange`` unless `0 <= leafIndex < treeSize`; what the reader throws.
    public func inclusionProof(leafIndex: Int, treeSize: Int) throws -> InclusionProof {
        guard leafIndex >= 0, leafIndex < treeSize else {
            throw LedgerError.outOfRange("leaf \(leafIndex) is not in a tree of \(treeSize) leaves")
        }
        let hashes = try rangeHashes(InclusionProof.subtrees(leafIndex: leafIndex, treeSize: treeSize))
        return InclusionProof(leafIndex: leafIndex, treeSize: treeSize, hashes: hashes)
    }

    /// The consistency proof (RFC 9162 §2.1.4.1) that the tree of `newSize` leaves extends the tree of `oldSize`.
    ///
    /// - Parameters:
    ///   - oldSize: the earlier size.
    ///   - newSize: the later size.
    /// - Returns: the proof; empty when `oldSize` is 0 or equal to `newSize`.
    /// - Throws: ``LedgerError/Code/outOfRange`` unless `0 <= oldSize <= newSize`; what the reader throws.
    public func consistencyProof(from oldSize: Int, to newSize: Int) throws -> ConsistencyProof {
        guard oldSize >= 0, oldSize <= newSize else {
            throw LedgerError.outOfRange("no consistency proof from a tree of \(oldSize) leaves to one of \(newSize)")
        }
        let hashes = try rangeHashes(ConsistencyProof.subtrees(oldSize: oldSize, newSize: newSize))
        return ConsistencyProof(oldSize: oldSize, newSize: newSize, hashes: hashes)
    }

    /// The bytes of a hash tile, read from the nodes it holds: how a store that keeps node hashes serves tiles.
    ///
    /// - Parameter tile: a hash tile whose nodes are all complete.
    /// - Returns: the tile's bytes.
    /// - Throws: ``LedgerError/Code/malformedTile`` for an entry bundle; ``LedgerError/Code/outOfRange`` for a level above
    ///   7, which no `Int`-sized tree reaches; what the reader throws.
    public func hashTile(_ tile: Tile) throws -> [UInt8] {
        guard case .hashes(let level) = tile.kind else {
            throw LedgerError.malformedTile(tile.path, "an entry bundle is made from entries, not node hashes")
        }
        guard 8 * level < Int.bitWidth - 1 else { throw LedgerError.outOfRange("no tree of at most \(Int.max) leaves has \(tile.path)") }
        let nodes = (tile.firstPosition..<tile.firstPosition + tile.width).map { NodeIndex(level: 8 * level, index: $0) }
        return Tile.encode(hashes: try checkedHashes(at: nodes))
    }

    /// The hashes of the given leaf ranges, read in one call.
    func rangeHashes(_ ranges: [Range<Int>]) throws -> [Hash] {
        let nodes = ranges.map(TreeMath.perfectSubtrees)
        let hashes = try checkedHashes(at: nodes.flatMap { $0 })
        var start = 0
        return nodes.map { range in
            defer { start += range.count }
            return TreeMath.fold(hashes[start..<start + range.count])
        }
    }

    /// ``hashes(at:)``, checked to answer every index.
    func checkedHashes(at indices: [NodeIndex]) throws -> [Hash] {
        guard !indices.isEmpty else { return [] }
        let hashes = try hashes(at: indices)
        guard hashes.count == indices.count else { throw LedgerError.readerMismatch(requested: indices.count, returned: hashes.count) }
        return hashes
    }
}
