import ArgumentParser
import Foundation
import RumorCore
import RumorStore

/// The `--database` option every command that reads or writes entries shares.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The database: a SQLite file, or a postgres://user@host:5432/database URL.",
            discussion: """
                Defaults to $RUMORCONTROL_DATABASE, else ~/.local/share/rumorcontrol/rumorcontrol.sqlite. Created (a file) \
                or migrated (PostgreSQL) and seeded with the shipped knowledge base when new.
                """,
            valueName: "path-or-url"))
    var database: String?

    /// Opens the store, seeding a fresh one with the shipped knowledge base; reports failures as exit status 1.
    func openStore() async throws -> any SiteStore {
        let location = DatabaseLocation.resolve(flag: database)
        do {
            if PostgresSiteStore.handles(location) { return try await PostgresSiteStore(url: location, seed: try ShippedKnowledgeBase.entries()) }
            return try SQLiteEntryStore(path: location, seed: try ShippedKnowledgeBase.entries())
        } catch {
            throw Failure.report(error)
        }
    }
}

/// Prints an error for people on stderr and turns it into an exit status.
enum Failure {
    /// Exit status for bad input (invalid entry files).
    static let badInput = ExitCode(2)

    /// Writes `message` to stderr, prefixed `error: `.
    static func printError(_ message: String) {
        FileHandle.standardError.write(Data(("error: " + message + "\n").utf8))
    }

    /// Reports any error on stderr and picks the exit status: 2 for invalid input, 1 otherwise.
    static func report(_ error: any Error) -> ExitCode {
        if let error = error as? ExitCode { return error }
        printError(String(describing: error))
        if let error = error as? KnowledgeBaseError, error.code == .invalidEntries { return badInput }
        return .failure
    }
}

/// Writes text to standard output.
func printOut(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

/// Pretty JSON with sorted keys, for output meant for machines that has no schema order of its own.
func jsonText(_ value: some Encodable) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: (try? encoder.encode(value)) ?? Data(), as: UTF8.self)
}

extension Array where Element == Entry {
    /// The entries as a pretty JSON array, fields in schema order.
    var jsonText: String {
        JSONValue.array(map { JSONNode($0.jsonValue, line: 0) }).serialized(pretty: true)
    }
}
