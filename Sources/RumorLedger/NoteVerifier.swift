import Crypto
import Foundation

/// The public half of a note signing key (C2SP signed-note, Ed25519): checks signatures by one named key.
public struct NoteVerifier: Sendable, Equatable {
    /// The key's name; for a log, its origin.
    public let name: String
    /// The first four bytes of SHA-256(name || 0x0A || 0x01 || public key), big-endian.
    public let keyID: UInt32
    /// The Ed25519 public key's 32 bytes.
    public let publicKey: [UInt8]

    /// Makes a verifier for a public key.
    ///
    /// - Parameters:
    ///   - name: the key's name: non-empty, no spaces, no `+`.
    ///   - publicKey: an Ed25519 public key.
    /// - Throws: ``LedgerError/Code/malformedKey`` for a bad name.
    public init(name: String, publicKey: Curve25519.Signing.PublicKey) throws {
        try KeyID.checkName(name)
        self.name = name
        self.publicKey = Array(publicKey.rawRepresentation)
        self.keyID = KeyID.compute(name: name, publicKey: self.publicKey)
    }

    /// Parses a verifier key string: `<name>+<8 hex digits of key ID>+<base64(0x01 || 32-byte public key)>`.
    ///
    /// - Parameter vkey: the string, as the log publishes it.
    /// - Throws: ``LedgerError/Code/malformedKey`` if it is malformed or not Ed25519; ``LedgerError/Code/keyIDMismatch``
    ///   if the key ID is not the one the name and key give.
    public init(vkey: String) throws {
        let parsed = try KeyID.parseKeyString(vkey[...], type: KeyID.ed25519, what: "verifier key", expected: "an Ed25519 key (0x01 and 32 bytes)")
        guard let publicKey = try? Curve25519.Signing.PublicKey(rawRepresentation: parsed.key) else {
            throw LedgerError.malformedKey("the key of verifier '\(parsed.name)' is not an Ed25519 public key")
        }
        try self.init(name: parsed.name, publicKey: publicKey)
        guard keyID == parsed.keyID else { throw LedgerError.keyIDMismatch(name: name, stated: parsed.keyID, computed: keyID) }
    }

    /// The verifier key string, `<name>+<key ID>+<base64 key>`, to publish.
    public var vkey: String {
        "\(name)+\(KeyID.hex(keyID))+\(ByteEncoding.base64([KeyID.ed25519] + publicKey))"
    }

    /// Whether a signature by this key over the note text verifies.
    ///
    /// - Parameters:
    ///   - signature: the 64-byte Ed25519 signature (without the key ID).
    ///   - text: the note text.
    /// - Returns: true if it does.
    public func isValidSignature(_ signature: [UInt8], for text: String) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else { return false }
        return key.isValidSignature(signature, for: Array(text.utf8))
    }
}

/// Key names and key IDs as signed-note defines them.
enum KeyID {
    /// The signature-type byte of Ed25519.
    static let ed25519: UInt8 = 0x01
    /// The signature-type byte of Ed25519 timestamped cosignatures (C2SP tlog-cosignature v1).
    static let cosignatureV1: UInt8 = 0x04

    /// SHA-256(name || 0x0A || type || public key), first four bytes, big-endian.
    static func compute(name: String, type: UInt8 = ed25519, publicKey: [UInt8]) -> UInt32 {
        value(of: SHA256.hash(data: Array(name.utf8) + [0x0A, type] + publicKey).prefix(4))
    }

    /// A key ID's four bytes, big-endian, as signature lines carry it.
    static func bytes(_ keyID: UInt32) -> [UInt8] {
        (0..<4).map { UInt8(truncatingIfNeeded: keyID >> (24 - 8 * $0)) }
    }

    /// The key ID in four big-endian bytes.
    static func value(of bytes: some Sequence<UInt8>) -> UInt32 {
        bytes.reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// Eight lower-case hex digits.
    static func hex(_ keyID: UInt32) -> String {
        ByteEncoding.hex(bytes(keyID))
    }

    /// The key ID in a key string.
    static func parse(_ text: Substring) throws -> UInt32 {
        guard text.utf8.count == 8, let bytes = ByteEncoding.bytes(hex: text) else {
            throw LedgerError.malformedKey("a key ID is 8 hex digits, not '\(text)'")
        }
        return value(of: bytes)
    }

    /// Splits a key string, `<name>+<8 hex digits of key ID>+<base64(type || 32 bytes)>`, and checks its type byte.
    /// - Parameters:
    ///   - what: the kind of string, for messages ("verifier key").
    ///   - expected: what the key part must be, for messages.
    /// - Returns: the name, the stated key ID, and the 32 key bytes.
    static func parseKeyString(_ text: Substring, type: UInt8, what: String, expected: String) throws -> (name: String, keyID: UInt32, key: [UInt8]) {
        let parts = text.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw LedgerError.malformedKey("a \(what) is <name>+<key ID>+<key>, not '\(text.prefix(200))'") }
        let stated = try parse(parts[1])
        guard let bytes = ByteEncoding.bytes(base64: parts[2]) else {
            throw LedgerError.malformedKey("the key of '\(parts[0])' is not standard base64")
        }
        guard bytes.count == 33, bytes[0] == type else { throw LedgerError.malformedKey("the key of '\(parts[0])' is not \(expected)") }
        return (String(parts[0]), stated, Array(bytes.dropFirst()))
    }

    /// Checks a key name: non-empty, with no white space and no `+`.
    static func checkName(_ name: some StringProtocol) throws {
        guard isValidName(name) else {
            throw LedgerError.malformedKey("a key name must be non-empty, with no spaces and no '+', not '\(name)'")
        }
    }

    static func isValidName(_ name: some StringProtocol) -> Bool {
        !name.isEmpty && !name.unicodeScalars.contains { $0.properties.isWhitespace || $0 == "+" }
    }
}
