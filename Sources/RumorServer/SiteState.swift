import Logging
import RumorCore
import RumorStore
import ServiceLifecycle
import Synchronization

/// The live site: the current ``SiteSnapshot`` and what is needed to make the next one.
final class SiteState: Sendable {
    let store: any SiteStore
    let log: PublicLog
    let configuration: ServerConfiguration
    let renderer: PageRenderer
    /// The stylesheet's address, versioned by its hash so browsers may cache it for good.
    let stylesheetURL: String
    private let snapshot: Mutex<SiteSnapshot>

    init(store: any SiteStore, log: PublicLog, configuration: ServerConfiguration, renderer: PageRenderer, stylesheetURL: String) async throws {
        self.store = store
        self.log = log
        self.configuration = configuration
        self.renderer = renderer
        self.stylesheetURL = stylesheetURL
        snapshot = Mutex(try await Self.build(store: store, log: log, configuration: configuration, renderer: renderer, stylesheet: stylesheetURL))
    }

    private static func build(store: any SiteStore, log: PublicLog, configuration: ServerConfiguration, renderer: PageRenderer, stylesheet: String)
        async throws -> SiteSnapshot
    {
        let retracted = try await store.entries(status: .retracted).map(\.slug)
        return try await SiteSnapshot.build(
            store: store, configuration: configuration, renderer: renderer, stylesheet: stylesheet, records: try await log.latestRecords(retracted))
    }

    /// The site as it is now.
    var current: SiteSnapshot { snapshot.withLock { $0 } }

    /// Re-reads the store and renders the site again (after an entry changed).
    func refresh() async throws {
        let next = try await Self.build(store: store, log: log, configuration: configuration, renderer: renderer, stylesheet: stylesheetURL)
        snapshot.withLock { $0 = next }
    }

    /// The frame of a page, with the search box holding `query`.
    func chrome(query: String = "") -> Chrome { Chrome(stylesheet: stylesheetURL, query: query) }
}

/// Watches the database and, within a second of any committed change (an approval here, `rumorctl import` in
/// another process, or an edit of the file by other means), renders the site again and reloads the matcher.
struct SiteRefresher: Service {
    let site: SiteState
    let matcher: MatcherService
    let logger: Logger

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            for await _ in site.store.changes() {
                do {
                    try await site.refresh()
                    matcher.reload()
                } catch {
                    logger.error("could not re-render the site after a database change: \(error)")
                }
            }
        }
    }
}

extension Task where Success == Never, Failure == Never {
    /// Whether the service should stop: its task was cancelled or graceful shutdown began.
    static var isCancelledOrShuttingDown: Bool { Task.isCancelled || Task.isShuttingDownGracefully }
}
