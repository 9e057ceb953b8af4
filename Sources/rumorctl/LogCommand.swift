import ArgumentParser
import Foundation
import RumorLedger
import RumorMonitor

struct LogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Check a RumorControl site's public log.",
        subcommands: [LogVerifyCommand.self, LogReceiptCommand.self])
}

struct LogVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a site against its signed log: checkpoint, consistency, tiles, and every entry it serves.",
        discussion: """
            Fetches the checkpoint and checks its signature (with --key, else the key kept in the state file, else the \
            key at /log/key, trusted on first use); checks that it extends the last checkpoint seen (kept in the state \
            file); rebuilds the tree from every tile and entry bundle; then fetches every entry the site serves and checks \
            that each logged entry is still served, in the version and with the hash its latest leaf records, and that \
            every served entry has a leaf.

            Prints one line per problem and a summary on stdout. Exit status: 0 when everything verified, 1 for a problem \
            or an unreachable site, 2 for bad arguments. The state file (JSON: vkey, origin, checkpoint) is written, \
            atomically, only when everything verified; without --state nothing is kept between runs.

            With --witness keys, the checkpoint must also carry valid cosignatures (C2SP tlog-cosignature) from \
            --quorum of those witnesses, or it is refused: a log that shows you a history its witnesses have not seen \
            (a split view) fails here.
            """)

    @Option(name: .long, help: "The site's base URL, e.g. http://127.0.0.1:8080.")
    var url: String

    @Option(name: .long, help: "A file that keeps the log's key and the last verified checkpoint between runs.")
    var state: String?

    @Option(name: .long, help: "The log's verifier key, <name>+<key ID>+<base64 key>.")
    var key: String?

    @Option(name: .long, help: "Seconds one request may take.")
    var timeout: Double = 30

    @Option(name: .long, help: "Requests in flight at once.")
    var concurrency = 16

    @Flag(name: .long, help: "Check the log only, not the site's entries.")
    var logOnly = false

    @OptionGroup var witnessOptions: WitnessQuorumOptions

    func run() async throws {
        guard let source = HTTPLogSource(baseURL: url, timeout: timeout) else {
            Failure.printError("--url '\(url)' is not an http or https URL with a host")
            throw Failure.badInput
        }
        guard timeout > 0, concurrency >= 1 else {
            Failure.printError("--timeout and --concurrency must be positive")
            throw Failure.badInput
        }
        if let key {
            do {
                _ = try NoteVerifier(vkey: key)
            } catch {
                Failure.printError("--key: \(error)")
                throw Failure.badInput
            }
        }
        let (witnesses, quorum) = try witnessOptions.resolved()
        let showsProgress = isatty(STDERR_FILENO) == 1
        var progress: (@Sendable (String) -> Void)? = nil
        if showsProgress {
            progress = { line in FileHandle.standardError.write(Data("\r\u{1B}[Klog verify: \(line)".utf8)) }
        }
        var monitor = LogMonitor(source: source, vkey: key, concurrency: concurrency, checkingEntries: !logOnly, progress: progress)
        monitor.witnesses = witnesses
        monitor.quorum = quorum
        let report: MonitorReport
        do {
            if let state {
                report = try await monitor.verify(stateFile: state)
            } else {
                report = await monitor.verify(state: nil)
            }
        } catch {
            if showsProgress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            Failure.printError(String(describing: error))
            throw ExitCode.failure
        }
        if showsProgress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }

        for note in report.notes { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
        for problem in report.problems { printOut(problem.message) }
        printOut(report.summary)
        guard report.isOK else { throw ExitCode.failure }
    }
}

struct LogReceiptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receipt",
        abstract: "Check one entry version's receipt offline: the log's signature, the inclusion proof, and witnesses' cosignatures.",
        discussion: """
            The receipt is the file at /rumors/<slug>/versions/<n>/receipt (C2SP tlog-proof) and the record the file at \
            .../record (the leaf it proves). No network is used. With --witness keys, the receipt's checkpoint must also \
            carry valid cosignatures from --quorum of them. Exit status: 0 when it holds, 1 when it does not, 2 for bad \
            arguments.
            """)

    @Option(name: .long, help: "The receipt file.")
    var receipt: String

    @Option(name: .long, help: "The record file: the leaf the receipt proves.")
    var record: String

    @Option(name: .long, help: "The log's verifier key, <name>+<key ID>+<base64 key> (the site's /log/key).")
    var key: String

    @OptionGroup var witnessOptions: WitnessQuorumOptions

    func run() async throws {
        let verifier: LogVerifier
        do {
            verifier = try LogVerifier(vkey: key)
        } catch {
            Failure.printError("--key: \(error)")
            throw Failure.badInput
        }
        let (witnesses, quorum) = try witnessOptions.resolved()
        guard let receiptData = FileManager.default.contents(atPath: receipt), let recordData = FileManager.default.contents(atPath: record) else {
            Failure.printError("cannot read \(FileManager.default.fileExists(atPath: receipt) ? record : receipt)")
            throw Failure.badInput
        }
        do {
            let (checkpoint, cosigned) = try verifier.checkReceipt(
                String(decoding: receiptData, as: UTF8.self), entry: Array(recordData), witnesses: witnesses, quorum: quorum)
            let witnessed = witnesses.isEmpty ? "" : ", cosigned by " + (cosigned.isEmpty ? "none" : cosigned.map(\.witness.name).joined(separator: ", "))
            printOut("receipt ok: the record is in the log of \(checkpoint.size) leaves with root \(checkpoint.root.base64)\(witnessed)")
        } catch {
            printOut("receipt refused: \(error)")
            throw ExitCode.failure
        }
    }
}

/// The witnesses a reader trusts and how many of them must have cosigned (`log verify`, `log receipt`).
struct WitnessQuorumOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "A witness whose cosignature counts: its verifier key, <name>+<key ID>+<base64 key> (as `rumorctl witness serve` prints it); repeatable.",
            valueName: "vkey"))
    var witness: [String] = []

    @Option(name: .long, help: "How many of the --witness keys must have cosigned the checkpoint (default: all of them).")
    var quorum: Int?

    /// The parsed keys and the quorum, or a message and exit status 2.
    func resolved() throws -> (witnesses: [CosignatureVerifier], quorum: Int) {
        var witnesses: [CosignatureVerifier] = []
        for key in witness {
            do {
                witnesses.append(try CosignatureVerifier(vkey: key))
            } catch {
                Failure.printError("--witness: \(error)")
                throw Failure.badInput
            }
        }
        let quorum = quorum ?? witnesses.count
        guard quorum >= 0, quorum <= witnesses.count else {
            Failure.printError("--quorum \(quorum) asks for more cosignatures than the \(witnesses.count) --witness keys given can make")
            throw Failure.badInput
        }
        return (witnesses, quorum)
    }
}
