import ArgumentParser
import Foundation
import Hummingbird
import Logging
import RumorLedger
import RumorServer
import RumorStore

struct WitnessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "witness",
        abstract: "Run a witness that cosigns other sites' logs (C2SP tlog-witness), so none can show two histories.",
        discussion: """
            A witness keeps, for each log it witnesses, the latest checkpoint it cosigned, and cosigns a new one only \
            when a consistency proof shows that it extends that one. An election office, a newsroom or a university \
            runs one for another's site; readers then ask for a quorum of cosignatures (rumorctl log verify --witness).

              rumorctl witness add-log example.org/log 'example.org/log+1a2b3c4d+AbC...'   # the site's /log/key
              rumorctl witness serve --name witness.example.net/w1 --port 8090
            """,
        subcommands: [WitnessServeCommand.self, WitnessAddLogCommand.self, WitnessListCommand.self])
}

/// Where a witness keeps its state and its key.
struct WitnessOptions: ParsableArguments {
    @Option(name: .long, help: "The witness's state: a SQLite file, or a PostgreSQL URL postgres://user@host/db (default: ~/.local/share/rumorcontrol/witness.sqlite).")
    var database: String?

    @Option(name: .long, help: "The witness's private key file (default: witness.key beside the SQLite database, or in ~/.local/share/rumorcontrol/ for PostgreSQL; created, mode 0600).")
    var key: String?

    var databasePath: String {
        database ?? (((DatabaseLocation.defaultPath() as NSString).deletingLastPathComponent as NSString).appendingPathComponent("witness.sqlite"))
    }

    var keyPath: String {
        if let key { return key }
        let folder = PostgresSiteStore.handles(databasePath) ? (DatabaseLocation.defaultPath() as NSString).deletingLastPathComponent
            : (databasePath as NSString).deletingLastPathComponent
        return (folder as NSString).appendingPathComponent("witness.key")
    }

    func openState() async throws -> any WitnessLogRegistry {
        do {
            return try await openWitnessState(databasePath)
        } catch {
            throw Failure.report(error)
        }
    }

    /// The witness's key: read from ``keyPath``, or made with `name` (and kept, mode 0600) when there is none.
    func loadOrCreateKey(name: String?) throws -> CosignatureSigner {
        let manager = FileManager.default
        if let data = manager.contents(atPath: keyPath) {
            if let permissions = (try? manager.attributesOfItem(atPath: keyPath))?[.posixPermissions] as? Int, permissions & 0o077 != 0 {
                Failure.printError("the witness's key \(keyPath) may be read by others (mode \(String(permissions, radix: 8))); run chmod 600 on it")
                throw Failure.badInput
            }
            do {
                let signer = try CosignatureSigner(skey: String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
                if let name, name != signer.name {
                    Failure.printError("the key \(keyPath) is the witness '\(signer.name)', not '\(name)'; leave out --name or use another --key")
                    throw Failure.badInput
                }
                return signer
            } catch let error as LedgerError {
                Failure.printError("\(keyPath) is not a witness key: \(error)")
                throw Failure.badInput
            }
        }
        guard let name else {
            Failure.printError("there is no witness key at \(keyPath) yet: give --name (a schema-less URL such as witness.example.org/w1) to make one")
            throw Failure.badInput
        }
        let signer: CosignatureSigner
        do {
            signer = try CosignatureSigner.generate(name: name)
        } catch {
            Failure.printError("--name: \(error)")
            throw Failure.badInput
        }
        let folder = (keyPath as NSString).deletingLastPathComponent
        if !folder.isEmpty { try? manager.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        guard manager.createFile(atPath: keyPath, contents: Data((signer.skey + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            Failure.printError("cannot write the witness's key to \(keyPath); check that the folder is writable")
            throw ExitCode.failure
        }
        return signer
    }
}

struct WitnessServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve POST /add-checkpoint (C2SP tlog-witness) for the logs added with add-log.",
        discussion: """
            Prints the witness's verifier key on stderr: give it to the sites you witness (serve --witness) and to \
            their readers (log verify --witness). Answers 404 for a log it does not witness, 403 for a checkpoint not \
            signed by the log's key, 409 with the size it knows when the old size is stale or the checkpoint is a fork, \
            and 422 when the consistency proof fails. Stops on SIGTERM or SIGINT.
            """)

    @OptionGroup var options: WitnessOptions

    @Option(name: .long, help: "The witness's name, needed once, to make its key (a schema-less URL, e.g. witness.example.org/w1).")
    var name: String?

    @Option(name: .long, help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(name: .long, help: "The port to listen on (0 picks a free one).")
    var port = 8090

    func run() async throws {
        let signer = try options.loadOrCreateKey(name: name)
        let state = try await options.openState()
        let logs = try await state.logs()
        var logger = Logger(label: "rumorcontrol-witness")
        logger.logLevel = ProcessInfo.processInfo.environment["RUMORCONTROL_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .notice
        if logs.isEmpty {
            FileHandle.standardError.write(Data("note: this witness witnesses no log yet; add one with rumorctl witness add-log ORIGIN VKEY\n".utf8))
        }
        let witness = Witness(signer: signer, store: state)
        let host = host
        let application = buildWitnessApplication(witness: witness, host: host, port: port, logger: logger) { port in
            FileHandle.standardError.write(
                Data("witness \(signer.name) is serving http://\(host):\(port)/add-checkpoint for \(logs.count) logs; its key: \(signer.verifier.vkey)\n".utf8))
        }
        do {
            try await application.runService()
        } catch {
            throw Failure.report(error)
        }
    }
}

struct WitnessAddLogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add-log",
        abstract: "Witness a log: its origin and its verifier key (the site's /log/key); again to change its keys.")

    @OptionGroup var options: WitnessOptions

    @Argument(help: "The log's origin, the first line of its checkpoints.")
    var origin: String

    @Argument(help: "The log's verifier keys, <name>+<key ID>+<base64 key>; a checkpoint must be signed by one of them.")
    var vkeys: [String]

    func run() async throws {
        var verifiers: [NoteVerifier] = []
        for vkey in vkeys {
            do {
                verifiers.append(try NoteVerifier(vkey: vkey))
            } catch {
                Failure.printError("'\(vkey.prefix(120))' is not a log's verifier key: \(error)")
                throw Failure.badInput
            }
        }
        guard !verifiers.isEmpty, !origin.isEmpty, !origin.contains("\n") else {
            Failure.printError("give the log's origin and at least one verifier key")
            throw Failure.badInput
        }
        let state = try await options.openState()
        let added: Bool
        do {
            added = try await state.addLog(origin: origin, verifiers: verifiers)
        } catch {
            throw Failure.report(error)
        }
        print(added ? "witnessing \(origin)" : "updated the keys of \(origin); what was cosigned is kept")
    }
}

struct WitnessListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the logs witnessed, with the size and root of the latest checkpoint cosigned (tab-separated).")

    @OptionGroup var options: WitnessOptions

    func run() async throws {
        let state = try await options.openState()
        do {
            for log in try await state.logs() { print("\(log.origin)\t\(log.size)\t\(log.root.base64)") }
        } catch {
            throw Failure.report(error)
        }
    }
}
