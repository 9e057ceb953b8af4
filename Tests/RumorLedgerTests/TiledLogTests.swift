import RumorCore
import RumorLedger
import Testing

@Suite("C2SP tlog-tiles")
struct TiledLogTests {
    typealias Vector = Vectors.TiledLog

    @Test("the 15-entry log gives the published checkpoint, byte for byte")
    func publishedCheckpoint() throws {
        let log = try Vector.log()
        let signer = try NoteSigner(skey: Vector.skey)

        let note = try log.checkpoint(origin: Vector.origin).signed(by: signer)

        #expect(note == Vector.checkpoint)
        #expect(signer.verifier.vkey == Vector.vkey)
    }

    @Test("the 15-entry log has one partial entry bundle and one partial hash tile, as published")
    func publishedTiles() throws {
        let log = try Vector.log()

        let tiles = Tile.tiles(treeSize: log.size)
        let contents = try log.readTiles(tiles)

        #expect(tiles.map(\.path) == ["tile/entries/000.p/15", "tile/0/000.p/15"])
        #expect(contents[0].starts(with: [0x00, 0x03] + Array("one".utf8) + [0x00, 0x03] + Array("two".utf8)))
        #expect(try tiles[0].decodeEntries(contents[0]) == Vector.entries)
        #expect(try tiles[1].decodeHashes(contents[1]) == Vector.entries.map { Hash.leaf($0) })
        #expect(contents[1].count == 15 * 32)
    }

    @Test("a monitor rebuilds the 15-entry tree from its tiles and checks it against the signed checkpoint")
    func monitorRebuilds() throws {
        let log = try Vector.log()
        let verifier = try LogVerifier(vkey: Vector.vkey)
        let checkpoint = try verifier.checkpoint(Vector.checkpoint)

        try verifier.checkTiles(of: checkpoint, tiles: log)
        try verifier.checkTiles(of: checkpoint, tiles: log, checkingEntries: false)
        #expect(try log.rebuildRoot(treeSize: 15) == checkpoint.root)
    }

    @Test("tiles of the wrong log do not match a checkpoint")
    func wrongTiles() throws {
        var forked = try Vector.log(count: 14)
        try forked.append(Array("fifteen".utf8))
        let verifier = try LogVerifier(vkey: Vector.vkey)

        expectLedgerError(.tileMismatch) { try verifier.checkTiles(of: verifier.checkpoint(Vector.checkpoint), tiles: forked) }
    }

    @Test(
        "tile numbers are written in groups of three digits, all but the last prefixed x",
        arguments: [
            (Tile(kind: .hashes(level: 0), index: 1_234_067), "tile/0/x001/x234/067"),
            (Tile(kind: .hashes(level: 0), index: 0), "tile/0/000"),
            (Tile(kind: .hashes(level: 1), index: 999), "tile/1/999"),
            (Tile(kind: .hashes(level: 2), index: 1000), "tile/2/x001/000"),
            (Tile(kind: .hashes(level: 63), index: 5, width: 1), "tile/63/005.p/1"),
            (Tile(kind: .hashes(level: 3), index: 1_234_067, width: 255), "tile/3/x001/x234/067.p/255"),
            (Tile(kind: .entries, index: 1_234_067, width: 5), "tile/entries/x001/x234/067.p/5"),
            (Tile(kind: .entries, index: Tile.maximumIndex), "tile/entries/x036/x028/x797/x018/x963/966"),
        ])
    func paths(tile: Tile, path: String) throws {
        #expect(tile.path == path)
        #expect(try Tile(path: path) == tile)
    }

    @Test(
        "malformed tile paths give precise errors",
        arguments: [
            "tile/0/1234", "tile/0/x1/000", "tile/0/x001", "tile/0/001/000", "tile/0/x000/001", "tile/00/000", "tile/64/000",
            "tile/-1/000", "tile/0/000.p/0", "tile/0/000.p/256", "tile/0/000.p/015", "tile/0/000.p/", "tile/0/000.p", "tile/0/000/",
            "tile/entries", "tile/data/000", "tiles/0/000", "/tile/0/000", "tile/0/-01", "tile/0/x001/x002/x003/x004/x005/x006/007",
            "tile/0/x999/x999/x999/x999/x999/999", "tile/0/x036/x028/x797/x018/x963/967", "tile/0/０００", "",
        ])
    func malformedPaths(path: String) {
        expectLedgerError(.malformedTilePath) { _ = try Tile(path: path) }
    }

    @Test("truncated and oversized tiles and bundles give precise errors")
    func malformedContents() throws {
        let log = try Vector.log()
        let hashTile = Tile(kind: .hashes(level: 0), index: 0, width: 15)
        let bundle = Tile(kind: .entries, index: 0, width: 15)
        let (hashes, entries) = try (log.readTiles([hashTile])[0], log.readTiles([bundle])[0])

        expectLedgerError(.malformedTile) { _ = try hashTile.decodeHashes(Array(hashes.dropLast())) }
        expectLedgerError(.malformedTile) { _ = try hashTile.decodeHashes(hashes + [0]) }
        expectLedgerError(.malformedTile) { _ = try hashTile.decodeHashes([]) }
        expectLedgerError(.malformedTile) { _ = try hashTile.decodeEntries(entries) }
        expectLedgerError(.malformedTile) { _ = try bundle.decodeHashes(hashes) }
        expectLedgerError(.malformedTile) { _ = try bundle.decodeEntries(Array(entries.dropLast())) }
        expectLedgerError(.malformedTile) { _ = try bundle.decodeEntries(entries + [0]) }
        expectLedgerError(.malformedTile) { _ = try bundle.decodeEntries(entries + [0, 0]) }
        expectLedgerError(.malformedTile) { _ = try bundle.decodeEntries(Array(entries.dropLast(8))) }
        expectLedgerError(.malformedTile) { _ = try bundle.decodeEntries([]) }
        let error = expectLedgerError(.malformedTile) { _ = try bundle.decodeEntries(Array(entries.dropLast(2))) }
        #expect(error?.description.hasPrefix("tile/entries/000.p/15: entry 14") == true)
    }

    @Test("an entry longer than 65,535 bytes is refused; one of 65,535 is kept")
    func oversizeEntries() throws {
        var log = MemoryLog()
        var range = CompactRange()

        try log.append([UInt8](repeating: 7, count: 65_535))
        let error = expectLedgerError(.oversizeEntry) { try log.append([UInt8](repeating: 7, count: 65_536)) }
        expectLedgerError(.oversizeEntry) { try range.append(entry: [UInt8](repeating: 7, count: 70_000)) }
        expectLedgerError(.oversizeEntry) { _ = try Tile.encode(entries: [[UInt8](repeating: 7, count: 65_536)]) }

        #expect(log.size == 1 && range.size == 0)
        #expect(error?.description.contains("65536 bytes") == true)
        let bundle = Tile(kind: .entries, index: 0, width: 1)
        #expect(try bundle.decodeEntries(log.readTiles([bundle])[0]) == [[UInt8](repeating: 7, count: 65_535)])
    }

    @Test("a log read back through its tiles: new tiles per append, proofs and roots from tiles, tampering found")
    func largeLog() throws {
        // 70,000 entries reach level-2 tiles (65,536 leaves); appends in uneven batches exercise partial tiles.
        var log = MemoryLog()
        var written: [Tile.Kind: [Int: Int]] = [:]
        var generator = SeededGenerator(seed: 256)
        while log.size < 70_000 {
            let oldSize = log.size
            for _ in 0..<min(Int.random(in: 1...700, using: &generator), 70_000 - oldSize) { try log.append(Array("entry \(log.size)".utf8)) }
            for tile in Tile.newTiles(from: oldSize, to: log.size) {
                #expect(tile.width > written[tile.kind]?[tile.index] ?? 0, "\(tile) is not new")
                written[tile.kind, default: [:]][tile.index] = tile.width
            }
        }

        let expected = Dictionary(grouping: Tile.tiles(treeSize: 70_000), by: \.kind).mapValues {
            Dictionary(uniqueKeysWithValues: $0.map { ($0.index, $0.width) })
        }
        #expect(written == expected)
        #expect(
            Tile.tiles(treeSize: 70_000).filter { !$0.isFull }.map(\.path) == [
                "tile/entries/273.p/112", "tile/0/273.p/112", "tile/1/001.p/17", "tile/2/000.p/1",
            ])

        for size in [1, 255, 256, 257, 65_535, 65_536, 65_537, 69_999, 70_000] {
            let tiles = TileHashReader(treeSize: size, reader: log)
            #expect(try tiles.rootHash(treeSize: size) == log.rootHash(treeSize: size), "size \(size)")
            for index in [0, size / 3, size - 1] {
                #expect(try tiles.inclusionProof(leafIndex: index, treeSize: size) == log.inclusionProof(leafIndex: index, treeSize: size))
            }
            #expect(try tiles.consistencyProof(from: size / 2, to: size) == log.consistencyProof(from: size / 2, to: size))
            #expect(try CompactRange(size: size, reader: tiles).root == log.rootHash(treeSize: size))
        }
        #expect(try log.rebuildRoot(treeSize: 70_000) == log.root)
        #expect(try log.rebuildRoot(treeSize: 65_793, checkingEntries: false) == log.rootHash(treeSize: 65_793))

        for path in ["tile/entries/100", "tile/0/273.p/112", "tile/1/000", "tile/1/001.p/17", "tile/2/000.p/1"] {
            let tampered = TamperedTiles(log: log, tile: try Tile(path: path))
            let error = expectLedgerError(.tileMismatch) { _ = try tampered.rebuildRoot(treeSize: 70_000) }
            #expect(error?.description.hasPrefix(path.replacing("entries", with: "0")) == true, "\(error?.description ?? "")")
        }
    }

    @Test("a tile reader's mistakes are errors, not crashes")
    func readerMistakes() throws {
        let log = try Vector.log()
        let short = TamperedTiles(log: log, tile: Tile(kind: .hashes(level: 0), index: 0, width: 15), truncate: true)

        expectLedgerError(.malformedTile) { _ = try TileHashReader(treeSize: 15, reader: short).rootHash(treeSize: 15) }
        expectLedgerError(.malformedTile) { _ = try short.rebuildRoot(treeSize: 15) }
        expectLedgerError(.outOfRange) { _ = try TileHashReader(treeSize: 15, reader: log).rootHash(treeSize: 16) }
        expectLedgerError(.outOfRange) { _ = try log.readTiles([Tile(kind: .hashes(level: 0), index: 0, width: 16)]) }
        expectLedgerError(.outOfRange) { _ = try log.readTiles([Tile(kind: .entries, index: 1)]) }
        expectLedgerError(.readerMismatch) { _ = try TileHashReader(treeSize: 15, reader: SilentTiles()).rootHash(treeSize: 15) }
        expectLedgerError(.malformedTile) { _ = try log.hashTile(Tile(kind: .entries, index: 0, width: 15)) }
        expectLedgerError(.outOfRange) { _ = try log.readTiles([Tile(path: "tile/8/000.p/1")]) }
        expectLedgerError(.outOfRange) { _ = try log.readTiles([Tile(path: "tile/entries/x036/x028/x797/x018/x963/966")]) }
    }
}

/// A log's tiles with one tile changed: one byte flipped, or the last byte cut off.
struct TamperedTiles: TileReader {
    let log: MemoryLog
    let tile: Tile
    var truncate = false

    func readTiles(_ tiles: [Tile]) throws -> [[UInt8]] {
        try zip(tiles, log.readTiles(tiles)).map { requested, data in
            guard requested.kind == tile.kind, requested.index == tile.index else { return data }
            var data = data
            if truncate { data.removeLast() } else { data[data.count - 1] ^= 1 }
            return data
        }
    }
}

/// A reader that answers nothing.
struct SilentTiles: TileReader {
    func readTiles(_ tiles: [Tile]) throws -> [[UInt8]] { [] }
}
