/// Reads tiles and entry bundles: from a store's files or rows, or from a log's web server.
public protocol TileReader {
    /// The bytes of each tile, in order.
    ///
    /// Asked for a tile narrower than the one it holds, a reader answers with the prefix: a tile of width W is the
    /// first W items of every wider version of it.
    ///
    /// - Parameter tiles: hash tiles or entry bundles.
    /// - Returns: one byte array per tile.
    /// - Throws: whatever the store or network throws.
    func readTiles(_ tiles: [Tile]) throws -> [[UInt8]]
}

extension TileReader {
    /// ``readTiles(_:)``, checked to answer every tile.
    func checkedTiles(_ tiles: [Tile]) throws -> [[UInt8]] {
        guard !tiles.isEmpty else { return [] }
        let data = try readTiles(tiles)
        guard data.count == tiles.count else { throw LedgerError.readerMismatch(requested: tiles.count, returned: data.count) }
        return data
    }
}

/// Answers node hashes from the hash tiles of a tree of a given size: the way a client or a tile-storing server builds
/// proofs.
///
/// A node at Merkle level `8 L + k` is computed from `2^k` hashes of a tile at level `L`; each tile is read once per call.
/// Tiles are not checked here: a proof built from a wrong tile fails verification against a signed root.
public struct TileHashReader<Reader: TileReader>: HashReader {
    /// The size of the tree whose tiles are read; it sets the width of the edge tiles.
    public let treeSize: Int
    /// Where the tiles come from.
    public let reader: Reader

    /// Reads the tree of `treeSize` leaves through `reader`.
    public init(treeSize: Int, reader: Reader) {
        self.treeSize = treeSize
        self.reader = reader
    }

    /// The hashes of the given nodes, from as few tiles as cover them.
    ///
    /// - Throws: ``LedgerError/Code/outOfRange`` for a node not complete in the tree; ``LedgerError/Code/malformedTile``
    ///   for a tile of the wrong length; what the reader throws.
    public func hashes(at indices: [NodeIndex]) throws -> [Hash] {
        let places = try indices.map(place)
        let tiles = Array(Set(places.map(\.tile)))
        let contents = try zip(tiles, reader.checkedTiles(tiles)).map { try $0.decodeHashes($1) }
        let hashesByTile = Dictionary(uniqueKeysWithValues: zip(tiles, contents))
        return places.map { place in
            TreeMath.perfectRoot(hashesByTile[place.tile]![place.offset..<place.offset + place.count])
        }
    }

    /// The tile a node is computed from, and which of its hashes.
    private func place(_ node: NodeIndex) throws -> (tile: Tile, offset: Int, count: Int) {
        guard node.index < treeSize >> node.level else {
            throw LedgerError.outOfRange("node \(node) is not complete in a tree of \(treeSize) leaves")
        }
        let (level, height) = node.level.quotientAndRemainder(dividingBy: 8)
        let first = node.index << height
        let (index, offset) = first.quotientAndRemainder(dividingBy: Tile.fullWidth)
        // A complete node lies inside the tile as wide as it is at this tree size.
        let tile = Tile.sized(kind: .hashes(level: level), index: index, treeSize: treeSize)!
        return (tile, offset, 1 << height)
    }
}
