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
    private let refreshes = CoalescingRunner()

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

    /// Re-reads the store and renders the site again (after an entry changed); returns once the site shows everything
    /// committed before the call. Callers arriving while a render runs share the next one.
    func refresh() async throws {
        try await refreshes.run {
            let next = try await Self.build(store: self.store, log: self.log, configuration: self.configuration, renderer: self.renderer, stylesheet: self.stylesheetURL)
            self.snapshot.withLock { $0 = next }
        }
    }

    /// The frame of a page, with the search box holding `query`.
    func chrome(query: String = "") -> Chrome { Chrome(stylesheet: stylesheetURL, query: query) }
}

/// Runs a piece of work one at a time for many callers: each caller returns once a run that *started after it asked*
/// has finished, so a burst of N requests costs at most two runs, and a later run never loses to an earlier one.
actor CoalescingRunner {
    private var requested = 0
    private var completed = 0
    private var running: Task<Void, any Error>?

    func run(_ work: @escaping @Sendable () async throws -> Void) async throws {
        requested += 1
        let mine = requested
        while completed < mine {
            if let running {
                _ = await running.result
                continue
            }
            let target = requested
            let task = Task { try await work() }
            running = task
            let result = await task.result
            running = nil
            try result.get()
            completed = max(completed, target)
        }
    }
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
                // The matcher rebuilds on the thread pool meanwhile, so a new entry is labelled as soon as possible.
                matcher.reload()
                do {
                    try await site.refresh()
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
