/// A proof that a leaf is in a tree (RFC 9162 §2.1.3): the hashes of the subtrees beside the path from the leaf to the root.
public struct InclusionProof: Hashable, Sendable {
    /// The leaf the proof is for, from 0.
    public let leafIndex: Int
    /// The size of the tree the proof is against.
    public let treeSize: Int
    /// The sibling hashes, from the leaf's up.
    public let hashes: [Hash]

    /// Assembles a proof received from elsewhere; ``verify(leafHash:root:)`` judges it.
    public init(leafIndex: Int, treeSize: Int, hashes: [Hash]) {
        self.leafIndex = leafIndex
        self.treeSize = treeSize
        self.hashes = hashes
    }

    /// Checks that the leaf with this hash is at ``leafIndex`` in the tree of ``treeSize`` leaves with this root.
    ///
    /// - Parameters:
    ///   - leafHash: the leaf's hash (``Hash/leaf(_:)`` of the entry).
    ///   - root: the tree's root hash, from a checkpoint the caller trusts.
    /// - Throws: ``LedgerError/Code/invalidProof`` if it does not.
    public func verify(leafHash: Hash, root: Hash) throws {
        let computed = try rootHash(leafHash: leafHash)
        guard computed == root else {
            throw LedgerError.invalidProof(
                "inclusion proof for leaf \(leafIndex) gives root \(computed), not the tree's root \(root) (size \(treeSize))")
        }
    }

    /// The root this proof implies for a leaf hash; the algorithm of RFC 9162 §2.1.3.2.
    ///
    /// - Throws: ``LedgerError/Code/invalidProof`` if the index is outside the tree or the proof has the wrong length.
    public func rootHash(leafHash: Hash) throws -> Hash {
        guard leafIndex >= 0, leafIndex < treeSize else {
            throw LedgerError.invalidProof("leaf \(leafIndex) cannot be in a tree of \(treeSize) leaves")
        }
        var fn = leafIndex
        var sn = treeSize - 1
        var root = leafHash
        for hash in hashes {
            guard sn != 0 else { throw wrongLength }
            if fn & 1 == 1 || fn == sn {
                root = Hash.node(hash, root)
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            } else {
                root = Hash.node(root, hash)
            }
            fn >>= 1
            sn >>= 1
        }
        guard sn == 0 else { throw wrongLength }
        return root
    }

    private var wrongLength: LedgerError {
        LedgerError.invalidProof(
            "an inclusion proof for leaf \(leafIndex) in a tree of \(treeSize) leaves needs \(Self.subtrees(leafIndex: leafIndex, treeSize: treeSize).count) hashes, not \(hashes.count)"
        )
    }

    /// The leaf ranges whose hashes make the proof, in proof order: RFC 9162's PATH(m, D[n]), innermost first.
    static func subtrees(leafIndex: Int, treeSize: Int) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var (low, high) = (0, treeSize)
        while high - low > 1 {
            let middle = low + TreeMath.split(high - low)
            if leafIndex < middle {
                ranges.append(middle..<high)
                high = middle
            } else {
                ranges.append(low..<middle)
                low = middle
            }
        }
        return ranges.reversed()
    }
}
