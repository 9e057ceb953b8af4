/// A log's statement of its size and root hash (C2SP tlog-checkpoint v1.0.0), the text of a signed note.
///
/// ```
/// <origin>
/// <tree size in decimal>
/// <base64 root hash>
/// [extension lines]
/// ```
public struct Checkpoint: Hashable, Sendable {
    /// The log's unique name, conventionally a schema-less URL such as `example.com/log`.
    public let origin: String
    /// The number of leaves.
    public let size: Int
    /// The root hash of the tree of ``size`` leaves.
    public let root: Hash
    /// Optional lines after the root, each non-empty.
    public let extensions: [String]

    /// Assembles a checkpoint.
    ///
    /// - Parameters:
    ///   - origin: the log's name: non-empty, one line.
    ///   - size: the tree size, not negative.
    ///   - root: the tree's root hash.
    ///   - extensions: extra non-empty lines, usually none.
    /// - Throws: ``LedgerError/Code/malformedCheckpoint`` if a field breaks these rules.
    public init(origin: String, size: Int, root: Hash, extensions: [String] = []) throws {
        guard !origin.isEmpty, !origin.contains("\n") else { throw LedgerError.malformedCheckpoint("the origin must be one non-empty line") }
        guard size >= 0 else { throw LedgerError.malformedCheckpoint("the size cannot be negative") }
        guard extensions.allSatisfy({ !$0.isEmpty && !$0.contains("\n") }) else {
            throw LedgerError.malformedCheckpoint("extension lines must be non-empty single lines")
        }
        self.origin = origin
        self.size = size
        self.root = root
        self.extensions = extensions
    }

    /// Parses a checkpoint body (a note's text).
    ///
    /// - Parameter text: the body, ending in a newline.
    /// - Throws: ``LedgerError/Code/malformedCheckpoint`` if it is not a checkpoint.
    public init(text: String) throws {
        guard text.hasSuffix("\n") else { throw LedgerError.malformedCheckpoint("the text must end in a newline") }
        let lines = text.dropLast().split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 3 else {
            throw LedgerError.malformedCheckpoint("it needs an origin, a size and a root hash, one per line; it has \(lines.count) lines")
        }
        guard let size = ByteEncoding.decimal(lines[1]) else {
            throw LedgerError.malformedCheckpoint("the size '\(lines[1].prefix(40))' is not a decimal number without leading zeros")
        }
        let root: Hash
        do {
            root = try Hash(base64: lines[2])
        } catch {
            throw LedgerError.malformedCheckpoint("the root hash is not base64 of 32 bytes: \(error)")
        }
        try self.init(origin: String(lines[0]), size: size, root: root, extensions: lines.dropFirst(3).map(String.init))
    }

    /// The body: what the log signs.
    public var text: String {
        ([origin, String(size), root.base64] + extensions).map { $0 + "\n" }.joined()
    }

    /// Signs the checkpoint.
    ///
    /// - Parameter signer: the log's key; its name should be the origin.
    /// - Returns: the signed note, as served at `<prefix>/checkpoint`.
    /// - Throws: ``LedgerError/Code/malformedNote`` if the body cannot be a note (a control character in the origin).
    public func signed(by signer: NoteSigner) throws -> String {
        try Note.sign(text, by: [signer]).serialized
    }

    /// Opens a signed checkpoint: checks the log's signature, then parses the body.
    ///
    /// - Parameters:
    ///   - note: the signed note.
    ///   - verifier: the log's public key.
    ///   - origin: the log's origin; by default the key's name, as tlog-checkpoint logs use.
    /// - Returns: the checkpoint.
    /// - Throws: ``LedgerError`` with ``LedgerError/Code/malformedNote``, ``LedgerError/Code/invalidSignature``,
    ///   ``LedgerError/Code/unverifiedNote``, ``LedgerError/Code/malformedCheckpoint`` or
    ///   ``LedgerError/Code/originMismatch``.
    public static func open(_ note: String, verifier: NoteVerifier, origin: String? = nil) throws -> Checkpoint {
        let note = try Note(parsing: note)
        try note.verify(by: [verifier])
        let checkpoint = try Checkpoint(text: note.text)
        let expected = origin ?? verifier.name
        guard checkpoint.origin == expected else { throw LedgerError.originMismatch(expected: expected, found: checkpoint.origin) }
        return checkpoint
    }
}
