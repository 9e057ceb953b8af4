import Foundation
import Logging
import RumorLedger
import ServiceLifecycle
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A witness the log asks for cosignatures: its verifier key and the URL prefix of its `add-checkpoint`.
public struct WitnessEndpoint: Sendable, Hashable {
    /// The witness's key.
    public let verifier: CosignatureVerifier
    /// Its submission prefix, e.g. `https://witness.example.org` (the request goes to `<prefix>/add-checkpoint`).
    public let url: String

    /// A witness from its key and URL.
    public init(verifier: CosignatureVerifier, url: String) {
        self.verifier = verifier
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
    }

    /// Parses `<name>+<key ID>+<base64 key>+<URL>`: the witness's verifier key, a `+`, and its URL prefix.
    /// - Throws: ``LedgerError/Code/malformedKey`` saying which part is wrong.
    public init(parsing text: String) throws {
        // The key's base64 may hold '+' itself: it is 44 characters (33 bytes) after the second '+'.
        let parts = text.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[2].count > 45, parts[2].dropFirst(44).first == "+" else {
            throw LedgerError.malformedKey("a witness is <name>+<key ID>+<base64 key>+<URL>, not '\(text.prefix(200))'")
        }
        let url = String(parts[2].dropFirst(45))
        guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
            throw LedgerError.malformedKey("the witness '\(parts[0])' has no http or https URL after its key, but '\(url)'")
        }
        self.init(verifier: try CosignatureVerifier(vkey: "\(parts[0])+\(parts[1])+\(parts[2].prefix(44))"), url: url)
    }
}

/// Where one witness stands, for `/readyz`, the `/log` page and the metrics.
public struct WitnessStatus: Sendable, Hashable {
    /// The witness's name.
    public var name: String
    /// The size of the latest checkpoint it cosigned for this server (nil before the first).
    public var cosignedSize: Int?
    /// The size it says it last cosigned (from a 409), or that it cosigned.
    public var knownSize = 0
    /// Why the last request failed, when it did.
    public var lastError: String?
    /// Consecutive failures, for the backoff.
    public var failures = 0
    /// When the next request may be sent.
    public var notBefore = ContinuousClock.now
    /// Whether a request to it is on its way.
    var inFlight = false
}

/// Asks the configured witnesses to cosign each new checkpoint (C2SP tlog-witness), in the background, with retries
/// and exponential backoff; the cosignatures received go into ``PublicLog``, which serves them on the checkpoint and in
/// receipts. A witness that is down or refuses never stops the site: the checkpoint is served with what it has.
final class WitnessCosigner: Service, Sendable {
    let endpoints: [WitnessEndpoint]
    let quorum: Int
    private let log: PublicLog
    private let metrics: ServerMetrics
    private let logger: Logger
    private let session: URLSession
    private let statuses: Mutex<[String: WitnessStatus]>
    /// How often witnesses that failed are looked at for a retry (a new checkpoint is sent as soon as the store
    /// reports a change).
    static let retryInterval = Duration.milliseconds(500)
    /// The longest wait between retries to a failing witness.
    static let maximumBackoff = Duration.seconds(60)

    init(endpoints: [WitnessEndpoint], quorum: Int, log: PublicLog, metrics: ServerMetrics, logger: Logger) {
        self.endpoints = endpoints
        self.quorum = quorum
        self.log = log
        self.metrics = metrics
        self.logger = logger
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 10
        session = URLSession(configuration: configuration)
        statuses = Mutex(Dictionary(uniqueKeysWithValues: endpoints.map { ($0.verifier.name, WitnessStatus(name: $0.verifier.name)) }))
    }

    /// Each witness's status, in the order configured.
    var current: [WitnessStatus] {
        let statuses = statuses.withLock { $0 }
        return endpoints.compactMap { statuses[$0.verifier.name] }
    }

    /// Whether at least ``quorum`` witnesses cosigned the largest size any of them cosigned.
    func quorumCosigned(_ statuses: [WitnessStatus]) -> Bool {
        guard let latest = statuses.compactMap(\.cosignedSize).max() else { return false }
        return statuses.filter { $0.cosignedSize == latest }.count >= quorum
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { for await _ in self.log.changes() { await self.round() } }
                group.addTask {
                    while !Task.isCancelled {
                        await self.round()
                        try? await Task.sleep(for: Self.retryInterval)
                    }
                }
            }
        }
    }

    /// Sends the current checkpoint to every witness that has not cosigned it and may be asked now.
    func round() async {
        let note: Note
        do {
            note = try Note(parsing: try await log.signedCheckpoint())
        } catch {
            return  // the site's own /log/checkpoint reports why there is none
        }
        guard let checkpoint = try? Checkpoint(text: note.text) else { return }
        let now = ContinuousClock.now
        // Each witness not yet holding this checkpoint, not waiting out a backoff and not already being asked.
        let due = endpoints.filter { endpoint in
            let needed = !log.hasCosignature(by: endpoint.verifier, on: note.text)
            return needed && statuses.withLock { statuses in
                guard let status = statuses[endpoint.verifier.name], !status.inFlight, status.notBefore <= now else { return false }
                statuses[endpoint.verifier.name]?.inFlight = true
                return true
            }
        }
        await withTaskGroup(of: Void.self) { group in
            for endpoint in due {
                group.addTask {
                    await self.ask(endpoint, note: note, checkpoint: checkpoint)
                    self.statuses.withLock { $0[endpoint.verifier.name]?.inFlight = false }
                }
            }
        }
    }

    /// One witness, one checkpoint: tries from the size it is believed to know, once more from the size a 409 gives.
    private func ask(_ endpoint: WitnessEndpoint, note: Note, checkpoint: Checkpoint) async {
        let name = endpoint.verifier.name
        let start = ContinuousClock.now
        var outcome: Result<Note.Signature, WitnessRequestError> = .failure(.init("not sent"))
        for _ in 0..<2 {
            let known = statuses.withLock { $0[name]?.knownSize ?? 0 }
            outcome = await send(endpoint, note: note, checkpoint: checkpoint, oldSize: known)
            guard case .failure(let error) = outcome, let size = error.witnessSize else { break }
            statuses.withLock { $0[name]?.knownSize = size }
        }
        metrics.recordWitnessRequest(witness: name, succeeded: (try? outcome.get()) != nil, duration: ContinuousClock.now - start)
        switch outcome {
        case .success(let cosignature):
            log.addCosignature(cosignature, by: endpoint.verifier, on: note.text)
            statuses.withLock {
                $0[name]?.cosignedSize = checkpoint.size
                $0[name]?.knownSize = checkpoint.size
                $0[name]?.lastError = nil
                $0[name]?.failures = 0
            }
        case .failure(let error):
            let backoff = statuses.withLock { statuses -> Duration in
                let failures = (statuses[name]?.failures ?? 0) + 1
                let backoff = min(Self.maximumBackoff, .milliseconds(500) * (1 << min(failures - 1, 8)))
                statuses[name]?.failures = failures
                statuses[name]?.lastError = error.message
                statuses[name]?.notBefore = ContinuousClock.now + backoff
                return backoff
            }
            logger.warning(
                "witness did not cosign", metadata: ["witness": "\(name)", "size": "\(checkpoint.size)", "error": "\(error.message)", "retry_in": "\(backoff)"])
        }
    }

    private func send(_ endpoint: WitnessEndpoint, note: Note, checkpoint: Checkpoint, oldSize: Int) async -> Result<Note.Signature, WitnessRequestError> {
        guard oldSize <= checkpoint.size else {
            return .failure(.init("the witness has cosigned size \(oldSize), larger than this log's \(checkpoint.size): it saw another history of this log"))
        }
        let proof: [Hash]
        do {
            proof = oldSize == 0 ? [] : try await log.consistencyProof(from: oldSize, to: checkpoint.size)
        } catch {
            return .failure(.init("no consistency proof from size \(oldSize): \(error)"))
        }
        var request = URLRequest(url: URL(string: endpoint.url + "/add-checkpoint")!)
        request.httpMethod = "POST"
        request.httpBody = Data(AddCheckpointRequest(oldSize: oldSize, proof: proof, checkpoint: note.serialized).body.utf8)
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: request)
        } catch {
            return .failure(.init("no answer from \(endpoint.url): \(error.localizedDescription)"))
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        let body = String(decoding: data, as: UTF8.self)
        switch status {
        case 200:
            guard let lines = try? Note(parsing: note.text + "\n" + body),
                let cosignature = lines.signatures.first(where: { endpoint.verifier.matches($0) && endpoint.verifier.timestamp(of: $0.signature, for: note.text) != nil })
            else {
                return .failure(.init("the witness answered 200 without a valid cosignature by its key"))
            }
            return .success(cosignature)
        case 409:
            if let size = Int(body.trimmingCharacters(in: .whitespacesAndNewlines)), size != oldSize { return .failure(.init("stale size", witnessSize: size)) }
            return .failure(.init("409 Conflict: \(body.prefix(200).trimmingCharacters(in: .whitespacesAndNewlines))"))
        default:
            return .failure(.init("\(status): \(body.prefix(200).trimmingCharacters(in: .whitespacesAndNewlines))"))
        }
    }
}

/// Why a witness did not cosign.
struct WitnessRequestError: Error {
    var message: String
    /// The size the witness says it knows (a 409 with a size body).
    var witnessSize: Int?

    init(_ message: String, witnessSize: Int? = nil) {
        self.message = message
        self.witnessSize = witnessSize
    }
}
