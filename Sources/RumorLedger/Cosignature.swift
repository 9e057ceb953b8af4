import Crypto
import Foundation

/// A witness's public key (C2SP tlog-cosignature v1, Ed25519): checks its cosignatures on checkpoints.
///
/// A cosignature is a note signature whose bytes are a big-endian 64-bit POSIX time followed by an Ed25519 signature
/// over `"cosignature/v1\ntime <time>\n"` and the checkpoint's note text; its key ID is
/// `SHA-256(name || 0x0A || 0x04 || public key)[:4]`. It says: as of that time, this is the largest checkpoint of the
/// log, consistent with every one before it, that the witness has seen.
public struct CosignatureVerifier: Sendable, Hashable {
    /// The witness's name, a schema-less URL by convention (`witness.example.org/w1`).
    public let name: String
    /// The first four bytes of SHA-256(name || 0x0A || 0x04 || public key), big-endian.
    public let keyID: UInt32
    /// The Ed25519 public key's 32 bytes.
    public let publicKey: [UInt8]

    /// Makes a verifier for a witness's public key.
    /// - Throws: ``LedgerError/Code/malformedKey`` for a bad name.
    public init(name: String, publicKey: Curve25519.Signing.PublicKey) throws {
        try KeyID.checkName(name)
        self.name = name
        self.publicKey = Array(publicKey.rawRepresentation)
        self.keyID = KeyID.compute(name: name, type: KeyID.cosignatureV1, publicKey: self.publicKey)
    }

    /// Parses a witness's verifier key: `<name>+<8 hex digits of key ID>+<base64(0x04 || 32-byte public key)>`.
    /// - Throws: ``LedgerError/Code/malformedKey`` if it is malformed or not an Ed25519 cosignature key;
    ///   ``LedgerError/Code/keyIDMismatch`` if the key ID is not the one the name and key give.
    public init(vkey: String) throws {
        let parsed = try KeyID.parseKeyString(
            vkey[...], type: KeyID.cosignatureV1, what: "witness key",
            expected: "an Ed25519 cosignature key (base64 of 0x04 and 32 bytes; a log's own key starts with 0x01)")
        guard let publicKey = try? Curve25519.Signing.PublicKey(rawRepresentation: parsed.key) else {
            throw LedgerError.malformedKey("the key of witness '\(parsed.name)' is not an Ed25519 public key")
        }
        try self.init(name: parsed.name, publicKey: publicKey)
        guard keyID == parsed.keyID else { throw LedgerError.keyIDMismatch(name: name, stated: parsed.keyID, computed: keyID) }
    }

    /// The verifier key string, `<name>+<key ID>+<base64(0x04 || key)>`, to publish.
    public var vkey: String {
        "\(name)+\(KeyID.hex(keyID))+\(ByteEncoding.base64([KeyID.cosignatureV1] + publicKey))"
    }

    /// The time of this witness's cosignature on a checkpoint's note text, when the signature bytes are one and verify.
    /// - Parameters:
    ///   - signature: the signature's bytes after the key ID (timestamp and Ed25519 signature).
    ///   - text: the checkpoint's note text.
    /// - Returns: the cosignature's POSIX time, or nil when it is not a valid cosignature by this key.
    public func timestamp(of signature: [UInt8], for text: String) -> UInt64? {
        guard signature.count == 8 + 64, let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else { return nil }
        let time = signature.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard time < 1 << 63, key.isValidSignature(signature.suffix(64), for: Self.message(text: text, timestamp: time)) else { return nil }
        return time
    }

    /// Whether a note signature line is this witness's (by name and key ID), valid or not.
    public func matches(_ signature: Note.Signature) -> Bool {
        signature.name == name && signature.keyID == keyID
    }

    /// The bytes a witness signs: `cosignature/v1`, `time <timestamp>` and the checkpoint's note text.
    public static func message(text: String, timestamp: UInt64) -> [UInt8] {
        Array("cosignature/v1\ntime \(timestamp)\n".utf8) + Array(text.utf8)
    }
}

/// A witness's private key (C2SP tlog-cosignature v1, Ed25519): cosigns checkpoints it has checked.
public struct CosignatureSigner: Sendable {
    /// What verifies this witness's cosignatures.
    public let verifier: CosignatureVerifier
    private let key: Curve25519.Signing.PrivateKey

    /// The witness's name.
    public var name: String { verifier.name }

    /// Makes a cosigner from a private key.
    /// - Throws: ``LedgerError/Code/malformedKey`` for a bad name.
    public init(name: String, key: Curve25519.Signing.PrivateKey) throws {
        verifier = try CosignatureVerifier(name: name, publicKey: key.publicKey)
        self.key = key
    }

    /// A cosigner with a new random key.
    public static func generate(name: String) throws -> CosignatureSigner {
        try CosignatureSigner(name: name, key: Curve25519.Signing.PrivateKey())
    }

    /// Parses a witness's private key string: `PRIVATE+KEY+<name>+<key ID>+<base64(0x04 || 32-byte seed)>`.
    /// - Throws: ``LedgerError/Code/malformedKey`` or ``LedgerError/Code/keyIDMismatch``.
    public init(skey: String) throws {
        let prefix = "PRIVATE+KEY+"
        guard skey.hasPrefix(prefix) else { throw LedgerError.malformedKey("a witness's private key starts with \(prefix)") }
        let parsed = try KeyID.parseKeyString(
            skey.dropFirst(prefix.count), type: KeyID.cosignatureV1, what: "witness's private key", expected: "base64 of 0x04 and a 32-byte Ed25519 seed")
        guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: parsed.key) else {
            throw LedgerError.malformedKey("the private key of witness '\(parsed.name)' is not an Ed25519 seed")
        }
        try self.init(name: parsed.name, key: key)
        guard verifier.keyID == parsed.keyID else { throw LedgerError.keyIDMismatch(name: name, stated: parsed.keyID, computed: verifier.keyID) }
    }

    /// The private key string, to keep secret.
    public var skey: String {
        "PRIVATE+KEY+\(name)+\(KeyID.hex(verifier.keyID))+\(ByteEncoding.base64([KeyID.cosignatureV1] + key.rawRepresentation))"
    }

    /// Cosigns a checkpoint's note text.
    /// - Parameters:
    ///   - text: the checkpoint's note text (body), as the log signed it.
    ///   - timestamp: the POSIX time of the cosignature.
    /// - Returns: the note signature line's contents.
    /// - Throws: ``LedgerError/Code/malformedNote`` for a text a note cannot hold.
    public func cosign(_ text: String, at timestamp: UInt64) throws -> Note.Signature {
        try Note.checkText(text)
        let signature = try key.signature(for: CosignatureVerifier.message(text: text, timestamp: timestamp))
        let time = (0..<8).map { UInt8(truncatingIfNeeded: timestamp >> (56 - 8 * $0)) }
        return Note.Signature(name: name, keyID: verifier.keyID, signature: time + Array(signature))
    }
}

extension Note {
    /// The valid cosignatures on this note by the given witnesses, one per witness (the latest when one has several).
    ///
    /// A witness's line that does not verify is left out rather than rejecting the note: a log cannot forge a
    /// witness's cosignature, so a bad one only means it does not count.
    /// - Returns: each witness that cosigned, with its cosignature's time.
    public func cosignatures(by witnesses: [CosignatureVerifier]) -> [(witness: CosignatureVerifier, timestamp: UInt64)] {
        var found: [(witness: CosignatureVerifier, timestamp: UInt64)] = []
        for witness in witnesses {
            let times = signatures.filter(witness.matches).compactMap { witness.timestamp(of: $0.signature, for: text) }
            if let latest = times.max() { found.append((witness, latest)) }
        }
        return found
    }

    /// The same note with more signature lines: the log's own, then the cosignatures (lines already there are kept once).
    public func adding(_ more: [Signature]) throws -> Note {
        var all = signatures
        for signature in more where !all.contains(signature) { all.append(signature) }
        return try Note(text: text, signatures: all)
    }
}

extension Checkpoint {
    /// Opens a signed checkpoint that must also carry valid cosignatures from at least `quorum` of `witnesses`.
    ///
    /// - Parameters:
    ///   - note: the signed note, with the witnesses' cosignature lines.
    ///   - verifier: the log's public key.
    ///   - witnesses: the witnesses the reader trusts.
    ///   - quorum: how many of them must have cosigned.
    ///   - origin: the log's origin; by default the key's name.
    /// - Returns: the checkpoint and the witnesses that cosigned it, with their times.
    /// - Throws: what ``open(_:verifier:origin:)`` throws, or ``LedgerError/Code/quorumNotMet`` naming the witnesses
    ///   that did and did not cosign.
    public static func open(
        _ note: String, verifier: NoteVerifier, witnesses: [CosignatureVerifier], quorum: Int, origin: String? = nil
    ) throws -> (checkpoint: Checkpoint, cosigned: [(witness: CosignatureVerifier, timestamp: UInt64)]) {
        let checkpoint = try open(note, verifier: verifier, origin: origin)
        let cosigned = try Note(parsing: note).cosignatures(by: witnesses)
        guard cosigned.count >= quorum else {
            let names = Set(cosigned.map(\.witness.name))
            throw LedgerError.quorumNotMet(
                quorum: quorum, cosigned: cosigned.map(\.witness.name), missing: witnesses.map(\.name).filter { !names.contains($0) })
        }
        return (checkpoint, cosigned)
    }
}
