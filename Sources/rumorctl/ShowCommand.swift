import ArgumentParser
import RumorCore
import RumorStore

struct ShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one entry: the rumor, the reality, details and sources.",
        discussion: "Exits with status 1 when no entry has the slug.")

    @OptionGroup var databaseOptions: DatabaseOptions

    @Argument(help: "The entry's slug, e.g. machines-switched-votes (see `rumorctl list`).")
    var slug: String

    @Flag(name: .long, help: "Print the entry as JSON.")
    var json = false

    func run() async throws {
        let store = try await databaseOptions.openStore()
        let found: Entry?
        do {
            found = try await store.entry(slug: slug)
        } catch {
            throw Failure.report(error)
        }
        guard let entry = found else { throw Failure.report(KnowledgeBaseError.unknownSlug(slug)) }
        printOut(json ? entry.jsonValue.serialized(pretty: true) : entry.humanReadable)
    }
}

extension Entry {
    /// The entry as plain text for a terminal.
    var humanReadable: String {
        var lines = [
            "\(title)  [\(slug), v\(version), \(status.rawValue)]",
            "",
            "Rumor:   \(rumor)",
            "Reality: \(reality)",
            "",
            details,
            "",
            "Sources:",
        ]
        lines += sources.map { "  - \($0.title). \($0.publisher), \($0.date). \($0.url)" }
        lines += [
            "",
            "Topics: \(topics.joined(separator: ", "))",
            "Jurisdictions: \(jurisdictions.joined(separator: ", "))",
            "Created \(created), updated \(updated), last reviewed \(lastReviewed).",
        ]
        return lines.joined(separator: "\n")
    }
}
