/// A proof that a tree extends an earlier one (RFC 9162 §2.1.4): nothing in the first `oldSize` leaves was changed.
public struct ConsistencyProof: Hashable, Sendable {
    /// The earlier tree's size.
    public let oldSize: Int
    /// The later tree's size.
    public let newSize: Int
    /// The proof's hashes, in RFC 9162 order.
    public let hashes: [Hash]

    /// Assembles a proof received from elsewhere; ``verify(oldRoot:newRoot:)`` judges it.
    public init(oldSize: Int, newSize: Int, hashes: [Hash]) {
        self.oldSize = oldSize
        self.newSize = newSize
        self.hashes = hashes
    }

    /// Checks that the tree with `newRoot` extends the tree with `oldRoot`; the algorithm of RFC 9162 §2.1.4.2.
    ///
    /// Trees of equal size are consistent when their roots are equal and the proof is empty; the empty tree is
    /// consistent with every tree, with an empty proof.
    ///
    /// - Parameters:
    ///   - oldRoot: the root of the tree of ``oldSize`` leaves.
    ///   - newRoot: the root of the tree of ``newSize`` leaves.
    /// - Throws: ``LedgerError/Code/invalidProof`` if the proof does not show it.
    public func verify(oldRoot: Hash, newRoot: Hash) throws {
        guard oldSize >= 0, oldSize <= newSize else {
            throw LedgerError.invalidProof("a tree of \(newSize) leaves cannot extend one of \(oldSize)")
        }
        if oldSize == 0 || oldSize == newSize {
            guard hashes.isEmpty else { throw wrongLength }
            let expected = oldSize == 0 ? Hash.emptyTree : newRoot
            guard oldRoot == expected else {
                throw LedgerError.invalidProof("tree of \(oldSize) leaves has root \(expected), not \(oldRoot)")
            }
            return
        }
        let (computedOld, computedNew) = try roots(oldRoot: oldRoot)
        guard computedOld == oldRoot else {
            throw LedgerError.invalidProof("consistency proof gives old root \(computedOld), not \(oldRoot) (size \(oldSize))")
        }
        guard computedNew == newRoot else {
            throw LedgerError.invalidProof("consistency proof gives new root \(computedNew), not \(newRoot) (size \(newSize))")
        }
    }

    /// Steps 1 to 6 of RFC 9162 §2.1.4.2, for 0 < oldSize < newSize: the old and new roots the proof implies.
    private func roots(oldRoot: Hash) throws -> (old: Hash, new: Hash) {
        guard !hashes.isEmpty else { throw wrongLength }
        // When the old tree is a perfect subtree of the new one, the proof leaves out that subtree's hash: it is the old root.
        let path = (oldSize & (oldSize - 1) == 0 ? [oldRoot] : []) + hashes
        var fn = oldSize - 1
        var sn = newSize - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var (oldHash, newHash) = (path[0], path[0])
        for hash in path.dropFirst() {
            guard sn != 0 else { throw wrongLength }
            if fn & 1 == 1 || fn == sn {
                oldHash = Hash.node(hash, oldHash)
                newHash = Hash.node(hash, newHash)
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            } else {
                newHash = Hash.node(newHash, hash)
            }
            fn >>= 1
            sn >>= 1
        }
        guard sn == 0 else { throw wrongLength }
        return (oldHash, newHash)
    }

    private var wrongLength: LedgerError {
        LedgerError.invalidProof(
            "a consistency proof from \(oldSize) to \(newSize) leaves needs \(Self.subtrees(oldSize: oldSize, newSize: newSize).count) hashes, not \(hashes.count)"
        )
    }

    /// The leaf ranges whose hashes make the proof, in proof order: RFC 9162's SUBPROOF(m, D[n], true), innermost first.
    static func subtrees(oldSize: Int, newSize: Int) -> [Range<Int>] {
        guard oldSize > 0, oldSize < newSize else { return [] }
        var ranges: [Range<Int>] = []
        var (low, high) = (0, newSize)
        var oldIsWholeSubtree = true
        while oldSize - low != high - low {
            let middle = low + TreeMath.split(high - low)
            if oldSize <= middle {
                ranges.append(middle..<high)
                high = middle
            } else {
                ranges.append(low..<middle)
                low = middle
                oldIsWholeSubtree = false
            }
        }
        if !oldIsWholeSubtree { ranges.append(low..<high) }
        return ranges.reversed()
    }
}
