import Foundation
import RumorCore
import RumorLedger
import RumorMonitor
import RumorStore

/// A RumorControl site built from real parts: the shipped knowledge base, a MemoryLog of its LogRecords signed by a
/// NoteSigner, served from memory the way the server lays out its files.
struct FakeSite {
    static let origin = "rumorcontrol.test/log"

    let signer: NoteSigner
    /// The leaves, in order.
    var records: [LogRecord]
    /// What the site serves.
    var entries: [Entry]
    /// The earlier versions of updated entries, by slug.
    var earlier: [String: Entry]

    /// The shipped entries, each published; the first two updated to version 2, the third retracted.
    static func shipped() throws -> FakeSite {
        let signer = try NoteSigner.generate(name: origin)
        var entries = try ShippedKnowledgeBase.entries().sorted { $0.slug < $1.slug }
        var records: [LogRecord] = []
        var earlier: [String: Entry] = [:]
        for (position, entry) in entries.enumerated() {
            records.append(try record(entry, action: .publish, time: "2024-10-01T12:00:00Z"))
            if position < 2 {
                earlier[entry.slug] = entry
                entries[position].version = entry.version + 1
                entries[position].details += "\n\nUpdated with the state's certified results."
                entries[position].updated = "2024-11-20"
            }
        }
        for position in 0..<2 {
            records.append(try record(entries[position], action: .update, time: "2024-11-20T09:30:00Z"))
        }
        earlier[entries[2].slug] = entries[2]
        entries[2].status = .retracted
        entries[2].version += 1
        records.append(try record(entries[2], action: .retract, time: "2024-11-21T10:00:00Z", reason: "merged into another entry"))
        return FakeSite(signer: signer, records: records, entries: entries, earlier: earlier)
    }

    /// The leaf that records `entry` as it is.
    static func record(_ entry: Entry, action: LogRecord.Action, time: String, reason: String? = nil) throws -> LogRecord {
        try LogRecord(
            slug: entry.slug, version: entry.version, action: action, entrySHA256: LogMonitor<MemoryLogSource>.sha256(entry), author: "ana",
            reviewer: "ben", time: time, reason: reason)
    }

    /// The log of the first `count` records (all by default).
    func log(count: Int? = nil) throws -> MemoryLog {
        var log = MemoryLog()
        for record in records.prefix(count ?? records.count) { try log.append(record.canonicalJSON) }
        return log
    }

    /// The site's files.
    func source(logCount: Int? = nil) throws -> MemoryLogSource {
        var source = MemoryLogSource()
        try source.publish(log: log(count: logCount), signer: signer)
        source.publish(entries: entries)
        return source
    }

    /// The entry served under a slug.
    func entry(_ slug: String) -> Entry {
        entries.first { $0.slug == slug }!
    }

    /// A state as a monitor keeps it after verifying the log of the first `count` records.
    func state(count: Int? = nil) throws -> MonitorState {
        MonitorState(vkey: signer.verifier.vkey, origin: Self.origin, checkpoint: try log(count: count).checkpoint(origin: Self.origin).signed(by: signer))
    }
}

/// A site that answers every request with an error, to stand for a server that is down.
struct FailingSource: LogSource {
    func fetch(_ path: String) async throws -> [UInt8]? {
        throw MonitorError.network(location(of: path), "connection refused")
    }

    func location(of path: String) -> String { "http://127.0.0.1:9/" + path }
}

/// A temporary directory removed at deinit.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "rumor-monitor-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
