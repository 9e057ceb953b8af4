import Foundation
import RumorLedger
import RumorStore
import Synchronization

/// The server's side of the public log: its signing key, the checkpoints it signs, and what it serves from the
/// store (tiles, receipts).
///
/// The key is made at first start and kept in a file only its owner may read. The last checkpoint signed is kept
/// beside it; the server refuses to sign a tree that is not a consistent extension of it, so a database restored
/// from a backup or rewritten outside RumorControl cannot be papered over with a fresh signature.
final class PublicLog: Sendable {
    let signer: NoteSigner
    let origin: String
    private let store: any SiteStore
    private let lastSignedPath: String
    private let lastSigned: Mutex<(checkpoint: Checkpoint, text: String)?>

    /// Loads the key at `keyPath`, creating it (mode 0600) when missing.
    init(store: any SiteStore, keyPath: String, origin: String) throws {
        self.store = store
        self.origin = origin
        lastSignedPath = keyPath + ".checkpoint"
        let manager = FileManager.default
        if let data = manager.contents(atPath: keyPath) {
            let attributes = try manager.attributesOfItem(atPath: keyPath)
            if let permissions = attributes[.posixPermissions] as? Int, permissions & 0o077 != 0 {
                throw LogSetupError("the log's signing key \(keyPath) may be read by others (mode \(String(permissions, radix: 8))); run chmod 600 on it")
            }
            let signer = try NoteSigner(skey: String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
            guard signer.name == origin else {
                throw LogSetupError("the log's key \(keyPath) is for the origin \(signer.name), not \(origin); set --log-origin \(signer.name) or use another key")
            }
            self.signer = signer
        } else {
            signer = try NoteSigner.generate(name: origin)
            let folder = (keyPath as NSString).deletingLastPathComponent
            if !folder.isEmpty { try manager.createDirectory(atPath: folder, withIntermediateDirectories: true) }
            guard manager.createFile(atPath: keyPath, contents: Data((signer.skey + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
                throw LogSetupError("cannot write the log's signing key to \(keyPath); check that the folder is writable")
            }
        }
        if let text = manager.contents(atPath: lastSignedPath).map({ String(decoding: $0, as: UTF8.self) }) {
            let note = try Note(parsing: text)
            lastSigned = Mutex((try Checkpoint(text: note.text), text))
        } else {
            lastSigned = Mutex(nil)
        }
    }

    /// The verifier key readers use: `<origin>+<key id>+<public key>`.
    var verifierKey: String { signer.verifier.vkey }

    /// The cosignatures received for the latest checkpoint (``WitnessCosigner``), by witness name, with its note text.
    private let cosignatures = Mutex<(text: String, lines: [String: Note.Signature])>(("", [:]))

    /// The checkpoint as served at `/log/checkpoint` and in receipts: signed by the log, with the cosignatures the
    /// witnesses have returned for it so far (none until they answer, or when none is configured).
    func checkpoint() async throws -> String {
        let signed = try await signedCheckpoint()
        let book = cosignatures.withLock { $0 }
        guard !book.lines.isEmpty, let note = try? Note(parsing: signed), book.text == note.text else { return signed }
        return (try? note.adding(book.lines.values.sorted { $0.name < $1.name }).serialized) ?? signed
    }

    /// Keeps a witness's cosignature of the checkpoint with note text `text` (dropping those of older checkpoints).
    func addCosignature(_ signature: Note.Signature, by witness: CosignatureVerifier, on text: String) {
        cosignatures.withLock { book in
            if book.text != text { book = (text, [:]) }
            book.lines[witness.name] = signature
        }
    }

    /// Whether the witness's cosignature of the checkpoint with note text `text` is kept.
    func hasCosignature(by witness: CosignatureVerifier, on text: String) -> Bool {
        cosignatures.withLock { $0.text == text && $0.lines[witness.name] != nil }
    }

    /// Yields soon after the store changes (a new leaf may mean a new checkpoint to have cosigned).
    func changes() -> AsyncStream<Void> { store.changes() }

    /// The consistency proof between two sizes of the stored log, for a witness.
    func consistencyProof(from oldSize: Int, to newSize: Int) async throws -> [Hash] {
        try await store.withLogHashes { try $0.consistencyProof(from: oldSize, to: newSize) }.hashes
    }

    /// The checkpoint of the log as the store holds it now, signed by the log's key alone.
    /// - Throws: ``LogSetupError`` when the stored log does not extend the last checkpoint signed.
    func signedCheckpoint() async throws -> String {
        let (size, root) = try await store.logHead()
        if let last = lastSigned.withLock({ $0 }), last.checkpoint.size == size, last.checkpoint.root == root { return last.text }
        let checkpoint = try Checkpoint(origin: origin, size: size, root: root)
        if let last = lastSigned.withLock({ $0 })?.checkpoint {
            guard size >= last.size else {
                throw LogSetupError("the log in the database has \(size) leaves, fewer than the \(last.size) this server already signed: it was truncated or restored outside RumorControl")
            }
            let proof = try await store.withLogHashes { try $0.consistencyProof(from: last.size, to: size) }
            do {
                try proof.verify(oldRoot: last.root, newRoot: root)
            } catch {
                throw LogSetupError("the log in the database does not extend the checkpoint this server signed at size \(last.size): it was rewritten outside RumorControl")
            }
        }
        let text = try checkpoint.signed(by: signer)
        // Persist before publishing, so a restart never signs an older tree.
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: lastSignedPath), options: .atomic)
        } catch let error as CocoaError where error.code == .fileWriteOutOfSpace {
            throw StoreError.make(.diskFull, "the disk holding \(lastSignedPath) is full, so no new checkpoint was signed; free some space")
        } catch let error as CocoaError where error.code == .fileWriteVolumeReadOnly || error.code == .fileWriteNoPermission {
            throw StoreError.make(.readOnly, "cannot write \(lastSignedPath), so no new checkpoint was signed; make its folder writable")
        }
        lastSigned.withLock { $0 = (checkpoint, text) }
        return text
    }

    /// A tile's bytes, or nil when the tree does not have it yet.
    func tile(_ tile: Tile) async throws -> [UInt8]? {
        let size = try await store.logSize()
        switch tile.kind {
        case .entries:
            guard tile.index * Tile.fullWidth + tile.width <= size else { return nil }
            let start = tile.index * Tile.fullWidth
            return try Tile.encode(entries: try await store.logLeaves(start..<start + tile.width))
        case .hashes(let level):
            let span = 1 << (8 * level)
            guard (tile.index * Tile.fullWidth + tile.width).multipliedReportingOverflow(by: span).partialValue <= size, level < 7 else { return nil }
            return try await store.withLogHashes { try $0.hashTile(tile) }
        }
    }

    /// The C2SP tlog-proof receipt of one entry version and the leaf it proves, or nil when it is not logged.
    func receipt(slug: String, version: Int) async throws -> (receipt: String, leaf: [UInt8])? {
        let checkpoint = try await checkpoint()
        let size = try Checkpoint(text: try Note(parsing: checkpoint).text).size
        guard let index = try await store.logLeafIndex(slug: slug, version: version), index < size else { return nil }
        let receipt = try await store.withLogHashes { try Receipt(index: index, checkpoint: checkpoint, reader: $0) }
        return (receipt.text, try await store.logLeaves(index..<index + 1)[0])
    }

    /// The latest log record of each of `slugs` (what a tombstone shows: reason, time, signers).
    func latestRecords(_ slugs: [String]) async throws -> [String: LogRecord] {
        try await store.latestLogRecords(slugs: slugs)
    }
}

/// The public log cannot be served as it stands; the message says why and what to do.
struct LogSetupError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
