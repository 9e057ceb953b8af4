import Crypto
import Foundation

/// The private half of a note signing key (C2SP signed-note, Ed25519): signs notes, such as a log's checkpoints.
public struct NoteSigner: Sendable {
    /// What verifies this signer's signatures.
    public let verifier: NoteVerifier
    private let key: Curve25519.Signing.PrivateKey

    /// The key's name.
    public var name: String { verifier.name }
    /// The key's ID.
    public var keyID: UInt32 { verifier.keyID }

    /// Makes a signer from a private key.
    ///
    /// - Parameters:
    ///   - name: the key's name: non-empty, no spaces, no `+`; a log uses its origin.
    ///   - key: the Ed25519 private key.
    /// - Throws: ``LedgerError/Code/malformedKey`` for a bad name.
    public init(name: String, key: Curve25519.Signing.PrivateKey) throws {
        self.verifier = try NoteVerifier(name: name, publicKey: key.publicKey)
        self.key = key
    }

    /// A signer with a new random key.
    ///
    /// - Parameter name: the key's name.
    /// - Throws: ``LedgerError/Code/malformedKey`` for a bad name.
    public static func generate(name: String) throws -> NoteSigner {
        try NoteSigner(name: name, key: Curve25519.Signing.PrivateKey())
    }

    /// Parses a signer key string: `PRIVATE+KEY+<name>+<8 hex digits of key ID>+<base64(0x01 || 32-byte seed)>`.
    ///
    /// - Parameter skey: the string, as kept in the log's secret configuration.
    /// - Throws: ``LedgerError/Code/malformedKey`` if it is malformed or not Ed25519; ``LedgerError/Code/keyIDMismatch``
    ///   if the key ID is not the one the name and key give.
    public init(skey: String) throws {
        let prefix = "PRIVATE+KEY+"
        guard skey.hasPrefix(prefix) else { throw LedgerError.malformedKey("a signer key starts with \(prefix)") }
        let parsed = try KeyID.parseKeyString(
            skey.dropFirst(prefix.count), type: KeyID.ed25519, what: "signer key", expected: "an Ed25519 key (base64 of 0x01 and a 32-byte seed)")
        guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: parsed.key) else {
            throw LedgerError.malformedKey("the key of signer '\(parsed.name)' is not an Ed25519 seed")
        }
        try self.init(name: parsed.name, key: key)
        guard keyID == parsed.keyID else { throw LedgerError.keyIDMismatch(name: name, stated: parsed.keyID, computed: keyID) }
    }

    /// The signer key string, to keep secret.
    public var skey: String {
        "PRIVATE+KEY+\(name)+\(KeyID.hex(keyID))+\(ByteEncoding.base64([KeyID.ed25519] + key.rawRepresentation))"
    }

    /// Signs a note text.
    ///
    /// - Parameter text: the note text (see ``Note/init(text:signatures:)`` for its rules).
    /// - Returns: the signature, with this key's name and ID.
    /// - Throws: ``LedgerError/Code/malformedNote`` for a text a note cannot hold.
    public func sign(_ text: String) throws -> Note.Signature {
        try Note.checkText(text)
        let signature = try key.signature(for: Array(text.utf8))
        return Note.Signature(name: name, keyID: keyID, signature: Array(signature))
    }
}
