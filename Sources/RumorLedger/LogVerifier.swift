/// What a monitor, auditor or reader needs to check one log: its public key and origin, and the checks.
public struct LogVerifier: Sendable {
    /// The log's public key.
    public let verifier: NoteVerifier
    /// The log's origin, the first line of its checkpoints.
    public let origin: String

    /// A verifier for the log with this key.
    ///
    /// - Parameters:
    ///   - vkey: the log's verifier key, `<name>+<hex key ID>+<base64 key>`.
    ///   - origin: the log's origin; by default the key's name.
    /// - Throws: ``LedgerError/Code/malformedKey`` or ``LedgerError/Code/keyIDMismatch`` for a bad key.
    public init(vkey: String, origin: String? = nil) throws {
        let verifier = try NoteVerifier(vkey: vkey)
        self.verifier = verifier
        self.origin = origin ?? verifier.name
    }

    /// Checks a signed checkpoint's signature and origin, and parses it.
    ///
    /// - Parameter note: the signed checkpoint, as served at `<prefix>/checkpoint`.
    /// - Returns: the checkpoint.
    /// - Throws: ``LedgerError`` as ``Checkpoint/open(_:verifier:origin:)`` does.
    public func checkpoint(_ note: String) throws -> Checkpoint {
        try Checkpoint.open(note, verifier: verifier, origin: origin)
    }

    /// Checks that a later checkpoint extends an earlier one, with a proof from the log.
    ///
    /// - Parameters:
    ///   - old: the checkpoint the monitor had.
    ///   - new: the one it fetched.
    ///   - proof: the consistency proof's hashes.
    /// - Throws: ``LedgerError/Code/invalidProof`` if the log forked or rewrote history (or the proof is wrong);
    ///   ``LedgerError/Code/originMismatch`` if the checkpoints are of other logs.
    public func checkConsistency(from old: Checkpoint, to new: Checkpoint, proof: [Hash]) throws {
        for checkpoint in [old, new] where checkpoint.origin != origin {
            throw LedgerError.originMismatch(expected: origin, found: checkpoint.origin)
        }
        try ConsistencyProof(oldSize: old.size, newSize: new.size, hashes: proof).verify(oldRoot: old.root, newRoot: new.root)
    }

    /// Checks that a later checkpoint extends an earlier one, computing the proof from the later tree's tiles.
    ///
    /// - Parameters:
    ///   - old: the checkpoint the monitor had.
    ///   - new: the one it fetched.
    ///   - tiles: the log's tiles, as of `new` or later.
    /// - Throws: as ``checkConsistency(from:to:proof:)``; what the reader throws.
    public func checkConsistency(from old: Checkpoint, to new: Checkpoint, tiles: some TileReader) throws {
        guard old.size <= new.size else {
            throw LedgerError.invalidProof("the later checkpoint has \(new.size) entries, fewer than the earlier's \(old.size)")
        }
        let proof = try TileHashReader(treeSize: new.size, reader: tiles).consistencyProof(from: old.size, to: new.size)
        try checkConsistency(from: old, to: new, proof: proof.hashes)
    }

    /// Rebuilds the tree of a checkpoint from the log's tiles and checks it against the checkpoint's root.
    ///
    /// - Parameters:
    ///   - checkpoint: a checkpoint opened with ``checkpoint(_:)``.
    ///   - tiles: the log's tiles and entry bundles.
    ///   - checkingEntries: whether to hash the entries too.
    /// - Throws: ``LedgerError/Code/tileMismatch`` for a tile that disagrees with the tiles below it or with the root;
    ///   what ``TileReader/rebuildRoot(treeSize:checkingEntries:)`` throws.
    public func checkTiles(of checkpoint: Checkpoint, tiles: some TileReader, checkingEntries: Bool = true) throws {
        let root = try tiles.rebuildRoot(treeSize: checkpoint.size, checkingEntries: checkingEntries)
        guard root == checkpoint.root else {
            throw LedgerError.tileMismatch("tiles of size \(checkpoint.size)", "they give root \(root), not the checkpoint's \(checkpoint.root)")
        }
    }

    /// Checks a receipt for an entry.
    ///
    /// - Parameters:
    ///   - receipt: the receipt's text.
    ///   - entry: the entry's bytes.
    /// - Returns: the checkpoint the receipt proves inclusion in.
    /// - Throws: ``LedgerError`` if the receipt is malformed, its signature fails or the entry is not at its index.
    @discardableResult
    public func checkReceipt(_ receipt: String, entry: [UInt8]) throws -> Checkpoint {
        try Receipt(parsing: receipt).verify(entry: entry, verifier: verifier, origin: origin)
    }

    /// Checks a receipt offline as ``checkReceipt(_:entry:)`` does, and that its checkpoint carries valid cosignatures
    /// from at least `quorum` of `witnesses`.
    /// - Returns: the checkpoint and the witnesses that cosigned it.
    /// - Throws: ``LedgerError`` as ``checkReceipt(_:entry:)``, or ``LedgerError/Code/quorumNotMet``.
    public func checkReceipt(
        _ receipt: String, entry: [UInt8], witnesses: [CosignatureVerifier], quorum: Int
    ) throws -> (checkpoint: Checkpoint, cosigned: [(witness: CosignatureVerifier, timestamp: UInt64)]) {
        let parsed = try Receipt(parsing: receipt)
        let checkpoint = try parsed.verify(entry: entry, verifier: verifier, origin: origin)
        let cosigned = try Checkpoint.open(parsed.checkpoint, verifier: verifier, witnesses: witnesses, quorum: quorum, origin: origin).cosigned
        return (checkpoint, cosigned)
    }
}
