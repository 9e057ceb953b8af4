/// An error from parsing, verifying or building the transparency log's data.
///
/// Each factory says what was wrong and where; equality compares the ``code`` only, so tests and callers can
/// match on the kind of failure.
public struct LedgerError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kinds of failure.
    public enum Code: String, Sendable, Hashable {
        /// A hash is not 32 bytes, or not valid base64 or hex.
        case malformedHash
        /// A signer or verifier key string is malformed, names no supported algorithm, or has a bad name.
        case malformedKey
        /// A key string's key ID does not match the ID computed from its name and public key.
        case keyIDMismatch
        /// A signed note does not follow the signed-note syntax.
        case malformedNote
        /// A note carries a signature from a known key that does not verify.
        case invalidSignature
        /// A note carries no signature from any of the keys it was checked with.
        case unverifiedNote
        /// A checkpoint body does not follow the checkpoint syntax.
        case malformedCheckpoint
        /// A checkpoint names another log than the one expected.
        case originMismatch
        /// A tile path does not follow the tlog-tiles layout.
        case malformedTilePath
        /// A tile or entry bundle has the wrong length or a truncated record.
        case malformedTile
        /// A tile disagrees with the hashes computed from the tiles or entries below it.
        case tileMismatch
        /// An entry is longer than an entry bundle can hold.
        case oversizeEntry
        /// A leaf index, node or tree size lies outside the tree.
        case outOfRange
        /// A Merkle proof does not prove what it claims.
        case invalidProof
        /// A receipt (tlog-proof) does not follow its syntax.
        case malformedReceipt
        /// A log record is not valid canonical JSON of the expected shape.
        case malformedRecord
        /// A hash or tile reader answered with the wrong number of results.
        case readerMismatch
        /// A witness request (tlog-witness `add-checkpoint`) does not follow its syntax.
        case malformedWitnessRequest
        /// A checkpoint carries fewer valid cosignatures from the trusted witnesses than the quorum asks.
        case quorumNotMet
    }

    /// What went wrong, in kind.
    public let code: Code
    /// A message for people: what was wrong and where.
    public let message: String
    /// Where the error was made (for debugging).
    public let location: String

    /// The message.
    public var description: String { message }

    init(_ code: Code, _ message: String, fileID: String, line: Int) {
        self.code = code
        self.message = message
        self.location = "\(fileID):\(line)"
    }

    /// A hash that is not 32 bytes or not validly encoded.
    public static func malformedHash(_ what: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(.malformedHash, what, fileID: fileID, line: line)
    }

    /// A key string that cannot be used.
    public static func malformedKey(_ what: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(.malformedKey, what, fileID: fileID, line: line)
    }

    /// A key string whose key ID is not the one its name and key give.
    public static func keyIDMismatch(name: String, stated: UInt32, computed: UInt32, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(
            .keyIDMismatch, "key '\(name)' states key ID \(KeyID.hex(stated)) but its name and public key give \(KeyID.hex(computed))",
            fileID: fileID, line: line)
    }

    /// A note that breaks the signed-note syntax.
    public static func malformedNote(_ what: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(.malformedNote, "malformed signed note: \(what)", fileID: fileID, line: line)
    }

    /// A signature from a known key that does not verify.
    public static func invalidSignature(name: String, keyID: UInt32, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(
            .invalidSignature, "the signature by \(name)+\(KeyID.hex(keyID)) does not verify: the note was altered or forged", fileID: fileID,
            line: line)
    }

    /// A note signed by none of the expected keys.
    public static func unverifiedNote(expected: [String], found: [String], fileID: String = #fileID, line: Int = #line) -> Self {
        let signers = found.isEmpty ? "no signatures" : "signatures by " + found.joined(separator: ", ")
        return Self(
            .unverifiedNote, "the note has no signature by \(expected.joined(separator: " or ")); it has \(signers)", fileID: fileID, line: line)
    }

    /// A checkpoint body that breaks the checkpoint syntax.
    public static func malformedCheckpoint(_ what: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(.malformedCheckpoint, "malformed checkpoint: \(what)", fileID: fileID, line: line)
    }

    /// A checkpoint from another log.
    public static func originMismatch(expected: String, found: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(.originMismatch, "the checkpoint is for log '\(found)', not '\(expected)'", fileID: fileID, line: line)
    }

    /// A tile path that breaks the tlog-tiles layout.
    public static func malformedTilePath(_ path: String, _ why: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(.malformedTilePath, "'\(path)' is not a tile path: \(why)", fileID: fileID, line: line)
    }

    /// A tile or entry bundle whose bytes do not fit its kind and width.
    public static func malformedTile(_ path: String, _ why: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(.malformedTile, "\(path): \(why)", fileID: fileID, line: line)
    }

    /// A tile that disagrees with what was computed from below it.
    public static func tileMismatch(_ path: String, _ why: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(.tileMismatch, "\(path): \(why)", fileID: fileID, line: line)
    }

    /// An entry too long for an entry bundle.
    public static func oversizeEntry(byteCount: Int, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(
            .oversizeEntry, "an entry of \(byteCount) bytes is too long: a log entry holds at most \(Tile.maximumEntrySize) bytes",
            fileID: fileID, line: line)
    }

    /// An index or size outside the tree.
    public static func outOfRange(_ what: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(.outOfRange, what, fileID: fileID, line: line)
    }

    /// A proof that does not verify.
    public static func invalidProof(_ what: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(.invalidProof, what, fileID: fileID, line: line)
    }

    /// A receipt that breaks the tlog-proof syntax.
    public static func malformedReceipt(_ what: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(.malformedReceipt, "malformed receipt: \(what)", fileID: fileID, line: line)
    }

    /// A log record that is not valid canonical JSON of the expected shape.
    public static func malformedRecord(_ what: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(.malformedRecord, "malformed log record: \(what)", fileID: fileID, line: line)
    }

    /// A reader that answered a request for `requested` items with `returned`.
    public static func readerMismatch(requested: Int, returned: Int, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(.readerMismatch, "the reader was asked for \(requested) items and returned \(returned)", fileID: fileID, line: line)
    }

    /// A witness request that breaks the tlog-witness syntax.
    public static func malformedWitnessRequest(_ what: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(.malformedWitnessRequest, "malformed add-checkpoint request: \(what)", fileID: fileID, line: line)
    }

    /// A checkpoint cosigned by too few of the trusted witnesses.
    public static func quorumNotMet(
        quorum: Int, cosigned: [String], missing: [String], fileID: String = #fileID, line: Int = #line
    ) -> Self {
        let have = cosigned.isEmpty ? "none of them" : "only " + cosigned.joined(separator: ", ")
        return Self(
            .quorumNotMet,
            "the checkpoint needs valid cosignatures from \(quorum) of the trusted witnesses, and has \(cosigned.count) (\(have) cosigned; no valid cosignature from \(missing.joined(separator: ", "))): the log may be showing this reader a history the witnesses have not seen",
            fileID: fileID, line: line)
    }

    /// Equal when the kinds of failure are, whatever the messages say.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    /// Hashes the kind of failure only, as ``==`` compares.
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
