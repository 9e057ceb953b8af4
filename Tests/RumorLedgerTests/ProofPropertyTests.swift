import RumorCore
import RumorLedger
import Testing

/// RFC 6962 §2.1 written as literally as it reads, over the leaf hashes: the reference the fast code is checked against.
enum ReferenceTree {
    static func root(_ leaves: ArraySlice<Hash>) -> Hash {
        guard leaves.count > 1 else { return leaves.first ?? Hash.emptyTree }
        let k = split(leaves.count)
        return Hash.node(root(leaves.prefix(k)), root(leaves.dropFirst(k)))
    }

    static func path(_ m: Int, _ leaves: ArraySlice<Hash>) -> [Hash] {
        guard leaves.count > 1 else { return [] }
        let k = split(leaves.count)
        let relative = m - leaves.startIndex
        return relative < k
            ? path(m, leaves.prefix(k)) + [root(leaves.dropFirst(k))]
            : path(m, leaves.dropFirst(k)) + [root(leaves.prefix(k))]
    }

    static func proof(_ m: Int, _ leaves: ArraySlice<Hash>, _ complete: Bool = true) -> [Hash] {
        if m == leaves.count { return complete ? [] : [root(leaves)] }
        let k = split(leaves.count)
        return m <= k
            ? proof(m, leaves.prefix(k), complete) + [root(leaves.dropFirst(k))]
            : proof(m - k, leaves.dropFirst(k), false) + [root(leaves.prefix(k))]
    }

    private static func split(_ n: Int) -> Int {
        var k = 1
        while k * 2 < n { k *= 2 }
        return k
    }
}

@Suite("Proofs on random trees")
struct ProofPropertyTests {
    /// A log of 5,000 random entries, and the root after each append as a `CompactRange` computed it.
    static let fixture: (log: MemoryLog, roots: [Hash]) = {
        var generator = SeededGenerator(seed: 6962)
        var log = MemoryLog()
        var range = CompactRange()
        var roots = [range.root]
        for _ in 0..<5_000 {
            let entry = (0..<Int.random(in: 0...48, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            try! log.append(entry)
            range.append(Hash.leaf(entry))
            roots.append(range.root)
        }
        return (log, roots)
    }()

    /// Edge sizes around powers of two and tile widths, and random sizes.
    static let sizes: [Int] = {
        var generator = SeededGenerator(seed: 9162)
        return [1, 2, 3, 4, 5, 7, 8, 9, 255, 256, 257, 1023, 1024, 1025, 4096, 4999, 5000]
            + (0..<8).map { _ in Int.random(in: 10...4_990, using: &generator) }
    }()

    @Test("every inclusion and consistency proof verifies; any changed byte breaks it", arguments: sizes)
    func proofsOfSize(size: Int) throws {
        let (log, roots) = Self.fixture
        let root = roots[size]
        var generator = SeededGenerator(seed: UInt64(size))
        #expect(try log.rootHash(treeSize: size) == root)

        for index in 0..<size {
            let proof = try log.inclusionProof(leafIndex: index, treeSize: size)
            try proof.verify(leafHash: Hash.leaf(log.entry(at: index)), root: root)
        }
        for oldSize in 0...size {
            try log.consistencyProof(from: oldSize, to: size).verify(oldRoot: roots[oldSize], newRoot: root)
        }

        for _ in 0..<3 {
            let index = Int.random(in: 0..<size, using: &generator)
            let proof = try log.inclusionProof(leafIndex: index, treeSize: size)
            let leafHash = Hash.leaf(try log.entry(at: index))
            try expectEveryFlipFails(proof.hashes, root, leafHash) { hashes, root, leafHash in
                try InclusionProof(leafIndex: index, treeSize: size, hashes: hashes).verify(leafHash: leafHash, root: root)
            }
            let oldSize = Int.random(in: 1...size, using: &generator)
            let consistency = try log.consistencyProof(from: oldSize, to: size)
            try expectEveryFlipFails(consistency.hashes, root, roots[oldSize]) { hashes, root, oldRoot in
                try ConsistencyProof(oldSize: oldSize, newSize: size, hashes: hashes).verify(oldRoot: oldRoot, newRoot: root)
            }
        }
    }

    /// Checks that `verify` passes on the proof, then fails when any byte of any proof hash, the root or the other
    /// committed hash is changed.
    private func expectEveryFlipFails(
        _ hashes: [Hash], _ root: Hash, _ other: Hash, sourceLocation: SourceLocation = #_sourceLocation,
        verify: ([Hash], Hash, Hash) throws -> Void
    ) throws {
        try verify(hashes, root, other)
        for position in hashes.indices {
            for byte in 0..<Hash.byteCount {
                var changed = hashes
                changed[position] = hashes[position].flipping(byte: byte)
                #expect(throws: LedgerError.invalidProof(""), sourceLocation: sourceLocation) { try verify(changed, root, other) }
            }
        }
        for byte in 0..<Hash.byteCount {
            #expect(throws: LedgerError.invalidProof(""), sourceLocation: sourceLocation) { try verify(hashes, root.flipping(byte: byte), other) }
            #expect(throws: LedgerError.invalidProof(""), sourceLocation: sourceLocation) { try verify(hashes, root, other.flipping(byte: byte)) }
        }
    }

    @Test("proofs and roots equal RFC 6962's recursive definitions", arguments: [1, 2, 3, 6, 8, 13, 64, 100, 257])
    func matchesReference(size: Int) throws {
        let log = Self.fixture.log
        let leaves = try (0..<size).map { Hash.leaf(try log.entry(at: $0)) }[...]

        #expect(try log.rootHash(treeSize: size) == ReferenceTree.root(leaves))
        for index in 0..<size {
            #expect(try log.inclusionProof(leafIndex: index, treeSize: size).hashes == ReferenceTree.path(index, leaves), "leaf \(index)")
        }
        for oldSize in 1..<size {
            #expect(try log.consistencyProof(from: oldSize, to: size).hashes == ReferenceTree.proof(oldSize, leaves), "from \(oldSize)")
        }
    }
}
