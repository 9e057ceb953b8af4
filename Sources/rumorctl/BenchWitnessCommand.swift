import ArgumentParser
import Foundation
import Hummingbird
import Logging
import RumorLedger
import RumorServer
import RumorStore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

struct BenchWitnessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "witness",
        abstract: "add-checkpoint requests per second through one witness: its rules and SQLite state, then over HTTP.",
        discussion: """
            Makes --logs logs, each with its own key, witnessed by one witness whose state is a SQLite file in a \
            temporary folder. Each round, every log grows by one leaf and sends its new checkpoint with a consistency \
            proof from the size the witness cosigned: --rounds rounds in all. Measures (1) the witness itself, in \
            process: parsing, the log's signature, the proof, the compare-and-set in SQLite and the cosignature, one \
            request after another; and (2) the same over HTTP through `witness serve`'s application on a free port, \
            --concurrency requests in flight (the client runs in this process too). Request bodies are made before the \
            clock starts. Run under `taskset -c 0` for one core. Prints a Markdown table.
            """)

    @Option(name: .long, help: "Logs witnessed.")
    var logs = 1000

    @Option(name: .long, help: "Checkpoints each log sends, one per round.")
    var rounds = 3

    @Option(name: .long, help: "HTTP requests in flight at once.")
    var concurrency = 8

    func run() async throws {
        guard logs >= 1, rounds >= 1, concurrency >= 1 else {
            Failure.printError("--logs, --rounds and --concurrency must be positive")
            throw Failure.badInput
        }
        let folder = NSTemporaryDirectory() + "rumorcontrol-bench-witness-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // Two passes over fresh states: in process, then over HTTP.
        var figures: [(String, Double, Int)] = []
        for pass in ["in process", "over HTTP"] {
            let state = try SQLiteWitnessState(path: folder + "/\(pass == "in process" ? "a" : "b").sqlite")
            let (witness, requests) = try await prepare(state: state)
            let start = DispatchTime.now()
            let statuses = pass == "in process" ? try await inProcess(witness, requests) : try await overHTTP(witness, requests)
            let elapsed = seconds(since: start)
            guard statuses.allSatisfy({ $0 == 200 }) else {
                Failure.printError("\(statuses.filter { $0 != 200 }.count) of \(statuses.count) requests were not cosigned (\(pass))")
                throw ExitCode.failure
            }
            let count = requests.reduce(0) { $0 + $1.count }
            figures.append((pass, Double(count) / elapsed, count))
        }
        var table = "| add-checkpoint, \(logs) logs × \(rounds) rounds | requests | requests/s |\n|---|---|---|\n"
        for (pass, rate, count) in figures { table += "| \(pass) | \(count) | \(String(format: "%.0f", rate)) |\n" }
        printOut(table)
    }

    /// A witness over `state` that knows every log, and every round's requests in order.
    private func prepare(state: SQLiteWitnessState) async throws -> (Witness, [[[UInt8]]]) {
        var memoryLogs: [MemoryLog] = []
        var signers: [NoteSigner] = []
        for index in 0..<logs {
            let signer = try NoteSigner.generate(name: "bench.example/log-\(index)")
            try await state.addLog(origin: signer.name, verifiers: [signer.verifier])
            var log = MemoryLog()
            for leaf in 0..<100 { _ = try log.append(Array("log \(index) leaf \(leaf)".utf8)) }
            memoryLogs.append(log)
            signers.append(signer)
        }
        var requests: [[[UInt8]]] = []
        var known = [Int](repeating: 0, count: logs)
        for round in 0..<rounds {
            var batch: [[UInt8]] = []
            for index in 0..<logs {
                _ = try memoryLogs[index].append(Array("log \(index) round \(round)".utf8))
                let log = memoryLogs[index]
                let proof = known[index] == 0 ? [] : try log.consistencyProof(from: known[index], to: log.size).hashes
                let note = try log.checkpoint(origin: signers[index].name).signed(by: signers[index])
                batch.append(Array(AddCheckpointRequest(oldSize: known[index], proof: proof, checkpoint: note).body.utf8))
                known[index] = log.size
            }
            requests.append(batch)
        }
        let witness = Witness(signer: try CosignatureSigner.generate(name: "bench.example/witness"), store: state)
        return (witness, requests)
    }

    private func inProcess(_ witness: Witness, _ rounds: [[[UInt8]]]) async throws -> [Int] {
        var statuses: [Int] = []
        for round in rounds {
            for body in round { statuses.append(try await witness.addCheckpoint(body).status) }
        }
        return statuses
    }

    /// Each round's requests over HTTP, `concurrency` at a time; a round starts when the one before has finished (a
    /// log's next checkpoint needs the witness to have taken its last).
    private func overHTTP(_ witness: Witness, _ rounds: [[[UInt8]]]) async throws -> [Int] {
        var logger = Logger(label: "bench-witness")
        // The server is cancelled when the run ends; its shutdown notes are not the benchmark's output.
        logger.logLevel = .critical
        let listening = AsyncStream<Int>.makeStream()
        let application = buildWitnessApplication(witness: witness, host: "127.0.0.1", port: 0, logger: logger) { port in
            listening.continuation.yield(port)
        }
        return try await withThrowingTaskGroup(of: [Int].self) { group in
            group.addTask {
                try await application.runService()
                return []
            }
            var ports = listening.stream.makeAsyncIterator()
            guard let port = await ports.next() else { return [] }
            let configuration = URLSessionConfiguration.ephemeral
            configuration.httpMaximumConnectionsPerHost = concurrency
            let session = URLSession(configuration: configuration)
            let url = URL(string: "http://127.0.0.1:\(port)/add-checkpoint")!
            var statuses: [Int] = []
            for round in rounds {
                statuses += try await withThrowingTaskGroup(of: [Int].self) { senders in
                    for lane in 0..<concurrency {
                        senders.addTask {
                            var answered: [Int] = []
                            for body in stride(from: lane, to: round.count, by: concurrency).map({ round[$0] }) {
                                var request = URLRequest(url: url)
                                request.httpMethod = "POST"
                                request.httpBody = Data(body)
                                let (_, response) = try await session.data(for: request)
                                answered.append((response as? HTTPURLResponse)?.statusCode ?? 0)
                            }
                            return answered
                        }
                    }
                    return try await senders.reduce(into: []) { $0 += $1 }
                }
            }
            group.cancelAll()
            return statuses
        }
    }
}
