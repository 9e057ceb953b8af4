import Crypto
import Foundation

/// A SHA-256 hash in the log: a leaf hash, an interior node hash or a tree root (RFC 6962 / RFC 9162).
///
/// The 32 bytes are kept inline, so an array of hashes is one allocation however long it is.
public struct Hash: Hashable, Sendable, CustomStringConvertible {
    /// The number of bytes in a hash.
    public static let byteCount = 32

    private let storage: SIMD32<UInt8>

    private init(storage: SIMD32<UInt8>) {
        self.storage = storage
    }

    /// Wraps 32 bytes.
    ///
    /// - Parameter bytes: exactly ``byteCount`` bytes.
    /// - Throws: ``LedgerError/Code/malformedHash`` for any other length.
    public init(bytes: some Collection<UInt8>) throws {
        guard bytes.count == Self.byteCount else {
            throw LedgerError.malformedHash("a hash has \(Self.byteCount) bytes, not \(bytes.count)")
        }
        storage =
            bytes.withContiguousStorageIfAvailable { UnsafeRawBufferPointer($0).loadUnaligned(as: SIMD32<UInt8>.self) }
            ?? Array(bytes).withUnsafeBytes { $0.loadUnaligned(as: SIMD32<UInt8>.self) }
    }

    /// Decodes a hash from standard base64, the spelling checkpoints and proofs use.
    ///
    /// - Throws: ``LedgerError/Code/malformedHash`` if the text is not base64 of 32 bytes.
    public init(base64 text: some StringProtocol) throws {
        guard let bytes = ByteEncoding.bytes(base64: text) else {
            throw LedgerError.malformedHash("'\(text.prefix(64))' is not standard base64")
        }
        try self.init(bytes: bytes)
    }

    /// Decodes a hash from 64 hex digits.
    ///
    /// - Throws: ``LedgerError/Code/malformedHash`` if the text is not hex of 32 bytes.
    public init(hex text: some StringProtocol) throws {
        guard let bytes = ByteEncoding.bytes(hex: text) else {
            throw LedgerError.malformedHash("'\(text.prefix(80))' is not hex")
        }
        try self.init(bytes: bytes)
    }

    /// The 32 bytes.
    public var bytes: [UInt8] { withUnsafeBytes(of: storage) { Array($0) } }

    /// Standard base64, as in checkpoints and proofs.
    public var base64: String { ByteEncoding.base64(bytes) }

    /// Lower-case hex.
    public var hex: String { ByteEncoding.hex(bytes) }

    /// The base64 form.
    public var description: String { base64 }

    /// The root of the empty tree: SHA-256 of no bytes.
    public static let emptyTree = Hash(digest: SHA256.hash(data: [UInt8]()))

    /// The hash of a leaf: SHA-256(0x00 || data).
    ///
    /// - Parameter data: the leaf's bytes (for this log, a log entry).
    /// - Returns: the leaf hash.
    public static func leaf(_ data: some ContiguousBytes) -> Hash {
        var hasher = SHA256()
        withUnsafeBytes(of: UInt8(0)) { hasher.update(bufferPointer: $0) }
        data.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return Hash(digest: hasher.finalize())
    }

    /// The hash of an interior node: SHA-256(0x01 || left || right).
    ///
    /// - Parameters:
    ///   - left: the left child's hash.
    ///   - right: the right child's hash.
    /// - Returns: the parent's hash.
    public static func node(_ left: Hash, _ right: Hash) -> Hash {
        var hasher = SHA256()
        withUnsafeBytes(of: UInt8(1)) { hasher.update(bufferPointer: $0) }
        withUnsafeBytes(of: left.storage) { hasher.update(bufferPointer: $0) }
        withUnsafeBytes(of: right.storage) { hasher.update(bufferPointer: $0) }
        return Hash(digest: hasher.finalize())
    }

    private init(digest: SHA256.Digest) {
        storage = digest.withUnsafeBytes { $0.loadUnaligned(as: SIMD32<UInt8>.self) }
    }
}
