import Crypto
import Foundation
import RumorCore
import RumorLedger

/// Checks a RumorControl site against its public log: the signed checkpoint, its consistency with the last one seen, every
/// tile and entry bundle, and every entry the site serves against the latest leaf the log has for it.
///
/// Problems found are values in the ``MonitorReport``, not thrown errors: a monitor's job is to find them.
public struct LogMonitor<Source: LogSource>: Sendable {
    /// Where the site is read from.
    public let source: Source
    /// The log's verifier key to trust; nil to use the state's, or to fetch `log/key` and trust it on first use.
    public var vkey: String?
    /// How many requests to have in flight at once.
    public var concurrency: Int
    /// Whether to fetch and check the site's entries; without it only the log itself is checked.
    public var checkingEntries: Bool
    /// Called with a line now and then during long runs (fetching tiles, checking them, fetching entries).
    public var progress: (@Sendable (String) -> Void)?
    /// The witnesses whose cosignatures count (C2SP tlog-cosignature).
    public var witnesses: [CosignatureVerifier] = []
    /// How many of ``witnesses`` must have cosigned the checkpoint; 0 to accept it on the log's signature alone.
    public var quorum = 0

    /// A monitor of one site.
    ///
    /// - Parameters:
    ///   - source: where the site is read from.
    ///   - vkey: the log's verifier key to trust, if known.
    ///   - concurrency: how many requests to have in flight at once (at least 1).
    ///   - checkingEntries: whether to check the site's entries against the log.
    ///   - progress: called with progress lines during long runs.
    public init(
        source: Source, vkey: String? = nil, concurrency: Int = 16, checkingEntries: Bool = true, progress: (@Sendable (String) -> Void)? = nil
    ) {
        self.source = source
        self.vkey = vkey
        self.concurrency = max(1, concurrency)
        self.checkingEntries = checkingEntries
        self.progress = progress
    }

    /// Runs every check.
    ///
    /// 1. Picks the key: ``vkey``, else the state's, else `log/key`, trusted on first use (a note says so).
    /// 2. Fetches `log/checkpoint` and checks its signature and origin.
    /// 3. Fetches every tile and entry bundle of the checkpoint's tree and rebuilds the tree from them, hashing every entry,
    ///    against the checkpoint's root.
    /// 4. Checks that the checkpoint extends the state's last checkpoint (a consistency proof computed from the tiles).
    /// 5. Parses every leaf as a ``LogRecord`` and finds each entry's latest leaf.
    /// 6. Fetches `api/v1/entries` and each entry's document, and checks that every logged entry is still served, in the
    ///    version and with the hash of its latest leaf, and that every served entry has a leaf.
    ///
    /// A failure at steps 1 to 3 stops the run: nothing after them could be trusted.
    ///
    /// - Parameter state: what the last successful run kept; nil on a first run.
    /// - Returns: the report; its ``MonitorReport/newState`` is what to keep when everything held.
    public func verify(state: MonitorState?) async -> MonitorReport {
        var report = MonitorReport()
        guard let verifier = await openVerifier(state: state, report: &report) else { return report }
        if let checkpoint = await fetchCheckpoint(verifier: verifier, report: &report) {
            await checkLog(checkpoint, verifier: verifier, state: state, report: &report)
        }
        // Entries are checked even when the log cannot be read, so the report names every entry left unverified.
        if checkingEntries {
            await checkEntries(report: &report)
        }
        return report
    }

    private func checkLog(_ checkpoint: Checkpoint, verifier: LogVerifier, state: MonitorState?, report: inout MonitorReport) async {
        guard let tiles = await fetchTiles(treeSize: checkpoint.size, report: &report) else { return }
        progress?("checking \(checkpoint.size) leaves")
        do {
            try verifier.checkTiles(of: checkpoint, tiles: tiles, checkingEntries: true)
        } catch {
            report.problems.append(.log(.tiles, "the tiles do not give checkpoint \(checkpoint.size) \(checkpoint.root): \(error)"))
            return
        }
        if let state {
            checkConsistency(from: state, to: checkpoint, verifier: verifier, tiles: tiles, report: &report)
        }
        report.latestLeaves = await latestLeaves(tiles: tiles, treeSize: checkpoint.size, report: &report)
    }

    /// Runs every check against the state kept in a file, and saves the new state there only if everything held.
    ///
    /// - Parameter path: the state file; a missing file is a first run.
    /// - Returns: the report.
    /// - Throws: ``MonitorError/Code/stateFile`` if the file cannot be read or written; the checks' problems are in the report.
    public func verify(stateFile path: String) async throws -> MonitorReport {
        let report = await verify(state: try MonitorState.load(from: path))
        if let state = report.newState { try state.save(to: path) }
        return report
    }

    // MARK: - The key and the checkpoint

    private func openVerifier(state: MonitorState?, report: inout MonitorReport) async -> LogVerifier? {
        let vkey: String
        if let given = self.vkey {
            if let state, state.vkey != given {
                report.problems.append(
                    .log(.key, "the state file pins the key \(state.vkey), not the given \(given); remove the state file to trust another key"))
                return nil
            }
            vkey = given
        } else if let state {
            vkey = state.vkey
        } else {
            let location = source.location(of: SitePath.key)
            switch await fetch(SitePath.key) {
            case .failure(let error):
                report.problems.append(.log(.fetch, "no key to check the checkpoint with: \(error)"))
                return nil
            case .success(nil):
                report.problems.append(.log(.key, "no key to check the checkpoint with: \(location) answers 404"))
                return nil
            case .success(let bytes?):
                vkey = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                report.notes.append("trusting the log's key on first use: \(vkey) (from \(location)); pin it with --key or a --state file")
            }
        }
        do {
            let verifier = try LogVerifier(vkey: vkey, origin: state?.origin)
            report.vkey = vkey
            report.origin = verifier.origin
            return verifier
        } catch {
            report.problems.append(.log(.key, "'\(vkey.prefix(200))' is not a usable verifier key: \(error)"))
            return nil
        }
    }

    private func fetchCheckpoint(verifier: LogVerifier, report: inout MonitorReport) async -> Checkpoint? {
        let location = source.location(of: SitePath.checkpoint)
        switch await fetch(SitePath.checkpoint) {
        case .failure(let error):
            report.problems.append(.log(.fetch, "no checkpoint: \(error)"))
        case .success(nil):
            report.problems.append(.log(.checkpoint, "no checkpoint: \(location) answers 404"))
        case .success(let bytes?):
            guard let note = String(validating: bytes, as: UTF8.self) else {
                report.problems.append(.log(.checkpoint, "the checkpoint at \(location) is not UTF-8 text"))
                return nil
            }
            do {
                let checkpoint = try verifier.checkpoint(note)
                if quorum > 0 || !witnesses.isEmpty {
                    // A checkpoint without its quorum may be one history of two: nothing after this could be trusted.
                    let cosigned = try Checkpoint.open(note, verifier: verifier.verifier, witnesses: witnesses, quorum: quorum, origin: checkpoint.origin)
                        .cosigned
                    report.notes.append(
                        "the checkpoint (size \(checkpoint.size)) is cosigned by \(cosigned.count) of \(witnesses.count) trusted witnesses"
                            + (cosigned.isEmpty ? "" : ": " + cosigned.map(\.witness.name).joined(separator: ", ")))
                }
                report.checkpoint = checkpoint
                report.signedCheckpoint = note
                return checkpoint
            } catch let error as LedgerError where error.code == .quorumNotMet {
                report.problems.append(.log(.cosignatures, "the checkpoint at \(location) is refused: \(error)"))
            } catch {
                report.problems.append(.log(.checkpoint, "the checkpoint at \(location) is refused: \(error)"))
            }
        }
        return nil
    }

    // MARK: - Tiles

    private func fetchTiles(treeSize: Int, report: inout MonitorReport) async -> FetchedTiles? {
        let tiles = Tile.tiles(treeSize: treeSize)
        let results = await fetchAll(tiles.map(SitePath.tile), what: "tiles")
        var fetched = FetchedTiles()
        var failures: [MonitorProblem] = []
        for tile in tiles {
            switch results[SitePath.tile(tile)]! {
            case .success(let bytes?): fetched.tiles[tile] = bytes
            case .success(nil): failures.append(.log(.tiles, "\(tile.path) is missing: \(source.location(of: SitePath.tile(tile))) answers 404"))
            case .failure(let error): failures.append(.log(.fetch, "\(tile.path) could not be fetched: \(error)"))
            }
        }
        guard failures.isEmpty else {
            let shown = 10
            report.problems += failures.prefix(shown)
            if failures.count > shown {
                report.problems.append(.log(.tiles, "\(failures.count - shown) more of the \(tiles.count) tiles could not be fetched"))
            }
            return nil
        }
        return fetched
    }

    private func checkConsistency(
        from state: MonitorState, to checkpoint: Checkpoint, verifier: LogVerifier, tiles: FetchedTiles, report: inout MonitorReport
    ) {
        let old: Checkpoint
        do {
            old = try verifier.checkpoint(state.checkpoint)
        } catch {
            report.problems.append(.log(.consistency, "the state file's last checkpoint does not verify with its key: \(error)"))
            return
        }
        guard old.size <= checkpoint.size else {
            report.problems.append(
                .log(.consistency, "checkpoint size \(checkpoint.size) is smaller than the last seen size \(old.size): the log was rewritten"))
            return
        }
        do {
            try verifier.checkConsistency(from: old, to: checkpoint, tiles: tiles)
        } catch {
            report.problems.append(
                .log(
                    .consistency,
                    "checkpoint \(checkpoint.size) \(checkpoint.root) does not extend the last seen checkpoint \(old.size) \(old.root): "
                        + "the log was rewritten (\(error))"))
        }
    }

    // MARK: - Records

    /// Parses every leaf and keeps each slug's latest; the bundles were checked against the root already.
    private func latestLeaves(tiles: FetchedTiles, treeSize: Int, report: inout MonitorReport) async -> [String: LoggedEntry] {
        let bundles = Tile.tiles(treeSize: treeSize).filter { $0.kind == .entries }
        let chunks = stride(from: 0, to: bundles.count, by: 32).map { Array(bundles[$0..<min($0 + 32, bundles.count)]) }
        let parsed = await withTaskGroup(of: (latest: [String: LoggedEntry], problems: [(Int, MonitorProblem)]).self) { group in
            for chunk in chunks {
                group.addTask {
                    var latest: [String: LoggedEntry] = [:]
                    var problems: [(Int, MonitorProblem)] = []
                    for bundle in chunk {
                        // The rebuild decoded every bundle already, so this cannot fail.
                        let entries = (try? bundle.decodeEntries(tiles.tiles[bundle] ?? [])) ?? []
                        for (offset, entry) in entries.enumerated() {
                            let index = bundle.index * Tile.fullWidth + offset
                            do {
                                let record = try LogRecord(canonicalJSON: entry)
                                latest[record.slug] = LoggedEntry(leafIndex: index, record: record)
                            } catch {
                                problems.append((index, .log(.record, "leaf \(index) is not a log record: \(error)")))
                            }
                        }
                    }
                    return (latest, problems)
                }
            }
            var latest: [String: LoggedEntry] = [:]
            var problems: [(Int, MonitorProblem)] = []
            for await chunk in group {
                latest.merge(chunk.latest) { $0.leafIndex > $1.leafIndex ? $0 : $1 }
                problems += chunk.problems
            }
            return (latest, problems.sorted { $0.0 < $1.0 }.map(\.1))
        }
        let shown = 20
        report.problems += parsed.1.prefix(shown)
        if parsed.1.count > shown { report.problems.append(.log(.record, "\(parsed.1.count - shown) more leaves are not log records")) }
        return parsed.0
    }

    // MARK: - Entries

    private struct EntryList: Decodable {
        let entries: [Entry]
    }

    private func checkEntries(report: inout MonitorReport) async {
        // When the log could not be read or verified, no entry can be matched to it.
        let logUnreadable = report.problems.contains { $0.slug == nil }
        let listLocation = source.location(of: SitePath.entries)
        var listed: [String: Entry] = [:]
        switch await fetch(SitePath.entries) {
        case .failure(let error):
            report.problems.append(.site(.fetch, "no entries list: \(error)"))
        case .success(nil):
            report.problems.append(.site(.entryList, "no entries list: \(listLocation) answers 404"))
        case .success(let bytes?):
            do {
                for entry in try JSONDecoder().decode(EntryList.self, from: Data(bytes)).entries { listed[entry.slug] = entry }
            } catch {
                report.problems.append(.site(.entryList, "\(listLocation) is not {\"entries\": [...]} of entries: \(Self.describe(error))"))
            }
        }

        let slugs = Set(report.latestLeaves.keys).union(listed.keys).sorted()
        report.servedEntries = slugs.count
        let documents = await fetchAll(slugs.map(SitePath.entry), what: "entries")
        for slug in slugs {
            let location = source.location(of: SitePath.entry(slug))
            let leaf = report.latestLeaves[slug]
            let logged = leaf.map { "latest leaf index \($0.leafIndex), version \($0.record.version)" }
            switch documents[SitePath.entry(slug)]! {
            case .failure(let error):
                report.problems.append(.entry(slug, version: nil, .fetch, "cannot be checked: \(error)"))
            case .success(nil):
                if let leaf, let logged {
                    report.problems.append(.entry(slug, version: leaf.record.version, .entryMissing, "logged (\(logged)) but the site answers 404"))
                } else {
                    report.problems.append(.entry(slug, version: nil, .entryList, "listed at \(listLocation) but \(location) answers 404"))
                }
            case .success(let bytes?):
                report.checkedEntries += 1
                let entry: Entry
                do {
                    entry = try JSONDecoder().decode(Entry.self, from: Data(bytes))
                } catch {
                    report.problems.append(.entry(slug, version: nil, .entryDocument, "\(location) is not an entry: \(Self.describe(error))"))
                    continue
                }
                guard entry.slug == slug else {
                    report.problems.append(.entry(slug, version: entry.version, .entryDocument, "\(location) serves the entry '\(entry.slug)'"))
                    continue
                }
                let hash = Self.sha256(entry)
                if let leaf, let logged {
                    if entry.version != leaf.record.version {
                        report.problems.append(
                            .entry(
                                slug, version: entry.version, .entryVersion,
                                "served version \(entry.version), but the log's latest leaf (index \(leaf.leafIndex)) records version \(leaf.record.version)"))
                    } else if hash != leaf.record.entrySHA256 {
                        report.problems.append(
                            .entry(
                                slug, version: entry.version, .entryHash,
                                "served version \(entry.version) hashes to \(hash), but the log's latest leaf (\(logged.replacingOccurrences(of: "latest leaf ", with: ""))) records \(leaf.record.entrySHA256)"
                            ))
                    }
                } else if logUnreadable {
                    report.problems.append(
                        .entry(
                            slug, version: entry.version, .unverifiedEntry,
                            "served (version \(entry.version), \(entry.status.rawValue)) but cannot be checked: the log itself failed verification"))
                } else {
                    report.problems.append(
                        .entry(
                            slug, version: entry.version, .unloggedEntry,
                            "served (version \(entry.version), \(entry.status.rawValue)) but the log has no leaf for it: published outside the log"))
                }
                if let copy = listed[slug], Self.sha256(copy) != hash {
                    report.problems.append(
                        .entry(
                            slug, version: copy.version, .entryList,
                            "\(listLocation) lists version \(copy.version) hashing to \(Self.sha256(copy)), but \(location) serves version \(entry.version) hashing to \(hash)"
                        ))
                }
            }
        }
    }

    /// Lower-case hex SHA-256 of the entry's canonical JSON: what a leaf's `entry_sha256` records.
    public static func sha256(_ entry: Entry) -> String {
        Hex.encode(SHA256.hash(data: entry.canonicalJSON()))
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            "the field '\(key.stringValue)' is missing" + path(context.codingPath)
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context), DecodingError.dataCorrupted(let context):
            context.debugDescription + path(context.codingPath)
        default:
            String(describing: error)
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.isEmpty ? "" : " (at " + keys.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".") + ")"
    }

    // MARK: - Fetching

    private func fetch(_ path: String) async -> Result<[UInt8]?, MonitorError> {
        do {
            return .success(try await source.fetch(path))
        } catch let error as MonitorError {
            return .failure(error)
        } catch {
            return .failure(MonitorError.network(source.location(of: path), String(describing: error)))
        }
    }

    /// Fetches every path, ``concurrency`` at a time, reporting progress.
    private func fetchAll(_ paths: [String], what: String) async -> [String: Result<[UInt8]?, MonitorError>] {
        await withTaskGroup(of: (String, Result<[UInt8]?, MonitorError>).self) { group in
            var results: [String: Result<[UInt8]?, MonitorError>] = [:]
            results.reserveCapacity(paths.count)
            var next = paths.makeIterator()
            for _ in 0..<concurrency {
                guard let path = next.next() else { break }
                group.addTask { (path, await fetch(path)) }
            }
            let step = max(1, paths.count / 20)
            while let (path, result) = await group.next() {
                results[path] = result
                if results.count % step == 0 { progress?("fetched \(results.count)/\(paths.count) \(what)") }
                if let path = next.next() { group.addTask { (path, await fetch(path)) } }
            }
            return results
        }
    }
}

/// The tiles of one run, fetched ahead so the synchronous checks of ``TileReader`` can read them.
struct FetchedTiles: TileReader, Sendable {
    var tiles: [Tile: [UInt8]] = [:]

    func readTiles(_ wanted: [Tile]) throws -> [[UInt8]] {
        try wanted.map { tile in
            if let bytes = tiles[tile] { return bytes }
            // A narrower tile is a prefix of the wider one (tlog-tiles).
            if let full = tiles[Tile(kind: tile.kind, index: tile.index)] {
                let itemSize = tile.kind == .entries ? nil : Hash.byteCount
                if let itemSize { return Array(full.prefix(tile.width * itemSize)) }
            }
            throw MonitorError.missingTile(tile.path)
        }
    }
}
