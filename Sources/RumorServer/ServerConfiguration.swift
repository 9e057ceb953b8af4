import Foundation
import RumorMatch
import RumorStore

/// How the server runs: where it listens, how it names itself, and its limits.
///
/// `rumorctl serve` fills this from flags, then `RUMORCONTROL_*` environment variables, then these defaults.
public struct ServerConfiguration: Sendable {
    /// The address to listen on.
    public var host = "127.0.0.1"
    /// The port to listen on (0 picks a free one).
    public var port = 8080
    /// The public address of the site, used in links, feeds, JSON-LD and labels; nil for `http://host:port`.
    public var publicURL: String?
    /// The organisation named as publisher in ClaimReview and the feed.
    public var publisher = "RumorControl"
    /// The largest post, in bytes, that the label API and the check form accept.
    public var maxPostBytes = 64 * 1024
    /// The largest body, in bytes, that one batch request may send.
    public var maxBatchBytes = 1 << 30
    /// How long browsers and caches may reuse a page without asking again, in seconds.
    public var pageMaxAge = 60
    /// Threads that accept connections and answer requests; nil for one per core.
    public var eventLoopThreads: Int?
    /// The file holding the public log's signing key (created, mode 0600, at first start); nil for
    /// ``defaultLogKeyPath(for:)``. Replicas sharing a PostgreSQL database must share this key too.
    public var logKeyPath: String?
    /// The public log's origin (the first line of its checkpoints and its key's name); nil for the site's host
    /// and port followed by `/log`.
    public var logOrigin: String?
    /// Who may call the label API: everyone, or only holders of an API token.
    public var labelAccess = LabelAccess.open
    /// Requests that run the matcher (label, batch label, the check form and searches) per second each caller (API
    /// token, or client address) may make in the long run (bursts of twice as many); 0 turns the limit off.
    public var labelRateLimit = 20.0
    /// How long a browser session lasts.
    public var sessionLifetime: Duration = .seconds(8 * 3600)

    /// Who may call the label API.
    public enum LabelAccess: String, Sendable, CaseIterable {
        /// Anyone.
        case open
        /// Only requests with `Authorization: Bearer` and a valid token (either scope).
        case token
    }

    /// The witnesses asked to cosign each new checkpoint (``WitnessCosigner``); none by default.
    public var witnesses: [WitnessEndpoint] = []
    /// How many of them must cosign for `/readyz` to report the log as witnessed.
    public var witnessQuorum = 0
    /// How long a moderator holds the post the desk handed them before it may go to another moderator.
    public var queueLease: Duration = .seconds(600)
    /// After how many days the texts of queued posts are deleted (their rows, decisions and counts stay).
    public var queueRetentionDays = 30
    /// How the emerging-rumors view groups posts; nil for the shipped model (``ClusteringModel/shipped()``).
    public var clusteringModel: ClusteringModel?

    /// Creates the default configuration.
    public init() {}

    /// The log's origin as configured or derived from the site's address.
    public var resolvedLogOrigin: String {
        if let logOrigin { return logOrigin }
        var host = baseURL
        if let scheme = host.range(of: "://") { host = String(host[scheme.upperBound...]) }
        return host + "/log"
    }

    /// The site's base address without a trailing slash.
    public var baseURL: String {
        var url = publicURL ?? "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    /// `rumorcontrol-log.key` beside a SQLite database; for PostgreSQL, in the data folder
    /// (`~/.local/share/rumorcontrol/`).
    public static func defaultLogKeyPath(for store: any SiteStore) -> String {
        let database = (store as? SQLiteEntryStore)?.path ?? DatabaseLocation.defaultPath()
        return ((database as NSString).deletingLastPathComponent as NSString).appendingPathComponent("rumorcontrol-log.key")
    }
}
