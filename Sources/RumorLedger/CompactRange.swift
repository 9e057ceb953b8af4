/// The right edge of a growing tree: the hashes of the perfect subtrees that cover its leaves, one per bit set in its size.
///
/// This is all a log writer needs in memory to append leaves and compute roots: O(log n) hashes. Each append returns the
/// nodes it completed, for the store to persist; after a restart, ``init(size:reader:)`` reads the edge back.
public struct CompactRange: Hashable, Sendable {
    /// The number of leaves covered.
    public private(set) var size: Int
    /// The hashes of the subtrees at ``nodes(forSize:)``, largest (leftmost) first.
    public private(set) var hashes: [Hash]

    /// The empty tree.
    public init() {
        size = 0
        hashes = []
    }

    /// Restores a range from hashes a store kept.
    ///
    /// - Parameters:
    ///   - size: the number of leaves.
    ///   - hashes: the hashes of the nodes ``nodes(forSize:)`` names, in that order.
    /// - Throws: ``LedgerError/Code/outOfRange`` if the count of hashes does not fit the size.
    public init(size: Int, hashes: [Hash]) throws {
        guard size >= 0, hashes.count == size.nonzeroBitCount else {
            throw LedgerError.outOfRange("a tree of \(size) leaves has \(max(size, 0).nonzeroBitCount) edge hashes, not \(hashes.count)")
        }
        self.size = size
        self.hashes = hashes
    }

    /// Restores a range by reading its edge nodes.
    ///
    /// - Parameters:
    ///   - size: the number of leaves.
    ///   - reader: where the node hashes are kept.
    /// - Throws: what the reader throws.
    public init(size: Int, reader: some HashReader) throws {
        try self.init(size: size, hashes: reader.checkedHashes(at: Self.nodes(forSize: size)))
    }

    /// The nodes whose hashes make up the range of a tree of `size` leaves, largest first.
    public static func nodes(forSize size: Int) -> [NodeIndex] {
        TreeMath.perfectSubtrees(0..<max(size, 0))
    }

    /// The root hash of the tree: ``Hash/emptyTree`` when it has no leaves.
    public var root: Hash { TreeMath.fold(hashes) }

    /// Appends a leaf by its hash.
    ///
    /// Amortised O(1) hashing: a leaf completes one parent on average.
    ///
    /// - Parameter leafHash: the new leaf's hash.
    /// - Returns: the leaf's node and every node it completed, from the bottom up; a store persists them all.
    @discardableResult
    public mutating func append(_ leafHash: Hash) -> [NodeHash] {
        var node = NodeIndex(level: 0, index: size)
        var hash = leafHash
        var completed = [NodeHash(node: node, hash: hash)]
        // A node with an odd index is a right child; its left sibling is the smallest subtree on the edge.
        while node.index & 1 == 1 {
            hash = Hash.node(hashes.removeLast(), hash)
            node = NodeIndex(level: node.level + 1, index: node.index >> 1)
            completed.append(NodeHash(node: node, hash: hash))
        }
        hashes.append(hash)
        size += 1
        return completed
    }

    /// Appends an entry: checks its length and hashes it as a leaf.
    ///
    /// - Parameter entry: the entry's bytes, at most ``Tile/maximumEntrySize``.
    /// - Returns: as ``append(_:)``.
    /// - Throws: ``LedgerError/Code/oversizeEntry`` for a longer entry; nothing is appended then.
    @discardableResult
    public mutating func append(entry: [UInt8]) throws -> [NodeHash] {
        try Tile.checkSize(of: entry)
        return append(Hash.leaf(entry))
    }
}
