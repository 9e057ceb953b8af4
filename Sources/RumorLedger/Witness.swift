import Foundation

/// A request to a witness's `add-checkpoint` endpoint (C2SP tlog-witness v1.0.0): the size of the checkpoint the log
/// believes the witness last cosigned, a consistency proof from that size, and the new signed checkpoint.
///
///     old 20852014
///     <base64 hash>          (zero to 63 proof lines)
///
///     <the signed checkpoint>
public struct AddCheckpointRequest: Hashable, Sendable {
    /// The most proof lines a request may carry.
    public static let maximumProofLines = 63

    /// The size the log believes the witness last cosigned (0 when it knows none).
    public let oldSize: Int
    /// The consistency proof from ``oldSize`` to the checkpoint's size.
    public let proof: [Hash]
    /// The signed checkpoint note.
    public let checkpoint: String

    /// Assembles a request.
    public init(oldSize: Int, proof: [Hash], checkpoint: String) {
        self.oldSize = oldSize
        self.proof = proof
        self.checkpoint = checkpoint
    }

    /// Parses a request body.
    /// - Throws: ``LedgerError/Code/malformedWitnessRequest`` saying which line is wrong.
    public init(parsing body: [UInt8]) throws {
        guard let text = String(validating: body, as: UTF8.self) else { throw LedgerError.malformedWitnessRequest("the body is not UTF-8") }
        guard let blank = text.range(of: "\n\n") else {
            throw LedgerError.malformedWitnessRequest("no blank line separates the old size and proof from the checkpoint")
        }
        let lines = text[..<blank.lowerBound].split(separator: "\n", omittingEmptySubsequences: false)
        guard let first = lines.first, first.hasPrefix("old "), let size = Int(first.dropFirst(4)), size >= 0,
            String(size) == first.dropFirst(4)
        else {
            throw LedgerError.malformedWitnessRequest("the first line must be 'old <size>' (a decimal with no leading zeroes)")
        }
        guard lines.count - 1 <= Self.maximumProofLines else {
            throw LedgerError.malformedWitnessRequest("\(lines.count - 1) proof lines; at most \(Self.maximumProofLines) are allowed")
        }
        var proof: [Hash] = []
        for (number, line) in lines.dropFirst().enumerated() {
            guard let hash = try? Hash(base64: line) else {
                throw LedgerError.malformedWitnessRequest("proof line \(number + 1) is not the base64 of a 32-byte hash")
            }
            proof.append(hash)
        }
        self.init(oldSize: size, proof: proof, checkpoint: String(text[blank.upperBound...]))
    }

    /// The request body.
    public var body: String {
        "old \(oldSize)\n" + proof.map { $0.base64 + "\n" }.joined() + "\n" + checkpoint
    }
}

/// What a witness knows of one log: its keys and the latest checkpoint it cosigned.
public struct WitnessedLog: Equatable, Sendable {
    /// The log's origin line.
    public let origin: String
    /// The log's keys; a checkpoint must be signed by one of them.
    public let verifiers: [NoteVerifier]
    /// The size of the latest checkpoint cosigned (0 when none).
    public let size: Int
    /// Its root hash (the empty tree's when none).
    public let root: Hash

    /// Creates a record.
    public init(origin: String, verifiers: [NoteVerifier], size: Int = 0, root: Hash = .emptyTree) {
        self.origin = origin
        self.verifiers = verifiers
        self.size = size
        self.root = root
    }
}

/// Where a witness keeps its logs' state: one record per log, moved forward only by a compare-and-set, so that two
/// requests checked at once can never roll a log back (tlog-witness requires the check and the update to be atomic).
public protocol WitnessStateStore: Sendable {
    /// The log with this origin, or nil when the witness does not witness it.
    func witnessedLog(origin: String) async throws -> WitnessedLog?
    /// Records that the log moved from (`fromSize`, `fromRoot`) to (`size`, `root`), if it is still at the former.
    /// - Returns: true if it was, and is now recorded at the new size; false if another request moved it first.
    func advance(origin: String, fromSize: Int, fromRoot: Hash, toSize size: Int, root: Hash) async throws -> Bool
}

/// A witness (C2SP tlog-witness v1.0.0): cosigns a log's checkpoint only when it is consistent with the latest one it
/// cosigned for that log, so that a log that shows two histories to two readers gets at most one of them cosigned.
public struct Witness: Sendable {
    /// The witness's cosigning key.
    public let signer: CosignatureSigner
    /// Its state.
    public let store: any WitnessStateStore
    /// The POSIX time for cosignatures.
    public let clock: @Sendable () -> UInt64

    /// Creates a witness.
    public init(signer: CosignatureSigner, store: any WitnessStateStore, clock: @escaping @Sendable () -> UInt64 = { UInt64(Date().timeIntervalSince1970) }) {
        self.signer = signer
        self.store = store
        self.clock = clock
    }

    /// What the witness answers to `add-checkpoint`.
    public struct Response: Hashable, Sendable {
        /// The HTTP status: 200, 400, 403, 404, 409 or 422.
        public let status: Int
        /// The body's media type.
        public let contentType: String
        /// The body: cosignature lines on 200, the latest cosigned size on 409, a message for people otherwise.
        public let body: String

        static func failure(_ status: Int, _ message: String) -> Response {
            Response(status: status, contentType: "text/plain; charset=utf-8", body: message + "\n")
        }
    }

    /// Checks a request and, when it holds, records the new checkpoint and cosigns it, as tlog-witness specifies:
    /// 400 for a malformed request or an old size above the checkpoint's, 404 for an unknown origin, 403 when no
    /// trusted key signed it, 409 (with the known size) when the old size is not the latest cosigned or an equal-size
    /// checkpoint has another root, 422 when the consistency proof fails.
    /// - Throws: only what the store throws (the caller answers 500 and the state is unchanged).
    public func addCheckpoint(_ body: [UInt8]) async throws -> Response {
        let request: AddCheckpointRequest
        let note: Note
        let checkpoint: Checkpoint
        do {
            request = try AddCheckpointRequest(parsing: body)
            note = try Note(parsing: request.checkpoint)
            checkpoint = try Checkpoint(text: note.text)
        } catch let error as LedgerError {
            return .failure(400, error.message)
        }
        guard let log = try await store.witnessedLog(origin: checkpoint.origin) else {
            return .failure(404, "this witness does not witness the log '\(checkpoint.origin)'")
        }
        do {
            try note.verify(by: log.verifiers)
        } catch {
            return .failure(403, "the checkpoint is not signed by a key this witness trusts for '\(checkpoint.origin)': \(error)")
        }
        guard request.oldSize <= checkpoint.size else {
            return .failure(400, "the old size \(request.oldSize) is above the checkpoint's size \(checkpoint.size)")
        }
        guard request.oldSize == log.size else { return conflict(log.size) }
        if request.oldSize == checkpoint.size {
            guard request.proof.isEmpty, checkpoint.root == log.root else {
                return .failure(409, "a checkpoint of size \(log.size) with another root was cosigned: this one is a fork")
            }
        } else {
            do {
                try ConsistencyProof(oldSize: log.size, newSize: checkpoint.size, hashes: request.proof).verify(oldRoot: log.root, newRoot: checkpoint.root)
            } catch let error as LedgerError {
                return .failure(422, "the consistency proof from size \(log.size) does not verify: \(error.message)")
            }
            guard try await store.advance(origin: log.origin, fromSize: log.size, fromRoot: log.root, toSize: checkpoint.size, root: checkpoint.root)
            else {
                // Another request moved the log on between the check and the update.
                return conflict(try await store.witnessedLog(origin: log.origin)?.size ?? log.size)
            }
        }
        let cosignature = try signer.cosign(note.text, at: clock())
        return Response(status: 200, contentType: "text/plain; charset=utf-8", body: cosignature.line)
    }

    private func conflict(_ size: Int) -> Response {
        Response(status: 409, contentType: "text/x.tlog.size", body: "\(size)\n")
    }
}
