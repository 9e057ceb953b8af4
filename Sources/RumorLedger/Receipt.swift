import Foundation

/// A receipt for one log entry (C2SP tlog-proof): its index, its inclusion proof, and the signed checkpoint the proof
/// leads to. With the entry and the log's public key, a reader checks it offline.
///
/// ```
/// c2sp.org/tlog-proof@v1
/// index <leaf index>
/// <base64 proof hash, one per line, from the leaf up>
///
/// <signed checkpoint>
/// ```
public struct Receipt: Hashable, Sendable {
    /// The first line.
    public static let header = "c2sp.org/tlog-proof@v1"
    /// The most proof hashes a tree of at most 2^63 leaves needs.
    static let maximumProofLength = 63

    /// The entry's leaf index.
    public let index: Int
    /// The inclusion proof, from the leaf's sibling up.
    public let proof: [Hash]
    /// The signed checkpoint (a whole signed note) the proof is against.
    public let checkpoint: String

    /// Assembles a receipt.
    public init(index: Int, proof: [Hash], checkpoint: String) {
        self.index = index
        self.proof = proof
        self.checkpoint = checkpoint
    }

    /// Builds the receipt for a leaf against a checkpoint the log signed.
    ///
    /// - Parameters:
    ///   - index: the leaf.
    ///   - checkpoint: the log's signed checkpoint; its size sets the proof's tree.
    ///   - reader: the log's node hashes.
    /// - Throws: ``LedgerError`` if the checkpoint does not parse or the leaf is not in its tree; what the reader throws.
    public init(index: Int, checkpoint: String, reader: some HashReader) throws {
        let size = try Checkpoint(text: Note(parsing: checkpoint).text).size
        self.init(index: index, proof: try reader.inclusionProof(leafIndex: index, treeSize: size).hashes, checkpoint: checkpoint)
    }

    /// Parses a receipt.
    ///
    /// - Throws: ``LedgerError/Code/malformedReceipt`` if it breaks the tlog-proof syntax or its checkpoint is not a
    ///   signed note.
    public init(parsing text: String) throws {
        guard let blank = text.range(of: "\n\n") else {
            throw LedgerError.malformedReceipt("no blank line separates the proof from the checkpoint")
        }
        let lines = text[..<blank.lowerBound].split(separator: "\n", omittingEmptySubsequences: false)
        guard lines[0] == Self.header else { throw LedgerError.malformedReceipt("the first line must be '\(Self.header)'") }
        guard lines.count >= 2, lines[1].hasPrefix("index "), let index = ByteEncoding.decimal(lines[1].dropFirst("index ".count)) else {
            throw LedgerError.malformedReceipt("the second line must be 'index <decimal number>'")
        }
        let hashes = lines.dropFirst(2)
        guard hashes.count <= Self.maximumProofLength else {
            throw LedgerError.malformedReceipt("a proof has at most \(Self.maximumProofLength) hashes, not \(hashes.count)")
        }
        let proof = try hashes.enumerated().map { number, line in
            guard let hash = try? Hash(base64: line) else {
                throw LedgerError.malformedReceipt("proof line \(number + 1) is not base64 of a 32-byte hash")
            }
            return hash
        }
        let checkpoint = String(text[blank.upperBound...])
        do {
            _ = try Note(parsing: checkpoint)
        } catch {
            throw LedgerError.malformedReceipt("the checkpoint is not a signed note: \(error)")
        }
        self.init(index: index, proof: proof, checkpoint: checkpoint)
    }

    /// The receipt's text.
    public var text: String {
        ([Self.header, "index \(index)"] + proof.map(\.base64)).map { $0 + "\n" }.joined() + "\n" + checkpoint
    }

    /// Checks that `entry` is in the log at ``index``, as of the checkpoint the log signed.
    ///
    /// - Parameters:
    ///   - entry: the entry's bytes (for RumorControl, the canonical JSON of a ``LogRecord``).
    ///   - verifier: the log's public key.
    ///   - origin: the log's origin; by default the key's name.
    /// - Returns: the verified checkpoint.
    /// - Throws: ``LedgerError`` if the checkpoint's signature or the proof fails.
    @discardableResult
    public func verify(entry: [UInt8], verifier: NoteVerifier, origin: String? = nil) throws -> Checkpoint {
        let checkpoint = try Checkpoint.open(checkpoint, verifier: verifier, origin: origin)
        try InclusionProof(leafIndex: index, treeSize: checkpoint.size, hashes: proof).verify(leafHash: Hash.leaf(entry), root: checkpoint.root)
        return checkpoint
    }
}
