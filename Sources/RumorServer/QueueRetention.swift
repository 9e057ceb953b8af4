import Foundation
import Logging
import RumorStore
import ServiceLifecycle

/// Deletes the texts of queued posts once they are older than the retention limit (posts are personal data), when
/// the server starts and every hour after; the rows, decisions and counts stay.
struct QueueRetention: Service {
    let store: any SiteStore
    let days: Int
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelledOrShuttingDown {
                do {
                    let purged = try await store.purgeQueuedTexts(queuedBefore: Date().addingTimeInterval(-Double(days) * 86_400))
                    if purged > 0 { logger.info("deleted the texts of \(purged) queued posts older than \(days) days") }
                } catch {
                    logger.error("could not delete the texts of old queued posts: \(error)")
                }
                try? await Task.sleep(for: .seconds(3600))
            }
        }
    }
}
