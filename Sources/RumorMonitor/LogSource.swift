import RumorLedger

/// Where the monitor reads a RumorControl site from: its log (key, checkpoint, tiles) and its entries API.
///
/// Paths are relative to the site's base URL, without a leading slash: `log/key`, `log/checkpoint`,
/// `log/tile/0/000`, `api/v1/entries`, `api/v1/entries/<slug>`.
public protocol LogSource: Sendable {
    /// The bytes at a path.
    ///
    /// - Parameter path: a path under the site's base URL, without a leading slash.
    /// - Returns: the body of a 200 answer; nil for a 404.
    /// - Throws: ``MonitorError`` (or any error) when there is no usable answer: no connection, a timeout, another status.
    func fetch(_ path: String) async throws -> [UInt8]?

    /// How to name a path in messages: a full URL for a web site.
    func location(of path: String) -> String
}

extension LogSource {
    /// `/<path>`.
    public func location(of path: String) -> String { "/" + path }
}

/// The paths of a RumorControl site that the monitor reads.
public enum SitePath {
    /// The log's verifier key (`<name>+<key ID>+<base64 key>`, one line).
    public static let key = "log/key"
    /// The log's current signed checkpoint.
    public static let checkpoint = "log/checkpoint"
    /// Every public entry: `{"entries": [...]}`.
    public static let entries = "api/v1/entries"

    /// A tile or entry bundle of the log.
    public static func tile(_ tile: Tile) -> String { "log/" + tile.path }

    /// One entry's public JSON.
    public static func entry(_ slug: String) -> String { "api/v1/entries/" + slug }
}
