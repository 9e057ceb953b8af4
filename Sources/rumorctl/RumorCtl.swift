import ArgumentParser
import Foundation

/// The program's entry point: picks OpenBLAS's kernels, then runs the command line.
@main
enum RumorctlMain {
    static func main() async {
        OpenBLASKernels.selectForThisProcessor()
        await RumorCtl.main()
    }
}

/// Makes Debian's OpenBLAS use the fast kernels on processors newer than it knows.
///
/// OpenBLAS 0.3.21 (Debian 12) does not recognise recent Xeons and falls back to its oldest x86-64 kernels
/// ("Prescott", SSE3): about 30 GFLOP/s where its SkylakeX (AVX-512) kernels reach about 90 on the same core. The
/// core type can only be chosen through `OPENBLAS_CORETYPE` before the library loads, so when it is unset and the
/// processor has the instructions, `rumorctl` sets it and executes itself again. Setting `OPENBLAS_CORETYPE`
/// yourself (to any value) turns this off.
enum OpenBLASKernels {
    static func selectForThisProcessor() {
        guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil,
            let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
            let flagsLine = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
        else { return }
        let flags = Set(flagsLine.split(separator: " ").map(String.init))
        let coreType: String
        if flags.isSuperset(of: ["avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd"]) {
            coreType = "SkylakeX"
        } else if flags.isSuperset(of: ["avx2", "fma"]) {
            coreType = "Haswell"
        } else {
            return
        }
        setenv("OPENBLAS_CORETYPE", coreType, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // execv returns only on failure: carry on with the kernels already loaded.
    }
}

/// The `rumorctl` command line.
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
        subcommands: [ListCommand.self, ShowCommand.self, ImportCommand.self, ExportCommand.self, EmbedCommand.self, LabelCommand.self, EvalCommand.self, FitCommand.self, FitClusteringCommand.self, RankCommand.self, ScoreCommand.self, BenchCommand.self, ServeCommand.self, UserCommand.self, TokenCommand.self, QueueCommand.self, EmergingCommand.self, LogCommand.self, WitnessCommand.self]
    )
}
