import Crypto
import CryptoExtras
import Foundation

/// Hashes and checks passwords with scrypt (swift-crypto), in a self-describing format
/// `scrypt$<N>$<r>$<p>$<salt>$<hash>` (base64), so the cost can rise later without breaking old hashes.
public struct PasswordHasher: Sendable {
    /// scrypt's CPU/memory cost N (a power of two).
    public var rounds: Int
    /// scrypt's block size r.
    public var blockSize = 8
    /// scrypt's parallelism p.
    public var parallelism = 1

    /// The default: N = 2^15, r = 8, p = 1 (32 MiB, about 0.1 s per check on one core).
    public static let standard = PasswordHasher(rounds: 1 << 15)

    /// Creates a hasher with a cost.
    public init(rounds: Int) { self.rounds = rounds }

    /// The hash of a password, with a fresh random salt.
    public func hash(_ password: String) throws -> String {
        let salt = SymmetricKey(size: .bits128).withUnsafeBytes { Data($0) }
        let key = try derive(password, salt: salt, rounds: rounds, blockSize: blockSize, parallelism: parallelism)
        return "scrypt$\(rounds)$\(blockSize)$\(parallelism)$\(salt.base64EncodedString())$\(key.base64EncodedString())"
    }

    /// Whether `password` matches `stored`, compared in constant time; false for a malformed hash.
    public static func verify(_ password: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$").map(String.init)
        guard parts.count == 6, parts[0] == "scrypt", let rounds = Int(parts[1]), let blockSize = Int(parts[2]), let parallelism = Int(parts[3]),
            let salt = Data(base64Encoded: parts[4]), let expected = Data(base64Encoded: parts[5]),
            let actual = try? derive(password, salt: salt, rounds: rounds, blockSize: blockSize, parallelism: parallelism)
        else { return false }
        return constantTimeEqual(actual, expected)
    }

    private static func derive(_ password: String, salt: Data, rounds: Int, blockSize: Int, parallelism: Int) throws -> Data {
        try KDF.Scrypt.deriveKey(from: Data(password.utf8), salt: salt, outputByteCount: 32, rounds: rounds, blockSize: blockSize, parallelism: parallelism)
            .withUnsafeBytes { Data($0) }
    }

    private func derive(_ password: String, salt: Data, rounds: Int, blockSize: Int, parallelism: Int) throws -> Data {
        try Self.derive(password, salt: salt, rounds: rounds, blockSize: blockSize, parallelism: parallelism)
    }
}

/// Compares two byte strings in time that depends only on their lengths.
func constantTimeEqual(_ a: some DataProtocol, _ b: some DataProtocol) -> Bool {
    guard a.count == b.count else { return false }
    var difference: UInt8 = 0
    for (x, y) in zip(a, b) { difference |= x ^ y }
    return difference == 0
}

/// Random secrets for sessions, CSRF and API tokens, and the hashes they are stored under.
public enum Secrets {
    /// A new random secret: 32 bytes, base64url without padding.
    public static func make() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// The SHA-256 a secret is stored under (secrets themselves are never stored).
    public static func hash(_ secret: String) -> Data { Data(SHA256.hash(data: Data(secret.utf8))) }
}
