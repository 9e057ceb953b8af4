extension TileReader {
    /// Recomputes a tree from its tiles, checking every tile against the level below, and returns its root.
    ///
    /// Leaf hashes come from the entry bundles (when `checkingEntries`) and must match the level-0 tiles; every hash in
    /// every higher tile must match the node computed from level 0. A monitor compares the result with the signed
    /// checkpoint's root: if they agree, every tile it read is the log's. Reads each tile once; holds one tile per level.
    ///
    /// - Parameters:
    ///   - treeSize: the size of the tree, as a checkpoint states it.
    ///   - checkingEntries: whether to read the entry bundles and hash the entries too.
    /// - Returns: the root hash computed from level 0.
    /// - Throws: ``LedgerError/Code/tileMismatch`` at the first tile that disagrees; ``LedgerError/Code/malformedTile``
    ///   for a tile of the wrong length; what the reader throws.
    public func rebuildRoot(treeSize: Int, checkingEntries: Bool = true) throws -> Hash {
        guard treeSize >= 0 else { throw LedgerError.outOfRange("a tree cannot have \(treeSize) leaves") }
        var range = CompactRange()
        var upperTiles = UpperTileCache(reader: self, treeSize: treeSize)
        for tileIndex in 0..<(treeSize + Tile.fullWidth - 1) / Tile.fullWidth {
            for leafHash in try leafHashes(tileIndex: tileIndex, treeSize: treeSize, checkingEntries: checkingEntries) {
                for completed in range.append(leafHash) where completed.node.level > 0 && completed.node.level.isMultiple(of: 8) {
                    try upperTiles.check(completed)
                }
            }
        }
        return range.root
    }

    /// The hashes of one level-0 tile, checked against its entry bundle when asked.
    private func leafHashes(tileIndex: Int, treeSize: Int, checkingEntries: Bool) throws -> [Hash] {
        let tile = Tile.sized(kind: .hashes(level: 0), index: tileIndex, treeSize: treeSize)!
        guard checkingEntries else { return try tile.decodeHashes(checkedTiles([tile])[0]) }
        let bundle = Tile(kind: .entries, index: tileIndex, width: tile.width)
        let data = try checkedTiles([tile, bundle])
        let hashes = try tile.decodeHashes(data[0])
        for (position, entry) in try bundle.decodeEntries(data[1]).enumerated() where Hash.leaf(entry) != hashes[position] {
            throw LedgerError.tileMismatch(tile.path, "hash \(position) is not the hash of entry \(tile.firstPosition + position) in \(bundle.path)")
        }
        return hashes
    }
}

/// The tile of each level above 0 that is being checked: nodes complete in order, so each tile is read once.
private struct UpperTileCache<Reader: TileReader> {
    let reader: Reader
    let treeSize: Int
    var current: [Int: (tile: Tile, hashes: [Hash])] = [:]

    init(reader: Reader, treeSize: Int) {
        self.reader = reader
        self.treeSize = treeSize
    }

    /// Checks a node computed from below against the tile that holds it.
    mutating func check(_ computed: NodeHash) throws {
        let level = computed.node.level / 8
        let (index, offset) = computed.node.index.quotientAndRemainder(dividingBy: Tile.fullWidth)
        if current[level]?.tile.index != index {
            let tile = Tile.sized(kind: .hashes(level: level), index: index, treeSize: treeSize)!
            current[level] = (tile, try tile.decodeHashes(reader.checkedTiles([tile])[0]))
        }
        let (tile, hashes) = current[level]!
        guard hashes[offset] == computed.hash else {
            throw LedgerError.tileMismatch(tile.path, "hash \(offset) is not the hash computed from the tiles below")
        }
    }
}
