import ArgumentParser
import Foundation
import RumorCore
import RumorStore

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export the entries as entry files or as schema.org ClaimReview JSON-LD.",
        discussion: """
            Without --output, prints one JSON array on stdout. With --output DIR, writes one file per entry \
            (<slug>.json, or <slug>.claimreview.json) into DIR, each written whole or not at all. \
            The claimreview format covers published entries only.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case json, claimreview
    }

    @OptionGroup var databaseOptions: DatabaseOptions

    @Option(name: .long, help: "json (entry files, re-importable) or claimreview (schema.org JSON-LD).")
    var format = Format.json

    @Option(name: .long, help: "A folder to write one file per entry into (created if missing).")
    var output: String?

    @Option(name: .long, help: "The public site's address, for ClaimReview URLs. Defaults to $RUMORCONTROL_SITE_URL or http://127.0.0.1:8080.")
    var siteURL: String?

    @Option(name: .long, help: "The organisation named as the reviews' author.")
    var publisher = "RumorControl"

    func run() async throws {
        do {
            let store = try await databaseOptions.openStore()
            let entries = try await store.entries(status: format == .claimreview ? .published : nil)
            let site = siteURL ?? ProcessInfo.processInfo.environment["RUMORCONTROL_SITE_URL"] ?? SiteURL.defaultBase
            let files: [(name: String, text: String)] = entries.map { entry in
                switch format {
                case .json: (entry.slug + ".json", entry.jsonValue.serialized())
                case .claimreview:
                    (entry.slug + ".claimreview.json",
                     jsonText(ClaimReview(entry: entry, url: SiteURL.entry(slug: entry.slug, base: site),
                                          publisher: .organization(name: publisher, url: site))))
                }
            }
            guard let output else {
                printOut("[\n" + files.map(\.text).joined(separator: ",\n") + "\n]")
                return
            }
            try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
            for file in files {
                try Data((file.text + "\n").utf8).write(to: URL(fileURLWithPath: output).appendingPathComponent(file.name), options: .atomic)
            }
            FileHandle.standardError.write(Data("wrote \(files.count) files to \(output)\n".utf8))
        } catch {
            throw Failure.report(error)
        }
    }
}
