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

    /// Creates the default configuration.
    public init() {}

    /// The site's base address without a trailing slash.
    public var baseURL: String {
        var url = publicURL ?? "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }
}
