import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOPosix
import RumorCore
import RumorStore

/// Builds the RumorControl web application: the public site, the JSON API and the operational endpoints, over a
/// store and a matcher that loads in the background. `rumorctl serve` and the tests both call this.
/// - Parameters:
///   - configuration: where to listen, the public address, limits.
///   - store: the entries, editors and log (SQLite by default, or PostgreSQL).
///   - logger: the server's logger.
///   - onServerRunning: called with the bound port once the server listens (port 0 picks a free one).
///   - loadMatcher: builds the matcher; run in the background after the server starts.
/// - Returns: the application, ready for `runService()` or HummingbirdTesting.
/// - Throws: when the store cannot be read or the shipped templates are missing.
public func buildApplication(
    configuration: ServerConfiguration,
    store: any SiteStore,
    logger: Logger,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in },
    loadMatcher: @escaping @Sendable () async throws -> LoadedMatcher
) async throws -> some ApplicationProtocol {
    let renderer = try await PageRenderer()
    let stylesheet = try ServerAssets.stylesheet()
    let stylesheetURL = SitePath.stylesheet + "?v=" + stylesheet.etag.trimmingCharacters(in: ["\""]).prefix(12)
    let keyPath = configuration.logKeyPath ?? ServerConfiguration.defaultLogKeyPath(for: store)
    let log = try PublicLog(store: store, keyPath: keyPath, origin: configuration.resolvedLogOrigin)
    let site = try await SiteState(store: store, log: log, configuration: configuration, renderer: renderer, stylesheetURL: stylesheetURL)
    let matcher = MatcherService(logger: logger, load: loadMatcher)
    let metrics = ServerMetrics()

    let router = Router(context: SiteRequestContext.self)
    router.add(middleware: MetricsMiddleware(metrics: metrics))
    router.add(middleware: SecurityHeadersMiddleware(https: configuration.baseURL.hasPrefix("https://")))
    router.add(middleware: ProblemMiddleware(renderer: renderer, stylesheet: stylesheetURL))
    router.add(middleware: AuthMiddleware(store: store))
    let limiter = configuration.labelRateLimit > 0 ? RateLimiter(rate: configuration.labelRateLimit, burst: max(1, 2 * configuration.labelRateLimit)) : nil
    SiteRoutes(site: site, matcher: matcher, metrics: metrics, stylesheet: stylesheet, limiter: limiter).add(to: router)
    let witnesses = configuration.witnesses.isEmpty
        ? nil : WitnessCosigner(endpoints: configuration.witnesses, quorum: configuration.witnessQuorum, log: log, metrics: metrics, logger: logger)
    APIRoutes(site: site, matcher: matcher, metrics: metrics, openAPI: try ServerAssets.openAPI(), limiter: limiter, witnesses: witnesses).add(to: router)
    LogRoutes(log: log, site: site, witnesses: witnesses).add(to: router)
    let workflow = Workflow(site: site, matcher: matcher)
    EditorRoutes(workflow: workflow, throttle: LoginThrottle(), hasher: .standard).add(to: router)
    DraftAPIRoutes(workflow: workflow, maxBodyBytes: 1 << 20).add(to: router)
    ModerationRoutes(site: site, script: try ServerAssets.deskScript()).add(to: router)

    var application = Application(
        router: router,
        // One page-cache handler per connection (the configuration's closure runs for each), and idle connections
        // are closed after two minutes.
        server: .http1(configuration: .init(
            additionalChannelHandlers: [PageCacheHandler(site: site, metrics: metrics, stylesheet: stylesheet, https: configuration.baseURL.hasPrefix("https://"))], idleTimeout: .seconds(120))),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "RumorControl"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        eventLoopGroupProvider: configuration.eventLoopThreads.map { .shared(MultiThreadedEventLoopGroup(numberOfThreads: $0)) } ?? .singleton,
        logger: logger
    )
    application.addServices(matcher, SiteRefresher(site: site, matcher: matcher, logger: logger),
                            QueueRetention(store: store, days: configuration.queueRetentionDays, logger: logger))
    if let witnesses { application.addServices(witnesses) }
    return application
}

/// The static files shipped in the module: the stylesheet and the OpenAPI document.
enum ServerAssets {
    static func stylesheet() throws -> CachedResource {
        try resource("assets/site.css", contentType: MediaTypes.css, cacheControl: "public, max-age=31536000, immutable")
    }

    /// The moderation desk's keyboard shortcuts.
    static func deskScript() throws -> CachedResource {
        try resource("assets/desk.js", contentType: MediaTypes.javascript, cacheControl: "public, max-age=3600")
    }

    static func openAPI() throws -> CachedResource {
        try resource("openapi.json", contentType: MediaTypes.json, cacheControl: "public, max-age=3600")
    }

    private static func resource(_ path: String, contentType: String, cacheControl: String) throws -> CachedResource {
        guard let url = Bundle.module.resourceURL?.appendingPathComponent(path), let data = FileManager.default.contents(atPath: url.path) else {
            throw Problem(.internalServerError, detail: "the program's resource \(path) is missing; rebuild RumorControl")
        }
        return CachedResource(bytes: Array(data), contentType: contentType, cacheControl: cacheControl, route: "/" + path)
    }
}
