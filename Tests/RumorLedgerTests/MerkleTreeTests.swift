import RumorLedger
import Testing

@Suite("RFC 6962 Merkle tree: the public vectors")
struct MerkleTreeTests {
    @Test("roots of the vector leaves, the empty tree and a leaf hash")
    func roots() throws {
        let log = try Vectors.merkleLog()

        for (size, root) in Vectors.roots {
            #expect(try log.rootHash(treeSize: size).hex == root, "size \(size)")
        }
        #expect(try log.rootHash(treeSize: 0).hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Hash.leaf(Array("hello world".utf8)).base64 == Vectors.helloWorldLeafHash)
        #expect(log.root.hex == Vectors.roots[8])
    }

    @Test("the inclusion vector is generated and verifies")
    func inclusion() throws {
        let log = try Vectors.merkleLog()
        let leafHash = try Hash(base64: Vectors.Inclusion.leafHash)
        let root = try Hash(base64: Vectors.Inclusion.root)

        let proof = try log.inclusionProof(leafIndex: Vectors.Inclusion.leafIndex, treeSize: Vectors.Inclusion.treeSize)

        #expect(proof.hashes.map(\.base64) == Vectors.Inclusion.proof)
        #expect(Hash.leaf(Vectors.leaves[1]) == leafHash)
        #expect(try log.rootHash(treeSize: 5) == root)
        try proof.verify(leafHash: leafHash, root: root)
    }

    @Test("corrupted inclusion proofs are rejected")
    func inclusionCorrupted() throws {
        let hashes = try Vectors.Inclusion.proof.map { try Hash(base64: $0) }
        let leafHash = try Hash(base64: Vectors.Inclusion.leafHash)
        let root = try Hash(base64: Vectors.Inclusion.root)
        let (index, size) = (Vectors.Inclusion.leafIndex, Vectors.Inclusion.treeSize)
        let wrong: [(String, InclusionProof, Hash, Hash)] = [
            (
                "a changed hash", InclusionProof(leafIndex: index, treeSize: size, hashes: [hashes[0], hashes[1].flipping(byte: 7), hashes[2]]),
                leafHash, root
            ),
            ("hashes swapped", InclusionProof(leafIndex: index, treeSize: size, hashes: [hashes[1], hashes[0], hashes[2]]), leafHash, root),
            ("a hash missing", InclusionProof(leafIndex: index, treeSize: size, hashes: Array(hashes.dropLast())), leafHash, root),
            ("a hash added", InclusionProof(leafIndex: index, treeSize: size, hashes: hashes + [root]), leafHash, root),
            ("no hashes", InclusionProof(leafIndex: index, treeSize: size, hashes: []), leafHash, root),
            ("another index", InclusionProof(leafIndex: 0, treeSize: size, hashes: hashes), leafHash, root),
            ("another size", InclusionProof(leafIndex: index, treeSize: 4, hashes: hashes), leafHash, root),
            ("index past the tree", InclusionProof(leafIndex: 5, treeSize: size, hashes: hashes), leafHash, root),
            ("a negative index", InclusionProof(leafIndex: -1, treeSize: size, hashes: hashes), leafHash, root),
            ("another leaf", InclusionProof(leafIndex: index, treeSize: size, hashes: hashes), Hash.leaf(Vectors.leaves[2]), root),
            ("another root", InclusionProof(leafIndex: index, treeSize: size, hashes: hashes), leafHash, root.flipping(byte: 31)),
        ]

        for (what, proof, leaf, root) in wrong {
            let error = expectLedgerError(.invalidProof) { try proof.verify(leafHash: leaf, root: root) }
            #expect(error != nil, "\(what)")
        }
    }

    @Test("the consistency vector is generated and verifies")
    func consistency() throws {
        let log = try Vectors.merkleLog()
        let (oldRoot, newRoot) = (try Hash(base64: Vectors.Consistency.oldRoot), try Hash(base64: Vectors.Consistency.newRoot))

        let proof = try log.consistencyProof(from: Vectors.Consistency.oldSize, to: Vectors.Consistency.newSize)

        #expect(proof.hashes.map(\.base64) == Vectors.Consistency.proof)
        #expect(try log.rootHash(treeSize: 6) == oldRoot)
        #expect(try log.rootHash(treeSize: 7) == newRoot)
        try proof.verify(oldRoot: oldRoot, newRoot: newRoot)
    }

    @Test("corrupted consistency proofs are rejected")
    func consistencyCorrupted() throws {
        let hashes = try Vectors.Consistency.proof.map { try Hash(base64: $0) }
        let (oldRoot, newRoot) = (try Hash(base64: Vectors.Consistency.oldRoot), try Hash(base64: Vectors.Consistency.newRoot))
        let wrong: [(String, ConsistencyProof, Hash, Hash)] = [
            (
                "a changed hash", ConsistencyProof(oldSize: 6, newSize: 7, hashes: [hashes[0].flipping(byte: 0), hashes[1], hashes[2]]), oldRoot,
                newRoot
            ),
            ("a hash missing", ConsistencyProof(oldSize: 6, newSize: 7, hashes: Array(hashes.dropFirst())), oldRoot, newRoot),
            ("a hash added", ConsistencyProof(oldSize: 6, newSize: 7, hashes: hashes + [hashes[0]]), oldRoot, newRoot),
            ("no hashes", ConsistencyProof(oldSize: 6, newSize: 7, hashes: []), oldRoot, newRoot),
            ("reversed", ConsistencyProof(oldSize: 6, newSize: 7, hashes: hashes.reversed()), oldRoot, newRoot),
            ("another old size", ConsistencyProof(oldSize: 5, newSize: 7, hashes: hashes), oldRoot, newRoot),
            ("another new size", ConsistencyProof(oldSize: 6, newSize: 9, hashes: hashes), oldRoot, newRoot),
            ("sizes backwards", ConsistencyProof(oldSize: 7, newSize: 6, hashes: hashes), newRoot, oldRoot),
            ("roots swapped", ConsistencyProof(oldSize: 6, newSize: 7, hashes: hashes), newRoot, oldRoot),
            ("another old root", ConsistencyProof(oldSize: 6, newSize: 7, hashes: hashes), oldRoot.flipping(byte: 3), newRoot),
            ("another new root", ConsistencyProof(oldSize: 6, newSize: 7, hashes: hashes), oldRoot, newRoot.flipping(byte: 3)),
            ("equal sizes, a proof", ConsistencyProof(oldSize: 7, newSize: 7, hashes: hashes), newRoot, newRoot),
            ("equal sizes, other roots", ConsistencyProof(oldSize: 7, newSize: 7, hashes: []), oldRoot, newRoot),
            ("from empty, a proof", ConsistencyProof(oldSize: 0, newSize: 7, hashes: hashes), Hash.emptyTree, newRoot),
            ("from empty, not the empty root", ConsistencyProof(oldSize: 0, newSize: 7, hashes: []), oldRoot, newRoot),
        ]

        for (what, proof, old, new) in wrong {
            let error = expectLedgerError(.invalidProof) { try proof.verify(oldRoot: old, newRoot: new) }
            #expect(error != nil, "\(what)")
        }
    }

    @Test("trivial consistency: equal trees, and the empty tree before any tree")
    func trivialConsistency() throws {
        let log = try Vectors.merkleLog()

        let same = try log.consistencyProof(from: 7, to: 7)
        let fromEmpty = try log.consistencyProof(from: 0, to: 7)

        #expect(same.hashes.isEmpty && fromEmpty.hashes.isEmpty)
        try same.verify(oldRoot: log.rootHash(treeSize: 7), newRoot: log.rootHash(treeSize: 7))
        try fromEmpty.verify(oldRoot: Hash.emptyTree, newRoot: log.rootHash(treeSize: 7))
    }

    @Test("proofs outside the tree are refused with a reason")
    func outOfRange() throws {
        let log = try Vectors.merkleLog()

        expectLedgerError(.outOfRange) { _ = try log.inclusionProof(leafIndex: 8, treeSize: 8) }
        expectLedgerError(.outOfRange) { _ = try log.inclusionProof(leafIndex: 0, treeSize: 0) }
        expectLedgerError(.outOfRange) { _ = try log.inclusionProof(leafIndex: 3, treeSize: 9) }
        expectLedgerError(.outOfRange) { _ = try log.consistencyProof(from: 5, to: 3) }
        expectLedgerError(.outOfRange) { _ = try log.consistencyProof(from: 3, to: 9) }
        expectLedgerError(.outOfRange) { _ = try log.rootHash(treeSize: -1) }
        let error = expectLedgerError(.outOfRange) { _ = try log.rootHash(treeSize: 9) }
        #expect(error?.description.contains("not complete") == true)
    }

    @Test("hashes decode from base64 and hex, strictly")
    func hashEncodings() throws {
        let hash = Hash.leaf(Array("hello world".utf8))

        #expect(try Hash(base64: hash.base64) == hash)
        #expect(try Hash(hex: hash.hex) == hash)
        #expect(try Hash(hex: hash.hex.uppercased()) == hash)
        expectLedgerError(.malformedHash) { _ = try Hash(base64: "TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0") }
        expectLedgerError(.malformedHash) { _ = try Hash(base64: "TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40Hmuw") }
        expectLedgerError(.malformedHash) { _ = try Hash(base64: "TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n") }
        expectLedgerError(.malformedHash) { _ = try Hash(base64: "Tszz!gjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=") }
        expectLedgerError(.malformedHash) { _ = try Hash(hex: String(hash.hex.dropLast())) }
        expectLedgerError(.malformedHash) { _ = try Hash(hex: "zz" + hash.hex.dropFirst(2)) }
        expectLedgerError(.malformedHash) { _ = try Hash(bytes: [UInt8](repeating: 0, count: 33)) }
    }
}
