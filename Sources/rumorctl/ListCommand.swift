import ArgumentParser
import Foundation
import RumorCore
import RumorStore

struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the entries: slug, status, version and title.",
        discussion: "With --json, prints a JSON array of the entries (the latest version of each) with every field.")

    @OptionGroup var databaseOptions: DatabaseOptions

    @Flag(name: .long, help: "Print a JSON array of the entries instead of a table.")
    var json = false

    @Option(name: .long, help: "Only entries with this status (draft, in_review, published, retracted).")
    var status: EntryStatus?

    func run() async throws {
        let store = try await databaseOptions.openStore()
        let entries: [Entry]
        do {
            entries = try await store.entries(status: status)
        } catch {
            throw Failure.report(error)
        }
        if json {
            printOut(entries.jsonText)
            return
        }
        let slugWidth = entries.map(\.slug.count).max() ?? 4
        for entry in entries {
            let slug = entry.slug.padding(toLength: slugWidth, withPad: " ", startingAt: 0)
            let status = entry.status.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)
            printOut("\(slug)  \(status)  v\(entry.version)  \(entry.title)")
        }
    }
}

extension EntryStatus: ExpressibleByArgument {}
