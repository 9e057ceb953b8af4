/// A whole log in memory: entries, every node hash, tiles and proofs. The reference for stores, and what tests use.
///
/// Appending costs amortised O(1) hashing; memory is about 64 bytes of hashes per entry plus the entries.
public struct MemoryLog: HashReader, TileReader, Sendable {
    /// `levels[l][i]` is the hash of ``NodeIndex`` (l, i).
    private var levels: [[Hash]] = []
    private var entries: [[UInt8]] = []
    private var range = CompactRange()

    /// An empty log.
    public init() {}

    /// The number of entries.
    public var size: Int { range.size }

    /// The root hash of the whole log.
    public var root: Hash { range.root }

    /// Appends an entry.
    ///
    /// - Parameter entry: at most ``Tile/maximumEntrySize`` bytes.
    /// - Returns: the entry's index.
    /// - Throws: ``LedgerError/Code/oversizeEntry`` for a longer entry; nothing is appended then.
    @discardableResult
    public mutating func append(_ entry: [UInt8]) throws -> Int {
        for completed in try range.append(entry: entry) {
            if completed.node.level == levels.count { levels.append([]) }
            levels[completed.node.level].append(completed.hash)
        }
        entries.append(entry)
        return entries.count - 1
    }

    /// The entry at an index.
    ///
    /// - Throws: ``LedgerError/Code/outOfRange`` if the log has no such entry.
    public func entry(at index: Int) throws -> [UInt8] {
        guard entries.indices.contains(index) else { throw LedgerError.outOfRange("the log has no entry \(index); it has \(size)") }
        return entries[index]
    }

    /// The checkpoint of the whole log, to sign.
    ///
    /// - Parameter origin: the log's name.
    /// - Throws: ``LedgerError/Code/malformedCheckpoint`` for an origin that is empty or spans lines.
    public func checkpoint(origin: String) throws -> Checkpoint {
        try Checkpoint(origin: origin, size: size, root: root)
    }

    /// The hashes of the given nodes.
    ///
    /// - Throws: ``LedgerError/Code/outOfRange`` for a node that is not complete yet.
    public func hashes(at indices: [NodeIndex]) throws -> [Hash] {
        try indices.map { node in
            guard node.level < levels.count, node.index < levels[node.level].count else {
                throw LedgerError.outOfRange("node \(node) is not complete in a log of \(size) entries")
            }
            return levels[node.level][node.index]
        }
    }

    /// The bytes of tiles and entry bundles, as of the current size or, for narrower tiles, any earlier one.
    ///
    /// - Throws: ``LedgerError/Code/outOfRange`` for a tile wider than the log has yet.
    public func readTiles(_ tiles: [Tile]) throws -> [[UInt8]] {
        try tiles.map { tile in
            let items = tile.firstPosition..<tile.firstPosition + tile.width
            switch tile.kind {
            case .entries:
                guard items.upperBound <= entries.count else { throw LedgerError.outOfRange("the log has no \(tile.path) yet") }
                return try Tile.encode(entries: entries[items])
            case .hashes:
                return try hashTile(tile)
            }
        }
    }
}
