import ArgumentParser
import Foundation
import RumorCore
import RumorStore

struct BenchStoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Appends to the public log through the SQLite store: one entry version and its leaf per transaction, and batched.",
        discussion: """
            Each append records a new entry version and its log leaf (and the tree nodes it completes) in one \
            transaction, on a fresh database in a temporary folder, with SQLite in WAL mode as `rumorctl serve` uses \
            it. Prints a Markdown table: appends per second, one per transaction and in batches, and the database's size.
            """)

    @Option(name: .long, help: "Appends made one per transaction.")
    var single = 2000

    @Option(name: .long, help: "Appends made in batches.")
    var batched = 20000

    @Option(name: .long, help: "Appends per batch.")
    var batchSize = 100

    func run() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rumorcontrol-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("bench.sqlite").path
        let store = try SQLiteEntryStore(path: path)
        let template = try ShippedKnowledgeBase.entries()[0]
        var progress = ProgressReporter(noun: "appends")
        var counter = 0
        func next() -> Entry {
            counter += 1
            var entry = template
            entry.slug = "bench-\(counter)"
            return entry
        }

        let singleStart = ContinuousClock.now
        for index in 0..<single {
            _ = try await store.record([next()], actor: "bench")
            progress.update(index + 1)
        }
        let singleSeconds = Self.seconds(ContinuousClock.now - singleStart)

        let batchStart = ContinuousClock.now
        var done = 0
        while done < batched {
            let size = min(batchSize, batched - done)
            _ = try await store.record((0..<size).map { _ in next() }, actor: "bench")
            done += size
            progress.update(single + done)
        }
        let batchSeconds = Self.seconds(ContinuousClock.now - batchStart)
        progress.finish(single + batched)

        let leaves = try await store.readLog { $0.size }
        let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        printOut("| appends (entry version + leaf + nodes) | count | seconds | appends/s |")
        printOut("|---|---|---|---|")
        printOut("| one per transaction | \(single) | \(String(format: "%.2f", singleSeconds)) | \(Int(Double(single) / singleSeconds)) |")
        printOut("| \(batchSize) per transaction | \(batched) | \(String(format: "%.2f", batchSeconds)) | \(Int(Double(batched) / batchSeconds)) |")
        printOut("\nlog size \(leaves) leaves; database \(bytes / 1024) KiB (without its WAL)")
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
