/// The bytes of tiles: a hash tile is its hashes back to back; an entry bundle is each entry after its length as a
/// big-endian `uint16`.
extension Tile {
    /// The bytes of a hash tile.
    ///
    /// - Parameter hashes: the tile's hashes, 1 to 256 of them.
    /// - Returns: the hashes' bytes, back to back.
    public static func encode(hashes: some Sequence<Hash>) -> [UInt8] {
        var data: [UInt8] = []
        data.reserveCapacity(fullWidth * Hash.byteCount)
        for hash in hashes { data += hash.bytes }
        return data
    }

    /// The hashes in a hash tile's bytes.
    ///
    /// - Parameter data: the tile as served or stored.
    /// - Returns: ``width`` hashes.
    /// - Throws: ``LedgerError/Code/malformedTile`` if this is an entry bundle or the bytes are not `32 × width`.
    public func decodeHashes(_ data: [UInt8]) throws -> [Hash] {
        guard case .hashes = kind else { throw LedgerError.malformedTile(path, "an entry bundle holds entries, not hashes") }
        guard data.count == width * Hash.byteCount else {
            throw LedgerError.malformedTile(path, "a tile of width \(width) has \(width * Hash.byteCount) bytes, not \(data.count)")
        }
        return try stride(from: 0, to: data.count, by: Hash.byteCount).map { try Hash(bytes: data[$0..<$0 + Hash.byteCount]) }
    }

    /// The bytes of an entry bundle.
    ///
    /// - Parameter entries: the bundle's entries, 1 to 256 of them.
    /// - Returns: each entry after its length as a big-endian `uint16`.
    /// - Throws: ``LedgerError/Code/oversizeEntry`` for an entry longer than ``maximumEntrySize``.
    public static func encode(entries: some Sequence<[UInt8]>) throws -> [UInt8] {
        var bundle: [UInt8] = []
        for entry in entries {
            try checkSize(of: entry)
            bundle += [UInt8(entry.count >> 8), UInt8(entry.count & 0xFF)] + entry
        }
        return bundle
    }

    /// The entries in an entry bundle's bytes.
    ///
    /// - Parameter data: the bundle as served or stored.
    /// - Returns: ``width`` entries.
    /// - Throws: ``LedgerError/Code/malformedTile`` if this is a hash tile, a record is cut off, or the bundle holds
    ///   other than ``width`` entries.
    public func decodeEntries(_ data: [UInt8]) throws -> [[UInt8]] {
        guard kind == .entries else { throw LedgerError.malformedTile(path, "a hash tile holds hashes, not entries") }
        var entries: [[UInt8]] = []
        var position = 0
        while position < data.count {
            guard entries.count < width else {
                throw LedgerError.malformedTile(path, "\(data.count - position) bytes follow the bundle's \(width) entries")
            }
            guard position + 2 <= data.count else {
                throw LedgerError.malformedTile(path, "entry \(entries.count)'s length is cut off at byte \(position)")
            }
            let length = Int(data[position]) << 8 | Int(data[position + 1])
            position += 2
            guard position + length <= data.count else {
                throw LedgerError.malformedTile(
                    path, "entry \(entries.count) has \(length) bytes but only \(data.count - position) remain")
            }
            entries.append(Array(data[position..<position + length]))
            position += length
        }
        guard entries.count == width else {
            throw LedgerError.malformedTile(path, "a bundle of width \(width) holds \(width) entries, not \(entries.count)")
        }
        return entries
    }

    /// Checks that an entry fits an entry bundle.
    ///
    /// - Throws: ``LedgerError/Code/oversizeEntry`` if it is longer than ``maximumEntrySize``.
    public static func checkSize(of entry: [UInt8]) throws {
        guard entry.count <= maximumEntrySize else { throw LedgerError.oversizeEntry(byteCount: entry.count) }
    }
}
