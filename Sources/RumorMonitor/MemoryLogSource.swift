import RumorCore
import RumorLedger

/// A RumorControl site held in memory: paths and their bytes. For tests and benchmarks.
///
/// ``publish(log:signer:)`` and ``publish(entries:)`` lay out the files a real site serves; tests then alter
/// ``files`` to play a site that lies.
public struct MemoryLogSource: LogSource {
    /// The site's files, by path (`log/checkpoint`, `api/v1/entries/<slug>`, …); any other path is a 404.
    public var files: [String: [UInt8]]

    /// A site with these files.
    public init(files: [String: [UInt8]] = [:]) {
        self.files = files
    }

    /// The file at `path`, or nil.
    public func fetch(_ path: String) async throws -> [UInt8]? {
        files[path]
    }

    /// Serves a log as its web server does: the key, a checkpoint of the whole log signed by `signer`, and every tile
    /// and entry bundle of that size. Replaces whatever log files were there before.
    ///
    /// - Parameters:
    ///   - log: the log.
    ///   - signer: the log's key; its name is the origin.
    /// - Throws: ``LedgerError`` if the checkpoint cannot be signed or a tile cannot be read.
    public mutating func publish(log: MemoryLog, signer: NoteSigner) throws {
        files = files.filter { !$0.key.hasPrefix("log/") }
        files[SitePath.key] = Array((signer.verifier.vkey + "\n").utf8)
        files[SitePath.checkpoint] = Array(try log.checkpoint(origin: signer.name).signed(by: signer).utf8)
        let tiles = Tile.tiles(treeSize: log.size)
        for (tile, bytes) in zip(tiles, try log.readTiles(tiles)) {
            files[SitePath.tile(tile)] = bytes
        }
    }

    /// Serves entries as the site's API does: the list at `api/v1/entries` and each at `api/v1/entries/<slug>`.
    /// Replaces whatever entries were there before.
    ///
    /// - Parameter entries: the entries the site publishes (published and retracted ones).
    public mutating func publish(entries: [Entry]) {
        files = files.filter { !$0.key.hasPrefix(SitePath.entries) }
        let list = entries.map { $0.jsonValue.serialized(pretty: false) }.joined(separator: ",")
        files[SitePath.entries] = Array(("{\"entries\":[" + list + "]}").utf8)
        for entry in entries {
            files[SitePath.entry(entry.slug)] = Array(entry.jsonValue.serialized(pretty: true).utf8)
        }
    }
}
