import Logging
import NIOPosix
import RumorCore
import RumorMatch
import ServiceLifecycle
import Synchronization

/// The matcher and the sentence embedder it runs on, ready to use.
public struct LoadedMatcher: Sendable {
    /// The matcher over the published entries.
    public var matcher: RumorMatcher
    /// The embedder, shared with site search.
    public var embedder: SentenceEmbedder
    /// Why posts in Spanish are read with the English model alone (the multilingual model is missing or damaged, or
    /// the operator turned it off); nil when the matcher reads them across languages.
    public var crossLingualOffReason: String?
    /// Why labels are not verified (the stage was not asked for, or its file is missing or damaged); nil when the
    /// matcher has its verification stage.
    public var verifierOffReason: String?
    /// Whether the operator asked for the verification stage, so that its absence is a fault worth a warning.
    public var verifierAskedFor: Bool

    /// Pairs a matcher with its embedder.
    public init(
        matcher: RumorMatcher, embedder: SentenceEmbedder, crossLingualOffReason: String? = nil, verifierOffReason: String? = nil,
        verifierAskedFor: Bool = false
    ) {
        self.matcher = matcher
        self.embedder = embedder
        self.verifierAskedFor = verifierAskedFor
        self.crossLingualOffReason = matcher.readsAcrossLanguages ? nil : (crossLingualOffReason ?? "the matcher was built without the multilingual model")
        self.verifierOffReason = matcher.verifier != nil ? nil : (verifierOffReason ?? "the matcher was built without the verifier")
    }
}

/// Loads the matcher in the background when the server starts, so the site answers at once and the labeling routes
/// (and `/readyz`) report "not ready" until the model is in memory.
///
/// It is a `Service`: it runs beside the HTTP server and ends with it.
public final class MatcherService: Service, Sendable {
    /// Where loading stands.
    public enum State: Sendable {
        /// Loading has not finished.
        case loading
        /// The matcher is ready.
        case ready(LoadedMatcher)
        /// Loading failed; the message says why and what to do.
        case failed(String)
    }

    private let load: @Sendable () async throws -> LoadedMatcher
    private let state = Mutex<State>(.loading)
    private let logger: Logger

    /// Creates the service.
    /// - Parameter load: builds the matcher; its error message is shown to API clients, so it must say what to do.
    public init(logger: Logger, load: @escaping @Sendable () async throws -> LoadedMatcher) {
        self.load = load
        self.logger = logger
    }

    /// The current state.
    public var current: State { state.withLock { $0 } }

    /// The matcher, or a 503 problem saying why there is none yet.
    func ready() throws -> LoadedMatcher {
        switch current {
        case .ready(let loaded): return loaded
        case .loading: throw Problem.matcherUnavailable("The matcher is still loading its model; try again in a few seconds.")
        case .failed(let reason): throw Problem.matcherUnavailable(reason)
        }
    }

    /// Runs the matcher on posts on the shared thread pool, away from the event loops; each result comes with the
    /// stage that decided it.
    func match(_ texts: [String]) async throws -> [(result: MatchResult, stage: RumorMatcher.Stage)] {
        let matcher = try ready().matcher
        return try await NIOThreadPool.singleton.runIfActive { matcher.matchWithStages(texts) }
    }

    /// Matches posts and says which of them the moderation desk keeps (``RumorMatcher/matchForQueue(_:origins:)``), on the thread pool.
    func match(_ texts: [String], origins: [PostOrigin?]) async throws -> (decided: [(result: MatchResult, stage: RumorMatcher.Stage)], queued: [QueueSubmission]) {
        let matcher = try ready().matcher
        return try await NIOThreadPool.singleton.runIfActive { matcher.matchForQueue(texts, origins: origins) }
    }

    private let reloads = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))

    /// Asks for the matcher to be built again over the current entries; the old one answers until the new one is ready.
    func reload() { reloads.continuation.yield() }

    public func run() async throws {
        // A server asked to stop does not wait for a load in progress (seconds of CPU, more on a first start).
        await cancelWhenGracefulShutdown {
            await self.loadOnce()
            for await _ in self.reloads.stream { await self.loadOnce() }
        }
    }

    private func loadOnce() async {
        do {
            let start = ContinuousClock.now
            let loaded = try await Self.abandoningOnCancellation(load)
            state.withLock { $0 = .ready(loaded) }
            let seconds = (ContinuousClock.now - start) / .seconds(1)
            logger.notice("matcher ready", metadata: ["entries": "\(loaded.matcher.entries.count)", "milliseconds": "\(Int(seconds * 1000))"])
            if let reason = loaded.crossLingualOffReason {
                logger.warning("posts in Spanish are read with the English model alone", metadata: ["reason": "\(reason)"])
            }
            if let reason = loaded.verifierOffReason {
                logger.log(
                    level: loaded.verifierAskedFor ? .warning : .notice, "labels are not verified; the scorer alone decides",
                    metadata: ["reason": "\(reason)"])
            }
        } catch is CancellationError {
            return
        } catch {
            // A matcher that worked keeps answering when a reload fails.
            if case .ready = current { logger.error("matcher reload failed: \(error)"); return }
            state.withLock { $0 = .failed("The matcher could not start: \(error)") }
            logger.error("matcher failed to load: \(error)")
        }
    }

    /// Runs `work` in a task of its own and waits for it, but throws `CancellationError` at once when the waiting task
    /// is cancelled: building a matcher cannot stop halfway, and whoever cancels (a server shutting down) should not
    /// wait for it. The abandoned work finishes on its own and its result is dropped.
    static func abandoningOnCancellation<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let waiter = ContinuationSlot<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                waiter.hold(continuation)
                if Task.isCancelled { waiter.resume(with: .failure(CancellationError())) }
                Task {
                    do {
                        waiter.resume(with: .success(try await work()))
                    } catch {
                        waiter.resume(with: .failure(error))
                    }
                }
            }
        } onCancel: {
            waiter.resume(with: .failure(CancellationError()))
        }
    }
}

/// A continuation resumed at most once, by whichever comes first.
private final class ContinuationSlot<T: Sendable>: Sendable {
    private let slot = Mutex<CheckedContinuation<T, any Error>?>(nil)

    func hold(_ continuation: CheckedContinuation<T, any Error>) {
        slot.withLock { $0 = continuation }
    }

    func resume(with result: Result<T, any Error>) {
        slot.withLock { $0.take() }?.resume(with: result)
    }
}
