import ArgumentParser
import Foundation
import RumorCore
import RumorMatch
import RumorStore

struct QueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "The moderation desk's queue: export decided posts for fitting, list, delete old texts.",
        subcommands: [QueueExportCommand.self, QueueListCommand.self, QueuePurgeCommand.self])
}

struct QueueExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the decided posts as training posts, for rumorctl fit --train and rumorctl eval --posts.",
        discussion: """
            One line per decided post whose text is still held: {"id": "queue-N", "text", "claims", "kind"}. A post \
            that asserts an entry is a claim of it; one that denies it is a refutation; an unrelated one is neutral. \
            The file is written whole or not at all.
            """)

    @Option(name: .long, help: "Where to write (JSON Lines; - for standard output).")
    var output: String

    @OptionGroup var databaseOptions: DatabaseOptions

    func run() async throws {
        let store = try await databaseOptions.openStore()
        let posts: [QueuedPost]
        do {
            posts = try await store.queuedPosts(decided: true, limit: Int.max)
        } catch {
            throw Failure.report(error)
        }
        let lines = posts.compactMap(\.trainingLine)
        let text = lines.map { $0 + "\n" }.joined()
        if output == "-" {
            FileHandle.standardOutput.write(Data(text.utf8))
        } else {
            do {
                try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
            } catch {
                throw Failure.report(error)
            }
        }
        FileHandle.standardError.write(Data("wrote \(lines.count) decided posts\(posts.count > lines.count ? " (\(posts.count - lines.count) more lost their text to the retention limit)" : "")\n".utf8))
    }
}

struct QueueListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List queued posts and the queue's counts.")

    @Flag(name: .long, help: "List the decided posts instead of the undecided ones.")
    var decided = false

    @Option(name: .long, help: "At most this many posts (default 50).")
    var limit = 50

    @OptionGroup var databaseOptions: DatabaseOptions

    func run() async throws {
        let store = try await databaseOptions.openStore()
        do {
            for post in try await store.queuedPosts(decided: decided, limit: max(1, limit)) {
                let candidates = post.candidates.map { "\($0.slug) \(String(format: "%.2f", $0.score))" }.joined(separator: ", ")
                let decision = post.decision.map { "\t\($0.outcome.rawValue)\($0.slug.map { " " + $0 } ?? "") by \(post.decidedBy ?? "?")" } ?? ""
                printOut("\(post.id)\t\(post.queuedAt.ISO8601Format())\t\(candidates)\(decision)\t\((post.text ?? "(text deleted)").prefix(100).replacingOccurrences(of: "\n", with: " "))")
            }
            let counts = try await store.queueCounts()
            let outcomes = ModerationDecision.Outcome.allCases.map { "\($0.rawValue) \(counts.decided[$0, default: 0])" }.joined(separator: ", ")
            FileHandle.standardError.write(Data("undecided \(counts.undecided); decided: \(outcomes); agreeing with the top candidate \(counts.agreeing); unmatched \(counts.unmatched)\n".utf8))
        } catch {
            throw Failure.report(error)
        }
    }
}

struct QueuePurgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge",
        abstract: "Delete the texts of queued posts older than the retention limit now (rumorctl serve does it every hour).")

    @Option(name: .long, help: "Delete the texts of posts queued more than this many days ago (default 30).")
    var retentionDays = 30

    @OptionGroup var databaseOptions: DatabaseOptions

    func validate() throws {
        guard retentionDays >= 0 else { throw ValidationError("--retention-days cannot be negative.") }
    }

    func run() async throws {
        let store = try await databaseOptions.openStore()
        do {
            let purged = try await store.purgeQueuedTexts(queuedBefore: Date().addingTimeInterval(-Double(retentionDays) * 86_400))
            printOut("deleted the texts of \(purged) queued posts")
        } catch {
            throw Failure.report(error)
        }
    }
}

struct EmergingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emerging",
        abstract: "Group the election posts that matched no entry by meaning: what is spreading that the knowledge base does not answer.",
        discussion: """
            Reads the unmatched posts kept by the label API or rumorctl label --queue (the newest 10,000), clusters \
            them (average-linkage agglomerative clustering of their embeddings, without the directions that only say how \
            a post is written, and of their words, cut at a distance; see rumorctl fit-clustering), and prints \
            each group of two or more, busiest in the last 24 hours first: its size, first and last seen, growth, top \
            terms and three representative posts. --json prints one JSON object per line instead.
            """)

    @Option(name: .long, help: "Posts end up together when their groups' average distance is at most this (default: the shipped clustering model's).")
    var threshold: Float?

    @Flag(name: .long, help: "One JSON object per cluster and line.")
    var json = false

    @OptionGroup var clusteringOptions: ClusteringOptions

    @OptionGroup var databaseOptions: DatabaseOptions

    func validate() throws {
        if let threshold, !(threshold > 0 && threshold <= 2) { throw ValidationError("--threshold is a cosine distance between 0 and 2.") }
    }

    func run() async throws {
        let store = try await databaseOptions.openStore()
        let posts: [EmergingRumors.Post]
        do {
            posts = try await store.unmatchedPosts(limit: EmergingRumors.postLimit).compactMap { EmergingRumors.Post($0.post, vector: $0.vector) }
        } catch {
            throw Failure.report(error)
        }
        let model = try clusteringOptions.model().with(threshold: threshold)
        let clusters = EmergingRumors.clusters(posts, model: model)
        for cluster in clusters {
            if json {
                printOut(cluster.json.serialized(pretty: false))
            } else {
                printOut("\(cluster.size) posts (\(cluster.lastDay) in the last 24 hours, \(cluster.dayBefore) the day before): \(cluster.topTerms.joined(separator: ", "))")
                for post in cluster.representatives { printOut("  \"\(post.text.prefix(160).replacingOccurrences(of: "\n", with: " "))\"") }
            }
        }
        if !json && clusters.isEmpty { printOut("No group of unmatched posts (\(posts.count) kept).") }
    }
}
