import ArgumentParser
import Foundation
import RumorCore
import RumorLedger
import RumorMonitor
import RumorStore

struct BenchLogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Appends, checkpoint signatures, proofs and a monitor's full verification of an in-memory log.",
        discussion: """
            Builds a log of --leaves LogRecords (canonical JSON, about 200 bytes each) for --entries entries, each \
            updated many times; the last leaf of each entry records the hash of the version the fake site serves. Then \
            measures, as medians of --repetitions runs: appends per second into a MemoryLog, checkpoint signing, \
            inclusion and consistency proof generation from the MemoryLog (and their verification), and `log verify` \
            (LogMonitor) over the in-memory site: every tile and entry bundle fetched from memory, the tree rebuilt \
            with every entry hashed, every leaf parsed as a LogRecord, and the --entries entries fetched and hashed. \
            No network and no SQLite. Prints a Markdown table. Build in release for meaningful figures.
            """)

    @Option(name: .long, help: "Leaves in the log.")
    var leaves = 1_000_000

    @Option(name: .long, help: "Distinct entries (slugs) the leaves are for, and that the fake site serves.")
    var entries = 100

    @Option(name: .long, help: "Timed repetitions of each measurement; the median is reported.")
    var repetitions = 3

    func run() async throws {
        guard leaves >= 1, entries >= 1, entries <= leaves, repetitions >= 1 else {
            Failure.printError("--leaves and --repetitions must be positive, and --entries between 1 and --leaves")
            throw Failure.badInput
        }
        let template = try ShippedKnowledgeBase.entries()[0]
        let signer = try NoteSigner.generate(name: "bench.rumorcontrol.example/log")

        // The served entries: entry k is at the version of its last leaf.
        let served = (0..<entries).map { k in
            var entry = template
            entry.slug = "bench-entry-\(k)"
            entry.version = (leaves - 1 - k) / entries + 1
            return entry
        }
        let servedHashes = served.map(LogMonitor<MemoryLogSource>.sha256)
        var started = DispatchTime.now()
        // LogRecord's initialiser validates its time with a fresh ISO8601DateFormatter, hundreds of µs each on Linux, so
        // the leaves are spelled from the canonical form directly; a sample is checked against LogRecord below.
        func record(_ index: Int) -> [UInt8] {
            let k = index % entries
            let version = index / entries + 1
            let hex = String(index, radix: 16)
            let sha = index + entries >= leaves ? servedHashes[k] : String(repeating: "0", count: 64 - hex.count) + hex
            let action = version == 1 ? "publish" : "update"
            return Array(
                "{\"action\":\"\(action)\",\"author\":\"ana\",\"entry_sha256\":\"\(sha)\",\"reviewer\":\"ben\",\"slug\":\"bench-entry-\(k)\",\"time\":\"2024-10-01T12:00:00Z\",\"version\":\(version)}"
                    .utf8)
        }
        let records = (0..<leaves).map(record)
        for index in [0, leaves / 2, leaves - 1] where try LogRecord(canonicalJSON: records[index]).canonicalJSON != records[index] {
            Failure.printError("leaf \(index) of the benchmark is not a canonical LogRecord")
            throw ExitCode.failure
        }
        let recordSeconds = seconds(since: started)
        let averageSize = Double(records.reduce(0) { $0 + $1.count }) / Double(leaves)

        var log = MemoryLog()
        let appendSeconds = try median(
            (0..<repetitions).map { _ in
                var fresh = MemoryLog()
                let start = DispatchTime.now()
                for record in records { try fresh.append(record) }
                let elapsed = seconds(since: start)
                log = fresh
                return elapsed
            })

        let checkpoint = try log.checkpoint(origin: signer.name)
        let signatures = 1000
        let signSeconds = try median(
            (0..<repetitions).map { _ in
                let start = DispatchTime.now()
                for _ in 0..<signatures { _ = try checkpoint.signed(by: signer) }
                return seconds(since: start) / Double(signatures)
            })
        let verifier = try LogVerifier(vkey: signer.verifier.vkey)
        let signed = try checkpoint.signed(by: signer)
        let openSeconds = try median(
            (0..<repetitions).map { _ in
                let start = DispatchTime.now()
                for _ in 0..<signatures { _ = try verifier.checkpoint(signed) }
                return seconds(since: start) / Double(signatures)
            })

        let proofs = 10_000
        var generator = SystemRandomNumberGenerator()
        let leafIndices = (0..<proofs).map { _ in Int.random(in: 0..<leaves, using: &generator) }
        let oldSizes = (0..<proofs).map { _ in Int.random(in: 1...leaves, using: &generator) }
        var inclusionProofs: [InclusionProof] = []
        let inclusionSeconds = try median(
            (0..<repetitions).map { _ in
                let start = DispatchTime.now()
                inclusionProofs = try leafIndices.map { try log.inclusionProof(leafIndex: $0, treeSize: leaves) }
                return seconds(since: start) / Double(proofs)
            })
        let inclusionVerifySeconds = try median(
            (0..<repetitions).map { _ in
                let start = DispatchTime.now()
                for proof in inclusionProofs { try proof.verify(leafHash: Hash.leaf(records[proof.leafIndex]), root: checkpoint.root) }
                return seconds(since: start) / Double(proofs)
            })
        var consistencyProofs: [ConsistencyProof] = []
        let consistencySeconds = try median(
            (0..<repetitions).map { _ in
                let start = DispatchTime.now()
                consistencyProofs = try oldSizes.map { try log.consistencyProof(from: $0, to: leaves) }
                return seconds(since: start) / Double(proofs)
            })
        let oldRoots = try oldSizes.map { try log.rootHash(treeSize: $0) }
        let consistencyVerifySeconds = try median(
            (0..<repetitions).map { _ in
                let start = DispatchTime.now()
                for (proof, oldRoot) in zip(consistencyProofs, oldRoots) { try proof.verify(oldRoot: oldRoot, newRoot: checkpoint.root) }
                return seconds(since: start) / Double(proofs)
            })

        let parses = min(leaves, 1000)
        let parseSeconds = try median(
            (0..<repetitions).map { _ in
                let start = DispatchTime.now()
                for record in records.prefix(parses) { _ = try LogRecord(canonicalJSON: record) }
                return seconds(since: start) / Double(parses)
            })

        let rebuildSeconds = try median(
            (0..<repetitions).map { _ in
                let start = DispatchTime.now()
                guard try log.rebuildRoot(treeSize: leaves, checkingEntries: true) == checkpoint.root else { throw ExitCode.failure }
                return seconds(since: start)
            })

        started = DispatchTime.now()
        var site = MemoryLogSource()
        try site.publish(log: log, signer: signer)
        site.publish(entries: served)
        let publishSeconds = seconds(since: started)
        let tileCount = Tile.tiles(treeSize: leaves).count

        let monitor = LogMonitor(source: site, vkey: signer.verifier.vkey)
        var verifySeconds: [Double] = []
        for _ in 0..<repetitions {
            let start = DispatchTime.now()
            let report = await monitor.verify(state: nil)
            verifySeconds.append(seconds(since: start))
            guard report.isOK else {
                Failure.printError("the benchmark log did not verify: " + report.problems.prefix(5).map(\.message).joined(separator: "; "))
                throw ExitCode.failure
            }
        }
        // Against a state one leaf behind: adds the consistency proof from the tiles.
        let behind = try MonitorState(
            vkey: signer.verifier.vkey, origin: signer.name,
            checkpoint: Checkpoint(origin: signer.name, size: leaves - 1, root: log.rootHash(treeSize: leaves - 1)).signed(by: signer))
        var logOnlySeconds: [Double] = []
        for _ in 0..<repetitions {
            let start = DispatchTime.now()
            let report = await LogMonitor(source: site, vkey: signer.verifier.vkey, checkingEntries: false).verify(state: behind)
            logOnlySeconds.append(seconds(since: start))
            guard report.isOK else {
                Failure.printError("the benchmark log did not verify: " + report.problems.prefix(5).map(\.message).joined(separator: "; "))
                throw ExitCode.failure
            }
        }

        let verify = median(verifySeconds)
        var table = """
            RumorLedger in memory: \(leaves) leaves (LogRecord canonical JSON, \(String(format: "%.0f", averageSize)) bytes on average), \
            \(entries) entries, \(tileCount) tiles; median of \(repetitions) runs, \(ProcessInfo.processInfo.activeProcessorCount) cores

            | measurement | result |
            |---|---|
            | appends to MemoryLog | \(rate(Double(leaves) / appendSeconds)) leaves/s (\(String(format: "%.2f", appendSeconds)) s for all) |
            | checkpoint signing (Ed25519 signed note) | \(micro(signSeconds)) per signature |
            | checkpoint opening (parse + verify signature) | \(micro(openSeconds)) per checkpoint |
            | inclusion proof generation | \(micro(inclusionSeconds)) per proof (\(proofs) random leaves) |
            | inclusion proof verification | \(micro(inclusionVerifySeconds)) per proof |
            | consistency proof generation | \(micro(consistencySeconds)) per proof (\(proofs) random old sizes) |
            | consistency proof verification | \(micro(consistencyVerifySeconds)) per proof |
            | tree rebuilt from all tiles, entries hashed (`rebuildRoot`, straight from the MemoryLog) | \(String(format: "%.2f", rebuildSeconds)) s |
            | LogRecord parsing (`LogRecord(canonicalJSON:)`, which the monitor runs on every leaf) | \(micro(parseSeconds)) per record |
            | `log verify`, full (tiles, entries hashed, records parsed, \(entries) entries fetched and hashed) | \(String(format: "%.2f", verify)) s (\(rate(Double(leaves) / verify)) leaves/s) |
            | `log verify --log-only` against a state one leaf behind (adds the consistency check) | \(String(format: "%.2f", median(logOnlySeconds))) s |

            Setup, not timed above: spelling \(leaves) leaves \(String(format: "%.2f", recordSeconds)) s; rendering \
            every tile into the in-memory site \(String(format: "%.2f", publishSeconds)) s. Peak resident memory: \(peakResidentMegabytes()) MB.
            """
        table += "\n"
        printOut(table)
    }

    private func micro(_ seconds: Double) -> String {
        String(format: "%.1f µs", seconds * 1e6)
    }

    private func rate(_ value: Double) -> String {
        let formatter = NumberFormatter()
        formatter.numberStyle = .decimal
        formatter.maximumFractionDigits = 0
        return formatter.string(from: NSNumber(value: value.rounded())) ?? String(Int(value))
    }
}
