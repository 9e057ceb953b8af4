/// A tile of a tiled log (C2SP tlog-tiles): 256 hashes of one level, or a bundle of 256 entries, or fewer at the edge.
///
/// Hash tiles at tile level `L` hold the hashes of Merkle level `8 L`: tile `N` holds the nodes `256 N ..< 256 N + W`.
/// Entry bundles hold the entries that level 0 hashes. A full tile never changes; a partial one (width below 256) is
/// replaced by wider ones as the log grows, each a prefix of the next.
public struct Tile: Hashable, Sendable, CustomStringConvertible {
    /// What a tile holds.
    public enum Kind: Hashable, Sendable {
        /// Hashes of Merkle level `8 * level`.
        case hashes(level: Int)
        /// Entries, as an entry bundle.
        case entries
    }

    /// The width of a full tile.
    public static let fullWidth = 256
    /// The longest entry an entry bundle can hold: its length prefix is 16 bits.
    public static let maximumEntrySize = 65_535
    /// The highest tile level tlog-tiles allows.
    public static let maximumLevel = 63
    /// The highest tile number: tiles past it would hold items beyond `Int.max`.
    public static let maximumIndex = Int.max / fullWidth - 1

    /// What the tile holds.
    public let kind: Kind
    /// The tile's number within its level, from 0.
    public let index: Int
    /// How many hashes or entries it holds: 1 to 256.
    public let width: Int

    /// Names a tile.
    ///
    /// - Parameters:
    ///   - kind: hashes of a level (0 to 63), or entries.
    ///   - index: the tile number, 0 to ``maximumIndex``.
    ///   - width: 1 to 256; 256 is a full tile.
    public init(kind: Kind, index: Int, width: Int = fullWidth) {
        if case .hashes(let level) = kind { precondition((0...Self.maximumLevel).contains(level), "no tile level \(level)") }
        precondition((0...Self.maximumIndex).contains(index) && (1...Self.fullWidth).contains(width), "no tile \(index) of width \(width)")
        self.kind = kind
        self.index = index
        self.width = width
    }

    /// Whether the tile holds 256 items and so will never change.
    public var isFull: Bool { width == Self.fullWidth }

    /// The tile's path under the log's prefix: `tile/<L>/<N>[.p/<W>]` or `tile/entries/<N>[.p/<W>]`.
    public var path: String {
        let level =
            switch kind {
            case .hashes(let level): String(level)
            case .entries: "entries"
            }
        return "tile/\(level)/\(Self.encode(index: index))" + (isFull ? "" : ".p/\(width)")
    }

    /// The path.
    public var description: String { path }

    /// The position of the tile's first hash within its Merkle level, or of its first entry in the log.
    var firstPosition: Int { index * Self.fullWidth }

    /// Encodes a tile number: groups of three digits, all but the last prefixed with `x` (1234067 → `x001/x234/067`).
    static func encode(index: Int) -> String {
        var groups: [String] = []
        var rest = index
        repeat {
            let group = String(rest % 1000)
            groups.append(String(repeating: "0", count: 3 - group.count) + group)
            rest /= 1000
        } while rest > 0
        return groups.reversed().enumerated().map { $0.offset < groups.count - 1 ? "x" + $0.element : $0.element }.joined(separator: "/")
    }
}

extension Tile {
    /// Parses a tile path, as a server does for a request.
    ///
    /// - Parameter path: `tile/<L>/<N>[.p/<W>]` or `tile/entries/<N>[.p/<W>]`, without the log's prefix.
    /// - Throws: ``LedgerError/Code/malformedTilePath`` for anything else, including non-canonical spellings
    ///   (`tile/00/000`, `x000/001`, `.p/256`).
    public init(path: String) throws {
        var parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 3, parts[0] == "tile" else { throw LedgerError.malformedTilePath(path, "it must start with tile/<level>/") }
        let kind: Kind
        if parts[1] == "entries" {
            kind = .entries
        } else if let level = ByteEncoding.decimal(parts[1]), level <= Self.maximumLevel {
            kind = .hashes(level: level)
        } else {
            throw LedgerError.malformedTilePath(path, "the level must be 'entries' or a number from 0 to \(Self.maximumLevel)")
        }
        parts.removeFirst(2)
        var width = Self.fullWidth
        if parts.count >= 2, parts[parts.count - 2].hasSuffix(".p") {
            guard let partial = ByteEncoding.decimal(parts.removeLast()), (1..<Self.fullWidth).contains(partial) else {
                throw LedgerError.malformedTilePath(path, "a partial tile's width must be a number from 1 to 255")
            }
            width = partial
            parts[parts.count - 1] = parts[parts.count - 1].dropLast(2)
        }
        let index = try Self.decode(index: parts, path: path)
        self.init(kind: kind, index: index, width: width)
        guard self.path == path else { throw LedgerError.malformedTilePath(path, "the canonical spelling is '\(self.path)'") }
    }

    private static func decode(index groups: [Substring], path: String) throws -> Int {
        // Seven groups reach 10^21, past Int.max; six cover every tile of a 2^63-leaf log.
        guard groups.count <= 6 else { throw LedgerError.malformedTilePath(path, "the tile number has more than 18 digits") }
        var index = 0
        for (position, group) in groups.enumerated() {
            let digits = position < groups.count - 1 ? group.dropFirst(group.hasPrefix("x") ? 1 : 0) : group
            guard position == groups.count - 1 || group.hasPrefix("x"), digits.count == 3,
                digits.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }), let value = Int(digits)
            else {
                throw LedgerError.malformedTilePath(path, "'\(group)' is not a group of the tile number (x and 3 digits, or 3 digits last)")
            }
            index = index * 1000 + value
        }
        guard index <= maximumIndex else { throw LedgerError.malformedTilePath(path, "tile \(index) lies beyond any log's \(Int.max) entries") }
        return index
    }
}

extension Tile {
    /// Every tile (entry bundles, then hash tiles level by level) of a log of `treeSize` leaves.
    public static func tiles(treeSize: Int) -> [Tile] {
        newTiles(from: 0, to: treeSize)
    }

    /// The tiles a log must write when it grows from `oldSize` to `newSize` leaves: those that are new or wider.
    ///
    /// Entry bundles come first, then hash tiles from level 0 up; a writer stores them all before it publishes the
    /// checkpoint for `newSize`.
    ///
    /// - Parameters:
    ///   - oldSize: the size whose tiles are already stored (0 for none).
    ///   - newSize: the size to write tiles for.
    /// - Returns: the tiles, with their widths at `newSize`.
    public static func newTiles(from oldSize: Int, to newSize: Int) -> [Tile] {
        let oldSize = min(max(oldSize, 0), newSize)
        var tiles = newTiles(kind: .entries, oldCount: oldSize, newCount: newSize)
        var level = 0
        while 8 * level < Int.bitWidth - 1, newSize >> (8 * level) > 0 {
            tiles += newTiles(kind: .hashes(level: level), oldCount: oldSize >> (8 * level), newCount: newSize >> (8 * level))
            level += 1
        }
        return tiles
    }

    private static func newTiles(kind: Kind, oldCount: Int, newCount: Int) -> [Tile] {
        guard newCount > oldCount else { return [] }
        return (oldCount / fullWidth...(newCount - 1) / fullWidth).map { index in
            Tile(kind: kind, index: index, width: min(fullWidth, newCount - index * fullWidth))
        }
    }

    /// The tile of this kind and number as it is in a tree of `treeSize` leaves; nil if the tree has no such tile.
    static func sized(kind: Kind, index: Int, treeSize: Int) -> Tile? {
        let shift = if case .hashes(let level) = kind { 8 * level } else { 0 }
        let width = min(fullWidth, (treeSize >> shift) - index * fullWidth)
        return width > 0 ? Tile(kind: kind, index: index, width: width) : nil
    }
}
