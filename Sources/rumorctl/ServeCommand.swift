import ArgumentParser
import Foundation
import Hummingbird
import Logging
import NIOPosix
import RumorCore
import RumorMatch
import RumorServer
import RumorStore
import Synchronization

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the public site and the JSON API.",
        discussion: """
            Serves the published entries of the database (a fresh one starts with the shipped knowledge base): \
            the site at /, the API under /api/v1 (described at /api/openapi.json), /healthz, /readyz and /metrics. \
            The matcher loads in the background; until it is ready, the labeling routes answer 503 and /readyz \
            says why. Stop with Ctrl-C (SIGINT) or SIGTERM: requests in flight finish first.

            Each flag can also be set in the environment: RUMORCONTROL_HOST, RUMORCONTROL_PORT, RUMORCONTROL_SITE_URL, \
            RUMORCONTROL_MAX_POST_BYTES, RUMORCONTROL_MAX_BATCH_BYTES, RUMORCONTROL_LOG_LEVEL (trace, debug, info, \
            notice, warning, error), plus those of the database and the model. Flags win over the environment.
            """)

    @Option(name: .long, help: "The address to listen on (default 127.0.0.1; 0.0.0.0 for every interface).")
    var host: String?

    @Option(name: .long, help: "The port to listen on (default 8080; 0 picks a free one).")
    var port: Int?

    @Option(name: .long, help: "The largest post, in bytes, the label API and the check form accept (default 65536).")
    var maxPostBytes: Int?

    @Option(name: .long, help: "The largest batch body, in bytes (default 1073741824).")
    var maxBatchBytes: Int?

    @Option(name: .long, help: "The public log's signing key file (default: rumorcontrol-log.key beside the database; $RUMORCONTROL_LOG_KEY).")
    var logKey: String?

    @Option(name: .long, help: "The public log's origin (default: the site's host and port, then /log; $RUMORCONTROL_LOG_ORIGIN).")
    var logOrigin: String?

    @Option(name: .long, help: "Who may call the label API: open or token ($RUMORCONTROL_LABEL_ACCESS; default open).")
    var labelAccess: ServerConfiguration.LabelAccess?

    @Option(name: .long, help: "Label, check-form and search requests per second per caller (token or address), bursts of twice that; 0 for no limit ($RUMORCONTROL_LABEL_RATE_LIMIT; default 20).")
    var labelRateLimit: Double?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A witness to ask for cosignatures of each new checkpoint: its verifier key, a '+', and its URL (<name>+<key ID>+<base64 key>+https://host); repeatable.",
            valueName: "witness"))
    var witness: [String] = []

    @Option(name: .long, help: "How many of the --witness witnesses must cosign for /readyz to report the log as witnessed (default: a majority).")
    var witnessQuorum: Int?

    @Option(name: .long, help: "Days after which the texts of posts queued for the moderation desk are deleted; their decisions and counts stay ($RUMORCONTROL_QUEUE_RETENTION_DAYS; default 30).")
    var queueRetentionDays: Int?

    @Option(name: .long, help: "Minutes a moderator holds the post the desk handed them before another moderator may take it (default 10).")
    var queueLeaseMinutes: Int?

    @OptionGroup var clusteringOptions: ClusteringOptions

    @OptionGroup var matcherOptions: MatcherOptions

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        var configuration = ServerConfiguration()
        configuration.host = host ?? environment["RUMORCONTROL_HOST"] ?? configuration.host
        configuration.port = try port ?? Self.integer(environment, "RUMORCONTROL_PORT") ?? configuration.port
        configuration.publicURL = matcherOptions.siteURL ?? environment["RUMORCONTROL_SITE_URL"]
        configuration.maxPostBytes = try maxPostBytes ?? Self.integer(environment, "RUMORCONTROL_MAX_POST_BYTES") ?? configuration.maxPostBytes
        configuration.eventLoopThreads = try Self.integer(environment, "RUMORCONTROL_HTTP_THREADS")
        configuration.logKeyPath = logKey ?? environment["RUMORCONTROL_LOG_KEY"]
        if let limit = labelRateLimit ?? environment["RUMORCONTROL_LABEL_RATE_LIMIT"].flatMap(Double.init) {
            guard limit >= 0 else { throw ValidationError("--label-rate-limit is a number of requests per second, 0 or more.") }
            configuration.labelRateLimit = limit
        }
        configuration.logOrigin = logOrigin ?? environment["RUMORCONTROL_LOG_ORIGIN"]
        if let access = labelAccess ?? environment["RUMORCONTROL_LABEL_ACCESS"].flatMap(ServerConfiguration.LabelAccess.init(rawValue:)) {
            configuration.labelAccess = access
        }
        configuration.maxBatchBytes = try maxBatchBytes ?? Self.integer(environment, "RUMORCONTROL_MAX_BATCH_BYTES") ?? configuration.maxBatchBytes
        configuration.witnesses = try witness.map { text in
            do {
                return try WitnessEndpoint(parsing: text)
            } catch {
                throw ValidationError("--witness: \(error)")
            }
        }
        configuration.witnessQuorum = witnessQuorum ?? (configuration.witnesses.count / 2 + (configuration.witnesses.isEmpty ? 0 : 1))
        guard (0...configuration.witnesses.count).contains(configuration.witnessQuorum) else {
            throw ValidationError("--witness-quorum must be between 0 and the number of --witness witnesses (\(configuration.witnesses.count)).")
        }
        configuration.queueRetentionDays = try queueRetentionDays ?? Self.integer(environment, "RUMORCONTROL_QUEUE_RETENTION_DAYS") ?? configuration.queueRetentionDays
        guard configuration.queueRetentionDays >= 1 else { throw ValidationError("--queue-retention-days must be at least 1.") }
        if clusteringOptions.clusteringModel != nil { configuration.clusteringModel = try clusteringOptions.model() }
        if let queueLeaseMinutes {
            guard queueLeaseMinutes >= 1 else { throw ValidationError("--queue-lease-minutes must be at least 1.") }
            configuration.queueLease = .seconds(60 * queueLeaseMinutes)
        }
        guard (0...65535).contains(configuration.port) else { throw ValidationError("The port must be between 0 and 65535.") }
        guard configuration.maxPostBytes > 0, configuration.maxBatchBytes > 0 else { throw ValidationError("Limits must be positive.") }

        var logger = Logger(label: "rumorcontrol")
        logger.logLevel = environment["RUMORCONTROL_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .notice
        let store = try await matcherOptions.databaseOptions.openStore()
        let model = try matcherOptions.model()
        let modelDirectory = matcherOptions.modelOptions.modelDir
        let modelOptions = matcherOptions.modelOptions
        let base = configuration.baseURL
        let host = configuration.host
        let publicURL = configuration.publicURL
        // The model is read from disk once; a reload after a publish embeds only the texts that changed.
        let lastLoaded = Mutex<LoadedMatcher?>(nil)
        let application = try await buildApplication(
            configuration: configuration, store: store, logger: logger,
            onServerRunning: { port in
                let address = "\(host.contains(":") ? "[\(host)]" : host):\(port)"
                let line = publicURL.map { "RumorControl is serving \($0)/ from \(address) (Ctrl-C stops it)" }
                    ?? "RumorControl is serving http://\(address)/ (open it in a browser; Ctrl-C stops it)"
                FileHandle.standardError.write(Data((line + "\n").utf8))
            },
            loadMatcher: {
                let entries = try await store.entries(status: .published)
                // Loading takes seconds of CPU: do it on the thread pool, not on the threads that answer requests.
                return try await NIOThreadPool.singleton.runIfActive {
                    let previous = lastLoaded.withLock { $0 }
                    let embedder = try previous?.embedder ?? SentenceEmbedder(modelDirectory: modelDirectory, precision: model.encoderPrecision)
                    let multilingual = previous.map { ($0.matcher.multilingual, $0.crossLingualOffReason) }
                        ?? modelOptions.multilingualReading(precision: model.encoderPrecision)
                    let verification = previous.map { ($0.matcher.verifier, $0.verifierOffReason) }
                        ?? matcherOptions.verifierReading(embedder: embedder)
                    let matcher = RumorMatcher(
                        entries: entries, embedder: embedder, configuration: .init(model: model, siteURL: base),
                        reusing: previous?.matcher, multilingual: multilingual.0, verifier: verification.0)
                    let loaded = LoadedMatcher(
                        matcher: matcher, embedder: embedder, crossLingualOffReason: multilingual.1, verifierOffReason: verification.1,
                        verifierAskedFor: matcherOptions.verifying)
                    lastLoaded.withLock { $0 = loaded }
                    return loaded
                }
            })
        do {
            try await application.runService()
        } catch {
            throw Failure.report(error)
        }
    }

    static func integer(_ environment: [String: String], _ name: String) throws -> Int? {
        guard let text = environment[name] else { return nil }
        guard let value = Int(text) else { throw ValidationError("\(name) must be a whole number, not \"\(text)\".") }
        return value
    }
}

extension ServerConfiguration.LabelAccess: ExpressibleByArgument {}
