import ArgumentParser
import RumorCore
import RumorStore

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import entry files (JSON, as in kb/) into the database, all or nothing.",
        discussion: """
            Each PATH is an entry file or a folder of them (*.json). Every file is checked first; if any is \
            malformed or invalid, nothing is imported and each problem is printed as `file:line: field: what is wrong` \
            (exit status 2). An entry whose slug already exists becomes a new version; the old versions are kept. \
            An entry identical to its latest version is left alone.
            """)

    @OptionGroup var databaseOptions: DatabaseOptions

    @Argument(help: "Entry files or folders of entry files.")
    var paths: [String]

    @Option(name: .long, help: "Who is importing, recorded with each new version.")
    var actor = "import"

    func validate() throws {
        if paths.isEmpty { throw ValidationError("Give at least one entry file or folder to import.") }
    }

    func run() async throws {
        do {
            let entries = try EntryFileLoader.load(paths: paths)
            let store = try await databaseOptions.openStore()
            let outcomes = try await store.record(entries, actor: actor)
            for outcome in outcomes { printOut("\(outcome.slug): \(outcome.change.rawValue) (v\(outcome.version))") }
            let changed = outcomes.filter { $0.change != .unchanged }.count
            printOut("imported \(changed) of \(outcomes.count) entries into \(store.location)")
        } catch {
            throw Failure.report(error)
        }
    }
}
