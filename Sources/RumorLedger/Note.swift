/// A signed note (C2SP signed-note v1.0.0): a text, a blank line, and one line per signature.
///
/// ```
/// <text, ending in a newline>
///
/// — <key name> <base64(key ID || signature)>
/// ```
/// Checkpoints are signed notes. Parsing checks the syntax only; ``verify(by:)`` checks the signatures.
public struct Note: Hashable, Sendable {
    /// One signature line.
    public struct Signature: Hashable, Sendable {
        /// The signing key's name.
        public let name: String
        /// The signing key's ID.
        public let keyID: UInt32
        /// The signature proper (64 bytes for Ed25519).
        public let signature: [UInt8]

        /// Assembles a signature.
        public init(name: String, keyID: UInt32, signature: [UInt8]) {
            self.name = name
            self.keyID = keyID
            self.signature = signature
        }

        /// The line: an em dash, a space, the name, a space, base64 of key ID and signature, a newline.
        public var line: String {
            "\(Note.signaturePrefix)\(name) \(ByteEncoding.base64(KeyID.bytes(keyID) + signature))\n"
        }
    }

    /// The most signatures a note may carry; more makes it malformed, so parsing stays cheap.
    public static let maximumSignatures = 100
    /// What starts a signature line: U+2014 EM DASH and a space.
    static let signaturePrefix = "\u{2014} "

    /// The signed text, ending in a newline.
    public let text: String
    /// The signatures, in order.
    public let signatures: [Signature]

    /// Assembles a note.
    ///
    /// - Parameters:
    ///   - text: non-empty UTF-8 that ends in a newline and holds no other ASCII control character.
    ///   - signatures: one or more signatures.
    /// - Throws: ``LedgerError/Code/malformedNote`` if the text or the count of signatures breaks the rules.
    public init(text: String, signatures: [Signature]) throws {
        try Self.checkText(text)
        guard (1...Self.maximumSignatures).contains(signatures.count) else {
            throw LedgerError.malformedNote("a note carries 1 to \(Self.maximumSignatures) signatures, not \(signatures.count)")
        }
        guard signatures.allSatisfy({ KeyID.isValidName($0.name) }) else { throw LedgerError.malformedNote("a signature has a bad key name") }
        self.text = text
        self.signatures = signatures
    }

    /// Signs a text with each signer.
    ///
    /// - Throws: ``LedgerError/Code/malformedNote`` for a text a note cannot hold or no signers.
    public static func sign(_ text: String, by signers: [NoteSigner]) throws -> Note {
        try Note(text: text, signatures: signers.map { try $0.sign(text) })
    }

    /// The whole note: the text, a blank line, the signature lines.
    public var serialized: String {
        text + "\n" + signatures.map(\.line).joined()
    }

    /// Parses a note from its bytes, which must be UTF-8.
    ///
    /// - Throws: ``LedgerError/Code/malformedNote`` as ``init(parsing:)-(String)`` does, or for bytes that are not UTF-8.
    public init(parsing bytes: [UInt8]) throws {
        guard let note = String(validating: bytes, as: UTF8.self) else { throw LedgerError.malformedNote("it is not UTF-8") }
        try self.init(parsing: note)
    }

    /// Parses a note; signatures are split from the text at the last blank line.
    ///
    /// - Throws: ``LedgerError/Code/malformedNote`` if the note breaks the signed-note syntax.
    public init(parsing note: String) throws {
        let bytes = Array(note.utf8)
        guard let split = bytes.indices.dropLast().last(where: { bytes[$0] == 0x0A && bytes[$0 + 1] == 0x0A }) else {
            throw LedgerError.malformedNote("no blank line separates the text from the signatures")
        }
        let text = String(decoding: bytes[...split], as: UTF8.self)
        let block = bytes[(split + 2)...]
        guard block.last == 0x0A else { throw LedgerError.malformedNote("the signature lines must end in a newline") }
        let lines = block.dropLast().split(separator: 0x0A, omittingEmptySubsequences: false)
        guard lines.count <= Self.maximumSignatures else {
            throw LedgerError.malformedNote("it has \(lines.count) signature lines; at most \(Self.maximumSignatures) are allowed")
        }
        try self.init(text: text, signatures: lines.enumerated().map { try Self.parseSignature(String(decoding: $1, as: UTF8.self), number: $0 + 1) })
    }

    private static func parseSignature(_ line: String, number: Int) throws -> Signature {
        guard line.hasPrefix(signaturePrefix) else {
            throw LedgerError.malformedNote("signature line \(number) does not start with an em dash (U+2014) and a space")
        }
        let fields = line.dropFirst(signaturePrefix.count).split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
        guard fields.count == 2, KeyID.isValidName(fields[0]) else {
            throw LedgerError.malformedNote("signature line \(number) is not '— <key name> <base64 signature>'")
        }
        guard let bytes = ByteEncoding.bytes(base64: fields[1]), bytes.count >= 5 else {
            throw LedgerError.malformedNote("the signature on line \(number) is not base64 of a key ID and a signature")
        }
        return Signature(name: String(fields[0]), keyID: KeyID.value(of: bytes.prefix(4)), signature: Array(bytes.dropFirst(4)))
    }

    /// Checks the signatures by known keys.
    ///
    /// Signatures by keys not among `verifiers` are ignored (a note may carry a witness's cosignature, say); a signature
    /// by a known key that does not verify rejects the note.
    ///
    /// - Parameter verifiers: the keys to trust.
    /// - Returns: the verifiers whose signatures verified, at least one.
    /// - Throws: ``LedgerError/Code/invalidSignature`` if a known key's signature fails;
    ///   ``LedgerError/Code/unverifiedNote`` if no known key signed.
    @discardableResult
    public func verify(by verifiers: [NoteVerifier]) throws -> [NoteVerifier] {
        var verified: [NoteVerifier] = []
        for signature in signatures {
            guard let verifier = verifiers.first(where: { $0.name == signature.name && $0.keyID == signature.keyID }) else { continue }
            guard verifier.isValidSignature(signature.signature, for: text) else {
                throw LedgerError.invalidSignature(name: signature.name, keyID: signature.keyID)
            }
            if !verified.contains(verifier) { verified.append(verifier) }
        }
        guard !verified.isEmpty else {
            throw LedgerError.unverifiedNote(
                expected: verifiers.map { "\($0.name)+\(KeyID.hex($0.keyID))" },
                found: signatures.map { "\($0.name)+\(KeyID.hex($0.keyID))" })
        }
        return verified
    }

    /// Checks that a text can be a note's text.
    static func checkText(_ text: String) throws {
        guard text.utf8.last == 0x0A else { throw LedgerError.malformedNote("the text must be non-empty and end in a newline") }
        if let control = text.utf8.first(where: { ($0 < 0x20 && $0 != 0x0A) || $0 == 0x7F }) {
            throw LedgerError.malformedNote("the text holds the control character 0x\(ByteEncoding.hex([control]))")
        }
    }
}
