/// A node of the Merkle tree that is the root of a perfect subtree: `2^level` leaves starting at leaf `index << level`.
///
/// Level 0 holds the leaf hashes. A node's hash never changes once the log has grown past its last leaf, so a store can
/// persist it for good: these are the only hashes a store ever needs (RFC 6962 trees are made of perfect subtrees).
public struct NodeIndex: Hashable, Sendable, CustomStringConvertible {
    /// The height above the leaves; 0 for a leaf.
    public let level: Int
    /// The position among the nodes of this level, from the left, counting from 0.
    public let index: Int

    /// Names a node.
    ///
    /// - Parameters:
    ///   - level: the height above the leaves, 0 ..< 63.
    ///   - index: the position within the level, from 0.
    public init(level: Int, index: Int) {
        precondition((0..<63).contains(level) && index >= 0, "no node at level \(level), index \(index)")
        self.level = level
        self.index = index
    }

    /// The leaves under this node.
    public var leaves: Range<Int> { (index << level)..<((index + 1) << level) }

    /// `level/index`.
    public var description: String { "\(level)/\(index)" }
}

/// A node's index with its hash: what ``CompactRange/append(_:)`` hands a store to persist.
public struct NodeHash: Hashable, Sendable {
    /// Which node.
    public let node: NodeIndex
    /// Its hash.
    public let hash: Hash

    /// Pairs a node with its hash.
    public init(node: NodeIndex, hash: Hash) {
        self.node = node
        self.hash = hash
    }
}

/// The tree arithmetic of RFC 6962: how ranges of leaves split into perfect subtrees.
enum TreeMath {
    /// The largest power of two strictly less than `n` (n > 1): where RFC 6962 splits a tree of `n` leaves.
    static func split(_ n: Int) -> Int {
        1 << (Int.bitWidth - 1 - (n - 1).leadingZeroBitCount)
    }

    /// The perfect subtrees that cover `range`, left to right, each as large as its alignment allows.
    ///
    /// For the ranges RFC 6962 hashes (the tree itself, and the subtrees its proofs name), the sizes fall from left to
    /// right, and the range's hash is the right-to-left fold of these nodes' hashes (see ``fold(_:)``).
    static func perfectSubtrees(_ range: Range<Int>) -> [NodeIndex] {
        var nodes: [NodeIndex] = []
        var start = range.lowerBound
        while start < range.upperBound {
            var level = start == 0 ? Int.bitWidth - 2 : start.trailingZeroBitCount
            while 1 << level > range.upperBound - start { level -= 1 }
            nodes.append(NodeIndex(level: level, index: start >> level))
            start += 1 << level
        }
        return nodes
    }

    /// The hash of a range from the hashes of its ``perfectSubtrees(_:)``: the empty-tree hash for none.
    static func fold(_ hashes: some BidirectionalCollection<Hash>) -> Hash {
        guard var root = hashes.last else { return Hash.emptyTree }
        for hash in hashes.dropLast().reversed() { root = Hash.node(hash, root) }
        return root
    }

    /// The hash of a perfect subtree from its `2^k` leftmost-level hashes.
    static func perfectRoot(_ hashes: ArraySlice<Hash>) -> Hash {
        var level = Array(hashes)
        while level.count > 1 {
            level = stride(from: 0, to: level.count, by: 2).map { Hash.node(level[$0], level[$0 + 1]) }
        }
        return level[0]
    }
}
