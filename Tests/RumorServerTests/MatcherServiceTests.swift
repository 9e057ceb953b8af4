import Foundation
import Logging
import RumorServer
import ServiceLifecycle
import Synchronization
import Testing

@Suite("The matcher service")
struct MatcherServiceTests {
    @Test("a server asked to stop does not wait for a matcher still loading, and a load that fails is reported")
    func stopsWhileLoading() async throws {
        let logger = Logger(label: "test")
        // A load that ignores cancellation, as building a matcher does (CPU work that cannot stop halfway); it ends
        // long after the service should have stopped (a loaded test machine can be slow, but not this slow).
        let finished = Mutex(false)
        let slow = MatcherService(logger: logger) {
            await withCheckedContinuation { continuation in
                DispatchQueue.global().asyncAfter(deadline: .now() + 240) {
                    finished.withLock { $0 = true }
                    continuation.resume()
                }
            }
            throw CancellationError()
        }
        let group = ServiceGroup(services: [slow], gracefulShutdownSignals: [], cancellationSignals: [], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await Task.sleep(for: .milliseconds(300))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(!finished.withLock { $0 }, "the service waited for the load to finish")
        guard case .loading = slow.current else {
            Issue.record("an abandoned load must leave the state as it was")
            return
        }
        // A load that fails quickly is reported, not abandoned.
        let failing = MatcherService(logger: logger) { throw CocoaError(.fileNoSuchFile) }
        let second = ServiceGroup(services: [failing], gracefulShutdownSignals: [], cancellationSignals: [], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await second.run() }
            let deadline = ContinuousClock.now + .seconds(10)
            while case .loading = failing.current, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            await second.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        guard case .failed(let reason) = failing.current else {
            Issue.record("a failed load must be reported")
            return
        }
        #expect(reason.contains("could not start"))
    }
}
