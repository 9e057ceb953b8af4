import ArgumentParser

/// The `rumorctl` command line.
@main
struct RumorCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rumorctl",
        abstract: "RumorControl: a sourced knowledge base of election rumors and their realities.",
        discussion: """
            Entries live in one SQLite file (by default ~/.local/share/rumorcontrol/rumorcontrol.sqlite; \
            set --database or RUMORCONTROL_DATABASE to use another). A new database starts with the shipped \
            knowledge base of 2020 election rumors.

            Start with `rumorctl list`, then `rumorctl show SLUG`.
            """,
        subcommands: [ListCommand.self, ShowCommand.self, ImportCommand.self, ExportCommand.self, EmbedCommand.self, LabelCommand.self, EvalCommand.self, FitCommand.self, RankCommand.self, ScoreCommand.self, BenchCommand.self]
    )
}
